"""PyTorch peer for `npm run bench` (matmul and gpu sections): times the same products and prints JSON.

Input (argv[1]): JSON list of {"name", "M", "N", "K", "transA", "transB", "reps", "inner"} (inner:
products per timed run, default 1). Output: one JSON object {"torch", "threads", "device",
"precision", "results": [{"name", "median_s"}]} (median_s per product). Run through bench/torch.ts,
which sets tcmalloc, the thread counts and the device and precision (peer.py) before torch is imported.
"""
import json
import sys
import time

import torch

import peer

cases = json.loads(sys.argv[1])
torch.manual_seed(0)
out = []
for c in cases:
    M, N, K = c["M"], c["N"], c["K"]
    a = torch.randn(K, M).t() if c.get("transA") else torch.randn(M, K)
    b = torch.randn(N, K).t() if c.get("transB") else torch.randn(K, N)
    dst = torch.empty(M, N)
    inner = c.get("inner", 1)

    def run():
        with peer.autocast():
            for _ in range(inner):
                # autocast leaves out= calls in float32, so bf16 allocates its result
                torch.mm(a, b) if peer.PRECISION == "bf16" else torch.mm(a, b, out=dst)
        peer.sync()

    run()  # warm-up
    times = []
    for _ in range(c.get("reps", 5)):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) / inner)
    times.sort()
    out.append({"name": c["name"], "median_s": times[len(times) // 2]})
print(json.dumps({**peer.describe(), "results": out}))

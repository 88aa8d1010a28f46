"""PyTorch CPU peer for `npm run bench` (matmul section): times the same products and prints JSON.

Input (argv[1]): JSON list of {"name", "M", "N", "K", "transA", "transB", "reps"}.
Output: one JSON object {"torch": version, "threads": n, "results": [{"name", "median_s"}]}.
Run through bench/torch.ts, which sets tcmalloc and the thread counts before torch is imported.
"""
import json
import sys
import time

import torch

cases = json.loads(sys.argv[1])
torch.manual_seed(0)
out = []
for c in cases:
    M, N, K = c["M"], c["N"], c["K"]
    a = torch.randn(K, M).t() if c.get("transA") else torch.randn(M, K)
    b = torch.randn(N, K).t() if c.get("transB") else torch.randn(K, N)
    dst = torch.empty(M, N)
    torch.mm(a, b, out=dst)  # warm-up
    times = []
    for _ in range(c.get("reps", 5)):
        t = time.perf_counter()
        torch.mm(a, b, out=dst)
        times.append(time.perf_counter() - t)
    times.sort()
    out.append({"name": c["name"], "median_s": times[len(times) // 2]})
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": out}))

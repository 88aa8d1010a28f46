"""PyTorch peer for `npm run bench` (attention and gpu sections): times grouped-query causal attention
forward, and forward + backward, written as Hugging Face Qwen2's eager attention computes it
(repeat_kv, scores, causal mask, softmax in f32, weighted sum), and prints JSON.

Input (argv[1]): JSON list of {"name", "B", "S", "H", "KVH", "hd", "reps"}.
Output: one JSON object {"torch", "threads", "device", "precision", "results": [{"name", "forward_s",
"train_s"}]} (medians; train_s is forward + backward to q, k, v). Run through bench/torch.ts, which
sets tcmalloc, the thread counts and the device and precision (peer.py) before torch is imported.
"""
import json
import math
import sys
import time

import torch

import peer

cases = json.loads(sys.argv[1])
torch.manual_seed(0)


def attention(q, k, v, mask, group):
    # q: [B, H, S, hd]; k, v: [B, KVH, S, hd]
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(q.shape[-1]) + mask
    return torch.matmul(torch.softmax(s, dim=-1), v)


def median_time(fn, reps):
    fn()  # warm-up
    peer.sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        peer.sync()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


out = []
for c in cases:
    B, S, H, KVH, hd = c["B"], c["S"], c["H"], c["KVH"], c["hd"]
    q = torch.randn(B, H, S, hd, requires_grad=True)
    k = torch.randn(B, KVH, S, hd, requires_grad=True)
    v = torch.randn(B, KVH, S, hd, requires_grad=True)
    mask = torch.full((S, S), float("-inf")).triu(1)
    d_o = torch.randn(B, H, S, hd)

    def forward():
        with torch.no_grad(), peer.autocast():
            attention(q, k, v, mask, H // KVH)

    def train():
        with peer.autocast():
            o = attention(q, k, v, mask, H // KVH)
        o.backward(d_o)

    reps = c.get("reps", 3)
    out.append({"name": c["name"], "forward_s": median_time(forward, reps), "train_s": median_time(train, reps)})
print(json.dumps({**peer.describe(), "results": out}))

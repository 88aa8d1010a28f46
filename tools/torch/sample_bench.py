"""PyTorch peer for `npm run bench` (sample and gpu sections): KV-cache generation with the oracle's plain
Qwen2 (tools/oracle/qwen2.py) plus a KV cache: each prompt prefilled once (all prompts in one batch),
its cache repeated for its group, then every sequence advanced one sampled token per step
(softmax(logits / T), torch.multinomial). Prints tokens/s as JSON.

Input (argv[1]): JSON {"config": HF config dict, "prompts": [[ids]] (equal lengths), "group": g,
"max_new": n, "temperature": T, "seed": s}. Run through bench/torch.ts (tcmalloc, thread counts, device and precision: peer.py).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "oracle"))
import torch  # noqa: E402

import peer  # noqa: E402
from qwen2 import rms_norm, rotate_half  # noqa: E402

arg = json.loads(sys.argv[1])
cfg = arg["config"]
D, F, H, KVH, V, NL = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["vocab_size"], cfg["num_hidden_layers"]
hd, eps = D // H, cfg["rms_norm_eps"]
torch.manual_seed(arg["seed"])


def w(*shape):
    return torch.randn(*shape) * 0.02


P = {"embed": w(V, D), "norm": torch.ones(D)}
layers = [
    {"in": torch.ones(D), "post": torch.ones(D), "q": w(H * hd, D), "qb": torch.zeros(H * hd), "k": w(KVH * hd, D), "kb": torch.zeros(KVH * hd),
     "v": w(KVH * hd, D), "vb": torch.zeros(KVH * hd), "o": w(D, H * hd), "gate": w(F, D), "up": w(F, D), "down": w(D, F)}
    for _ in range(NL)
]
prompts = torch.tensor(arg["prompts"], dtype=torch.int64)
G, max_new, T = arg["group"], arg["max_new"], arg["temperature"]
n = prompts.shape[1]
L = n + max_new
inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
freqs = torch.outer(torch.arange(L, dtype=torch.float32), inv_freq)
emb = torch.cat((freqs, freqs), dim=-1)
COS, SIN = emb.cos(), emb.sin()


def forward(ids, pos, kc, vc):
    """ids [B, S] at positions pos..pos+S-1; appends keys/values to the caches [B, KVH, L, hd]; logits of the last position."""
    B, S = ids.shape
    cos, sin = COS[pos:pos + S], SIN[pos:pos + S]
    x = P["embed"][ids]
    mask = torch.full((S, pos + S), float("-inf")).triu(pos + 1) if S > 1 else None
    for i, p in enumerate(layers):
        h = rms_norm(x, p["in"], eps)
        q = (h @ p["q"].T + p["qb"]).view(B, S, H, hd).transpose(1, 2)
        k = (h @ p["k"].T + p["kb"]).view(B, S, KVH, hd).transpose(1, 2)
        v = (h @ p["v"].T + p["vb"]).view(B, S, KVH, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        kc[i][:, :, pos:pos + S] = k
        vc[i][:, :, pos:pos + S] = v
        # Grouped-query attention by broadcasting query groups over their KV head (no repeated K/V).
        qg = q.view(B, KVH, H // KVH, S, hd)
        K = kc[i][:, :, :pos + S].unsqueeze(2)
        s = qg @ K.transpose(-1, -2) / hd**0.5
        if mask is not None:
            s = s + mask
        o = (torch.softmax(s, dim=-1) @ vc[i][:, :, :pos + S].unsqueeze(2)).reshape(B, H, S, hd).transpose(1, 2).reshape(B, S, H * hd)
        x = x + o @ p["o"].T
        h = rms_norm(x, p["post"], eps)
        x = x + (torch.nn.functional.silu(h @ p["gate"].T) * (h @ p["up"].T)) @ p["down"].T
    return rms_norm(x[:, -1], P["norm"], eps) @ P["embed"].T


def generate(max_new):
    Pn = prompts.shape[0]
    kc = [torch.zeros(Pn, KVH, L, hd) for _ in range(NL)]
    vc = [torch.zeros(Pn, KVH, L, hd) for _ in range(NL)]
    logits = forward(prompts, 0, kc, vc).repeat_interleave(G, dim=0)
    kc = [c.repeat_interleave(G, dim=0) for c in kc]
    vc = [c.repeat_interleave(G, dim=0) for c in vc]
    out = []
    for step in range(max_new):
        logp = torch.log_softmax(logits / T, dim=-1)
        tok = torch.multinomial(logp.exp(), 1)
        out.append((tok, logp.gather(1, tok)))
        if step + 1 < max_new:
            logits = forward(tok, n + step, kc, vc)
    return out


with torch.inference_mode(), peer.autocast():
    generate(2)  # warm-up
    peer.sync()
    t = time.perf_counter()
    generate(max_new)
    peer.sync()
    s = time.perf_counter() - t
B = prompts.shape[0] * G
print(json.dumps({**peer.describe(), "seconds": s, "tokens_per_s": B * max_new / s}))

"""PyTorch peer for `npm run bench` (train and gpu sections): trains the same Qwen2 (the oracle's plain
implementation, tools/oracle/qwen2.py) with AdamW on random tokens and prints tokens/s as JSON.

Input (argv[1]): JSON {"config": HF config dict, "batch": B, "seq": S, "steps": n, "warmup": w}.
Run through bench/torch.ts, which sets tcmalloc, the thread counts and the device and precision
(peer.py) before torch is imported.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "oracle"))
import torch  # noqa: E402

import peer  # noqa: E402
from qwen2 import forward  # noqa: E402

arg = json.loads(sys.argv[1])
cfg, B, S = arg["config"], arg["batch"], arg["seq"]
D, F, H, KVH, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["vocab_size"]
hd = D // H
torch.manual_seed(0)


def p(*shape, std=0.02):
    return (torch.randn(*shape) * std).requires_grad_(True)


params = {"model.embed_tokens.weight": p(V, D), "model.norm.weight": torch.ones(D, requires_grad=True)}
for i in range(cfg["num_hidden_layers"]):
    pre = f"model.layers.{i}."
    params.update({
        pre + "input_layernorm.weight": torch.ones(D, requires_grad=True),
        pre + "post_attention_layernorm.weight": torch.ones(D, requires_grad=True),
        pre + "self_attn.q_proj.weight": p(H * hd, D), pre + "self_attn.q_proj.bias": p(H * hd, std=0),
        pre + "self_attn.k_proj.weight": p(KVH * hd, D), pre + "self_attn.k_proj.bias": p(KVH * hd, std=0),
        pre + "self_attn.v_proj.weight": p(KVH * hd, D), pre + "self_attn.v_proj.bias": p(KVH * hd, std=0),
        pre + "self_attn.o_proj.weight": p(D, H * hd),
        pre + "mlp.gate_proj.weight": p(F, D), pre + "mlp.up_proj.weight": p(F, D), pre + "mlp.down_proj.weight": p(D, F),
    })
opt = torch.optim.AdamW(params.values(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
ids = torch.randint(0, V, (B, S + 1))


def step():
    with peer.autocast():
        logits = forward(params, cfg, ids[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params.values(), 1.0)
    opt.step()
    peer.sync()


for _ in range(arg.get("warmup", 1)):
    step()
times = []
for _ in range(arg["steps"]):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
times.sort()
med = times[len(times) // 2]
print(json.dumps({**peer.describe(), "median_step_s": med, "tokens_per_s": B * S / med}))

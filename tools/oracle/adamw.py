"""PyTorch oracle for the optimizer: torch.nn.utils.clip_grad_norm_ then torch.optim.AdamW, step by
step, over a flat f32 buffer cut into ranges (one tensor each; ranges with "decay" in a param group
with the weight decay, the others in a group without), as the engine's adamw kernel sees them.

usage: adamw.py < IN.json > OUT.json
  IN:  {"params": [...], "grads": [[...] per step], "lr": [... per step], "ranges": [{"offset", "size", "decay"}],
        "beta1", "beta2", "eps", "weight_decay", "max_norm" (0: no clipping)}
  OUT: {"torch": version, "params": [...], "m": [...], "v": [...], "norms": [... per step]} in the
       same flat layout (elements outside every range keep their input value; m and v there are 0).
"""
import json
import sys

import torch


def main():
    cfg = json.load(sys.stdin)
    flat = torch.tensor(cfg["params"], dtype=torch.float32)
    ranges = cfg["ranges"]
    tensors = [torch.nn.Parameter(flat[r["offset"] : r["offset"] + r["size"]].clone()) for r in ranges]
    groups = [
        {"params": [t for t, r in zip(tensors, ranges) if r["decay"]], "weight_decay": cfg["weight_decay"]},
        {"params": [t for t, r in zip(tensors, ranges) if not r["decay"]], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(
        [g for g in groups if g["params"]], lr=cfg["lr"][0], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"]
    )
    norms = []
    for grads, lr in zip(cfg["grads"], cfg["lr"]):
        g = torch.tensor(grads, dtype=torch.float32)
        for t, r in zip(tensors, ranges):
            t.grad = g[r["offset"] : r["offset"] + r["size"]].clone()
        if cfg["max_norm"] > 0:
            norms.append(float(torch.nn.utils.clip_grad_norm_(tensors, cfg["max_norm"])))
        else:
            norms.append(float(torch.norm(torch.stack([torch.norm(t.grad) for t in tensors]))))
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
    m = torch.zeros_like(flat)
    v = torch.zeros_like(flat)
    for t, r in zip(tensors, ranges):
        sl = slice(r["offset"], r["offset"] + r["size"])
        flat[sl] = t.detach()
        m[sl] = opt.state[t]["exp_avg"]
        v[sl] = opt.state[t]["exp_avg_sq"]
    json.dump({"torch": torch.__version__, "params": flat.tolist(), "m": m.tolist(), "v": v.tolist(), "norms": norms}, sys.stdout)


if __name__ == "__main__":
    main()

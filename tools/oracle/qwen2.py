"""PyTorch oracle: a plain Qwen2 (no transformers library) that loads our checkpoint and writes the
logits, the masked mean cross-entropy loss and every parameter gradient for one batch.

usage: qwen2.py CHECKPOINT_DIR BATCH.json OUT.safetensors [--dtype float64|float32]
  BATCH.json: {"ids": [[...]], "targets": [[...]], "mask": [[...]]}, B sequences of S tokens
  OUT: safetensors with "loss" [1], "logits" [B, S, V] and "grad.<tensor name>" for each parameter.
The math follows Hugging Face's Qwen2ForCausalLM (RMSNorm in float, rotate_half RoPE with
inv_freq = theta^(-2i/d), repeat_kv grouping, SwiGLU MLP, tied LM head).
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(raw[base + a : base + b]), dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).float()
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(p, cfg, ids):
    B, S = ids.shape
    D, H, KVH = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = D // H
    eps = cfg["rms_norm_eps"]
    dt = p["model.embed_tokens.weight"].dtype
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.outer(torch.arange(S, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(dt), emb.sin().to(dt)
    mask = torch.full((S, S), float("-inf"), dtype=dt).triu(1)
    x = p["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
        a = pre + "self_attn."
        q = (h @ p[a + "q_proj.weight"].T + p[a + "q_proj.bias"]).view(B, S, H, hd).transpose(1, 2)
        k = (h @ p[a + "k_proj.weight"].T + p[a + "k_proj.bias"]).view(B, S, KVH, hd).transpose(1, 2)
        v = (h @ p[a + "v_proj.weight"].T + p[a + "v_proj.bias"]).view(B, S, KVH, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KVH, dim=1)
        v = v.repeat_interleave(H // KVH, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / hd**0.5 + mask, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, S, H * hd)
        x = x + o @ p[a + "o_proj.weight"].T
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        m = pre + "mlp."
        g = torch.nn.functional.silu(h @ p[m + "gate_proj.weight"].T) * (h @ p[m + "up_proj.weight"].T)
        x = x + g @ p[m + "down_proj.weight"].T
    x = rms_norm(x, p["model.norm.weight"], eps)
    return x @ p["model.embed_tokens.weight"].T


def main():
    ckpt, batch_path, out = sys.argv[1:4]
    dtype = torch.float64 if "--dtype" not in sys.argv or sys.argv[sys.argv.index("--dtype") + 1] == "float64" else torch.float32
    cfg = json.load(open(f"{ckpt}/config.json"))
    params = {k: v.to(dtype).requires_grad_(True) for k, v in read_safetensors(f"{ckpt}/model.safetensors").items() if k != "lm_head.weight"}
    batch = json.load(open(batch_path))
    ids = torch.tensor(batch["ids"], dtype=torch.int64)
    targets = torch.tensor(batch["targets"], dtype=torch.int64)
    mask = torch.tensor(batch["mask"], dtype=dtype)
    logits = forward(params, cfg, ids)
    per_token = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    loss = (per_token * mask.reshape(-1)).sum() / mask.sum()
    loss.backward()
    result = {"loss": loss.detach().reshape(1), "logits": logits.detach()}
    for k, v in params.items():
        result["grad." + k] = v.grad
    write_safetensors(out, result)
    print(json.dumps({"loss": loss.item(), "dtype": str(dtype)}))


if __name__ == "__main__":
    main()

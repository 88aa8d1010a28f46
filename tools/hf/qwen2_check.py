"""Hugging Face compatibility check (issue 14): loads our checkpoint with transformers'
Qwen2ForCausalLM.from_pretrained and scores the tokens of BATCH.json, written by the engine's
checkpoint-loss entry with the engine's own loss on them; also the repo's plain oracle
(tools/oracle/qwen2.py) in float64. Prints one JSON line; exits 1 when HF and ours differ by more
than 1e-4 relative (float32 on a GPU against float32 in PyTorch).

usage: python3 tools/hf/qwen2_check.py CKPT_DIR BATCH.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "oracle"))
import torch  # noqa: E402
from qwen2 import forward, read_safetensors  # noqa: E402
from transformers import Qwen2ForCausalLM  # noqa: E402

ckpt, batch_path = sys.argv[1:3]
batch = json.load(open(batch_path))
ids = torch.tensor(batch["ids"], dtype=torch.int64)
targets = torch.tensor(batch["targets"], dtype=torch.int64)
mask = torch.tensor(batch["mask"], dtype=torch.float64)


def masked_loss(logits):
    per = torch.nn.functional.cross_entropy(logits.double().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return ((per * mask.reshape(-1)).sum() / mask.sum()).item()


device = "cuda" if torch.cuda.is_available() else "cpu"
model = Qwen2ForCausalLM.from_pretrained(ckpt, attn_implementation="eager").float().to(device).eval()
with torch.no_grad():
    hf = masked_loss(model(input_ids=ids.to(device)).logits.cpu())
cfg = json.load(open(os.path.join(ckpt, "config.json")))
params = {k: v.double() for k, v in read_safetensors(os.path.join(ckpt, "model.safetensors")).items() if k != "lm_head.weight"}
with torch.no_grad():
    oracle = masked_loss(forward(params, cfg, ids))
ours = batch["loss"]
rel = abs(hf - ours) / abs(hf)
print(json.dumps({"hf_loss": hf, "ours": ours, "oracle_f64": oracle, "rel_diff_hf_ours": rel, "ok": rel < 1e-4,
                  "transformers": __import__("transformers").__version__, "device": device}))
sys.exit(0 if rel < 1e-4 else 1)

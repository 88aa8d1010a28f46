"""Where and how a PyTorch peer script runs, from the environment bench/torch.ts sets:
BENCH_TORCH_DEVICE (cpu, the default, or cuda) and BENCH_TORCH_PRECISION (fp32, the default; tf32:
float32 matmuls on the tensor cores; bf16: autocast to bfloat16 over float32 weights). Importing it
makes the device the default for new tensors, so the scripts create tensors as on the CPU.
"""
import contextlib
import os

import torch

DEVICE = os.environ.get("BENCH_TORCH_DEVICE", "cpu")
PRECISION = os.environ.get("BENCH_TORCH_PRECISION", "fp32")
if PRECISION not in ("fp32", "tf32", "bf16"):
    raise SystemExit(f"BENCH_TORCH_PRECISION must be fp32, tf32 or bf16, got {PRECISION!r}")
if DEVICE != "cpu":
    torch.set_default_device(DEVICE)  # torch >= 2.0; the CPU path also runs on Debian's 1.13
    torch.backends.cuda.matmul.allow_tf32 = PRECISION == "tf32"
    torch.backends.cudnn.allow_tf32 = PRECISION == "tf32"


def autocast():
    """The context the timed work runs in: bfloat16 autocast for bf16, nothing otherwise."""
    if PRECISION == "bf16":
        return torch.autocast(DEVICE, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def sync():
    """Waits for the device's queued work, so host clocks measure it."""
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def describe():
    """The fields every peer prints beside its timings."""
    name = torch.cuda.get_device_name() if DEVICE == "cuda" else "CPU"
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": name, "precision": PRECISION}

"""Device and precision choices, shared by training and inference."""

from __future__ import annotations

import contextlib
import functools
import platform

import torch


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when this CPU computes bf16 natively (AVX512-BF16 or AMX).

    Elsewhere PyTorch emulates bf16 and autocast is many times *slower* than fp32 (measured on an
    AVX2-only EPYC: a MiniLM train step took 76 s in bf16 against 3.5 s in fp32).
    """
    if platform.system() == "Linux":
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("flags"):
                        flags = set(line.split(":", 1)[1].split())
                        return bool(flags & {"avx512_bf16", "amx_bf16"})
        except OSError:
            pass
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # private API; absent in some builds
        return False


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for but no CUDA GPU is visible; use --device cpu or auto")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ValueError(f"unknown device {name!r}: use auto, cpu or cuda")
    return torch.device(name)


def resolve_dtype(name: str, device: torch.device) -> str:
    """'auto' -> the fastest safe choice for `device`: fp32 | bf16 | fp16 (| int8 when asked)."""
    if name in ("fp32", "no"):
        return "fp32"
    if name == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "bf16" if cpu_has_native_bf16() else "fp32"
    if name in ("bf16", "fp16", "int8"):
        if name == "fp16" and device.type == "cpu":
            raise ValueError("fp16 is for GPUs; on CPU use bf16 (if the CPU has native bf16), int8 or fp32")
        if name == "int8" and device.type != "cpu":
            raise ValueError("int8 (dynamic quantisation) runs on CPU only; use bf16/fp16 on GPU")
        return name
    raise ValueError(f"unknown dtype {name!r}: use auto, fp32, bf16, fp16 or int8")


def autocast(device: torch.device, dtype: str):
    """Autocast context for bf16/fp16, a no-op for fp32/int8."""
    if dtype in ("bf16", "fp16"):
        return torch.autocast(device.type, dtype=torch.bfloat16 if dtype == "bf16" else torch.float16)
    return contextlib.nullcontext()


def mixed_precision_for_training(requested: str, device: torch.device) -> str:
    """accelerate's mixed_precision value ("no" | "bf16" | "fp16") for a train.mixed_precision setting."""
    if requested not in ("auto", "no", "bf16", "fp16"):
        raise ValueError(f"train.mixed_precision must be auto, no, bf16 or fp16, got {requested!r}")
    if requested != "auto":
        return requested
    dtype = resolve_dtype("auto", device)
    return "no" if dtype == "fp32" else dtype

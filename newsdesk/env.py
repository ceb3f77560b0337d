"""Process environment defaults shared by the CLI, the benchmarks and the tests (no heavy imports)."""

from __future__ import annotations

import os


def offline_defaults() -> None:
    """Everything runs offline by default: no weights, datasets or metrics are fetched at run time.

    Set before transformers/datasets/evaluate are imported. Values already set win: users with hub
    access run with HF_HUB_OFFLINE=0 to use checkpoints by name.
    """
    for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE"):
        os.environ.setdefault(key, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


MMAP_THRESHOLD = 131072  # bytes: glibc's initial mmap threshold, kept fixed
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def allocator_defaults() -> bool:
    """glibc: serve every allocation of >= 128 KiB (tensors) by mmap and give it back to the system when
    freed, as `MALLOC_MMAP_THRESHOLD_=131072` does. By default glibc raises that threshold as large
    blocks are freed and then keeps tensors of every shape on its heap, which fragments: on 10,487
    articles `infer.py`'s resident memory crept from 1.0 to 3.2 GB; with the threshold fixed it peaked at
    1.67 GB with identical output (docs/performance.md). True when set; False on other C libraries, or
    when the user set MALLOC_MMAP_THRESHOLD_ (theirs wins)."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return bool(getattr(libc, "mallopt", None)) and libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    except OSError:
        return False

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

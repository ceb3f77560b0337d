"""Evaluation metrics kept in the repo as `evaluate` modules, usable without the Hugging Face Hub.

Each metric lives in `newsdesk/metrics/<name>/<name>.py` (evaluate's local-module layout) and is
loaded by absolute path, which never contacts the Hub. The helpers below load each module once per
process and return plain dicts.

    >>> from newsdesk.metrics import multilabel_scores
    >>> multilabel_scores([["attack"]], [["attack", "protest"]])["micro_f1"]
    0.6666666666666666
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing evaluate pulls in transformers and torch: defer it until a metric is used
    import evaluate

METRICS_DIR = Path(__file__).resolve().parent
METRIC_NAMES = ("rouge", "multilabel_f1", "singlelabel", "calibration")


@functools.cache
def load_metric(name: str) -> evaluate.EvaluationModule:
    """Load (once per process) the repo's metric module `name`, e.g. "rouge", from its local folder."""
    if name not in METRIC_NAMES:
        raise ValueError(f"unknown metric {name!r}; available: {', '.join(METRIC_NAMES)}")
    import evaluate

    # keep_in_memory: no Arrow cache files or lock files are written under ~/.cache.
    return evaluate.load(str(METRICS_DIR / name), keep_in_memory=True)


def rouge(preds: Sequence[str], refs: Sequence[str], use_stemmer: bool = False) -> dict[str, float]:
    """Mean ROUGE-1/2/L F1 (0..1) of predicted vs reference summaries."""
    return load_metric("rouge").compute(predictions=list(preds), references=list(refs), use_stemmer=use_stemmer)


def multilabel_scores(
    preds: Sequence[Sequence[str]], refs: Sequence[Sequence[str]], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """Micro/macro/example F1, micro P/R and per-label table for label lists (see multilabel_f1.py)."""
    return load_metric("multilabel_f1").compute(
        predictions=[list(p) for p in preds],
        references=[list(r) for r in refs],
        labels=None if labels is None else list(labels),
    )


def singlelabel_scores(preds: Sequence[str], refs: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-label table and confusion matrix (rows = gold) for single labels."""
    return load_metric("singlelabel").compute(predictions=list(preds), references=list(refs))


def ece(confidences: Sequence[float], correct: Sequence[int], n_bins: int = 15) -> dict[str, Any]:
    """Expected calibration error over `n_bins` equal-width bins, with the per-bin table."""
    return load_metric("calibration").compute(
        confidences=[float(c) for c in confidences], correct=[int(c) for c in correct], n_bins=n_bins
    )

"""Calibration and decision thresholds, fitted on dev logits after training.

- Region: one temperature T (softmax(logits / T)), fitted by minimising dev log-loss.
- Multi-label heads: Platt scaling sigmoid(a * logit + b). One (a, b) shared by the head, then a
  per-label (a, b) for labels with enough dev positives and negatives (rare labels keep the shared
  one: a per-label fit on three examples is noise).
- Thresholds: per label, the probability cut that maximises dev F1; labels with too few dev
  positives get the head's best shared threshold.
"""

from __future__ import annotations

import numpy as np
import torch

MIN_POSITIVES = 8  # dev positives (and negatives) needed for a per-label fit


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """Temperature minimising the NLL of gold classes (`gold` = class index per row)."""
    if len(gold) == 0:
        return 1.0
    x = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(gold, dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.5, max_iter=100)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp().clamp(0.05, 20.0))


def _fit_ab(z: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> tuple[float, float]:
    """Platt scaling: (a, b) minimising log-loss of sigmoid(a*z + b) against y (0/1)."""
    zt = torch.tensor(z, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    ab = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([ab], lr=0.5, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(ab[0] * zt + ab[1], yt) + l2 * (ab[0] - 1) ** 2
        loss.backward()
        return loss

    opt.step(closure)
    a, b = (float(v) for v in ab.detach())
    if not np.isfinite(a) or not np.isfinite(b) or a <= 0:  # degenerate fit: keep the raw scores
        return 1.0, 0.0
    return a, b


def fit_platt(logits: np.ndarray, gold: np.ndarray) -> list[list[float]]:
    """Per-label [a, b] for a multi-label head (`logits`, `gold`: [examples, labels])."""
    n_labels = logits.shape[1] if logits.ndim == 2 else 0
    if len(logits) == 0 or n_labels == 0:
        return [[1.0, 0.0] for _ in range(n_labels)]
    shared = _fit_ab(logits.ravel(), gold.ravel())
    out = []
    for j in range(n_labels):
        pos = int(gold[:, j].sum())
        if pos >= MIN_POSITIVES and len(gold) - pos >= MIN_POSITIVES:
            out.append(list(_fit_ab(logits[:, j], gold[:, j])))
        else:
            out.append(list(shared))
    return out


def apply_platt(logits: np.ndarray, calibration: list[list[float]]) -> np.ndarray:
    a = np.array([c[0] for c in calibration])
    b = np.array([c[1] for c in calibration])
    return 1.0 / (1.0 + np.exp(-(a * logits + b)))


GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float((pred & gold).sum())
    denom = float(pred.sum() + gold.sum())
    return 2 * tp / denom if denom else 1.0


def tune_thresholds(probs: np.ndarray, gold: np.ndarray) -> list[float]:
    """Per-label threshold maximising dev F1 (ties -> the threshold nearest 0.5)."""
    n_labels = probs.shape[1] if probs.ndim == 2 else 0
    if len(probs) == 0 or n_labels == 0:
        return [0.5] * n_labels
    g = gold.astype(bool)

    def best(p: np.ndarray, y: np.ndarray) -> float:
        scores = [(_f1(p >= t, y), -abs(t - 0.5), t) for t in GRID]
        return float(max(scores)[2])

    shared = best(probs.ravel(), g.ravel())
    return [best(probs[:, j], g[:, j]) if g[:, j].sum() >= 3 else shared for j in range(n_labels)]

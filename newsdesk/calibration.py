"""Calibration and decision thresholds, fitted on dev logits after training.

- Region: one temperature T (softmax(logits / T)), fitted by minimising dev log-loss.
- Multi-label heads: Platt scaling sigmoid(a * logit + b). One (a, b) shared by the head, then a
  per-label (a, b) for labels with enough dev positives and negatives (rare labels keep the shared
  one: a per-label fit on three examples is noise).
- Thresholds: per label, the probability cut that maximises dev F1; labels with under three dev
  positives share one cut, the one that maximises F1 pooled over those rare labels only, and never
  below 0.5 (more likely than not, on calibrated probabilities): a few positives cannot justify a
  lower cut. Pooled with the frequent labels, or with no floor, the cut of a barely trained model
  was 0.05, and its 582 rare actor labels at 0.05 put 44-61 actors on a five-sentence article.
- Article thresholds (event types): the pooled cuts are set mostly by short ACLED notes; a news
  article read in several windows names an event once among many other sentences and its
  probabilities sit lower (written dev, 2026-12-03 model: recall 0.57 advance, 0.63 airstrike at
  precision 1.0). When dev holds enough multi-window articles, event-type cuts are tuned on them
  alone (labels with under three article positives keep the pooled cut) and kept only when
  cross-validation on those articles says they beat the pooled cuts.
"""

from __future__ import annotations

from typing import Sequence

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
    return sigmoid(a * logits + b)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float((pred & gold).sum())
    denom = float(pred.sum() + gold.sum())
    return 2 * tp / denom if denom else 1.0


def tune_thresholds(probs: np.ndarray, gold: np.ndarray) -> list[float]:
    """Per-label threshold maximising dev F1 (ties -> the threshold nearest 0.5); labels with under
    three dev positives share the threshold that maximises F1 pooled over them, but not below 0.5."""
    n_labels = probs.shape[1] if probs.ndim == 2 else 0
    if len(probs) == 0 or n_labels == 0:
        return [0.5] * n_labels
    g = gold.astype(bool)

    def best(p: np.ndarray, y: np.ndarray) -> float:
        scores = [(_f1(p >= t, y), -abs(t - 0.5), t) for t in GRID]
        return float(max(scores)[2])

    rare = g.sum(axis=0) < 3
    shared = max(best(probs[:, rare].ravel(), g[:, rare].ravel()), 0.5) if rare.any() else 0.5
    return [shared if rare[j] else best(probs[:, j], g[:, j]) for j in range(n_labels)]


# ----------------------------------------------------------------------------- decisions from dev
def gold_matrix(records: list[dict], task: str, labels: list[str], norm=lambda x: x) -> tuple[list[int], np.ndarray]:
    """(indices of the records labelled for `task`, their multi-hot gold [records, labels])."""
    idx = [i for i, r in enumerate(records) if r.get(task) is not None]
    index = {l: j for j, l in enumerate(labels)}
    gold = np.zeros((len(idx), len(labels)), dtype=np.int64)
    for row, i in enumerate(idx):
        for label in records[i][task]:
            j = index.get(norm(label))
            if j is not None:
                gold[row, j] = 1
    return idx, gold


def fit_decisions(logits: dict[str, list[np.ndarray]], records: list[dict], maps, calibrate: bool = True,
                  tune: bool = True) -> dict[str, dict]:
    """Calibration and thresholds from dev logits ({task: [per record logits]}) and gold records:
    {"calibration": {"region": T, task: [[a, b], ...]}, "thresholds": {task: [t, ...]}}. Pure: writes nothing."""
    calibration: dict = {}
    thresholds: dict = {}
    regions = maps.get("region")
    idx = [i for i, r in enumerate(records) if r.get("region") in regions]
    if calibrate and idx:
        calibration["region"] = fit_temperature(np.stack([logits["region"][i] for i in idx]),
                                                np.array([regions.index(records[i]["region"]) for i in idx]))
    for task in ("event_types", "actors"):
        labels = maps.get(task)
        if not labels:
            continue
        idx, gold = gold_matrix(records, task, labels, maps.canonical_actor if task == "actors" else (lambda x: x))
        x = np.stack([logits[task][i] for i in idx]) if idx else np.zeros((0, len(labels)))
        calibration[task] = fit_platt(x, gold) if calibrate else [[1.0, 0.0]] * len(labels)
        thresholds[task] = tune_thresholds(apply_platt(x, calibration[task]), gold) if tune else [0.5] * len(labels)
    return {"calibration": calibration, "thresholds": thresholds}


MENTION_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def tune_mention_threshold(predictor, scored: list, records: list[dict]) -> float:
    """The mention score floor that maximises actor-name F1 (normalised names) on dev records with
    marked mentions (ties -> the value nearest 0.5)."""
    from newsdesk.actors import normalise

    rows = [i for i, r in enumerate(records) if r.get("actor_mentions") is not None and r.get("actors") is not None]
    if not rows:
        return 0.5
    aliases = predictor.aliases
    canon = lambda n: normalise(aliases.get(n.strip().lower(), n))  # noqa: E731
    best = None
    for floor in MENTION_GRID:
        predictor.threshold_of["mentions"] = floor
        tp = fp = fn = 0
        for i in rows:
            names = {canon(a.name) for a in predictor._actors(scored[i], {}, [])[0]}
            gold = {canon(a) for a in records[i]["actors"]}
            tp, fp, fn = tp + len(names & gold), fp + len(names - gold), fn + len(gold - names)
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        key = (f1, -abs(floor - 0.5))
        if best is None or key > best[0]:
            best = (key, floor)
    return float(best[1])


# ----------------------------------------------------------------------------- article thresholds
ARTICLE_MIN_RECORDS = 20  # dev articles (more than one window, labelled for event types) needed


def tune_article_thresholds(probs: np.ndarray, gold: np.ndarray, pooled: np.ndarray, keep: Sequence[int] = (),
                            folds: int = 5, seeds: int = 5) -> tuple[list[float] | None, dict]:
    """Event-type cuts for articles: `tune_thresholds` on article rows only (`probs`, `gold`:
    [articles, labels]), the pooled cut for labels with under three article positives and for the
    labels in `keep` (decided elsewhere, e.g. fused few-shot labels). Returns (cuts, report); cuts is
    None (use the pooled ones) unless their cross-validated macro-F1 on the articles (cuts tuned on
    the other folds, the mean of `seeds` shuffles) beats the pooled cuts'."""
    from sklearn.model_selection import KFold

    pooled = np.asarray(pooled, dtype=float)
    g = gold.astype(bool)
    present = np.flatnonzero(g.sum(0) > 0)
    report: dict = {"records": int(len(g)), "labels_tuned": 0}
    if len(g) < ARTICLE_MIN_RECORDS or not len(present):
        return None, report

    def cuts(rows: np.ndarray) -> np.ndarray:
        t = np.asarray(tune_thresholds(probs[rows], g[rows].astype(int)), dtype=float)
        own = (g[rows].sum(0) >= 3)
        own[list(keep)] = False
        return np.where(own, t, pooled)

    def macro(pred: np.ndarray) -> float:
        return float(np.mean([_f1(pred[:, j], g[:, j]) for j in present]))

    cv = []
    for seed in range(seeds):
        pred = np.zeros_like(g)
        for tr, te in KFold(min(folds, len(g)), shuffle=True, random_state=seed).split(probs):
            pred[te] = probs[te] >= cuts(tr)
        cv.append(macro(pred))
    full = cuts(np.arange(len(g)))
    report.update(labels_tuned=int((full != pooled).sum()), cv_macro_f1=round(float(np.mean(cv)), 4),
                  pooled_macro_f1=round(macro(probs >= pooled), 4))
    if report["cv_macro_f1"] <= report["pooled_macro_f1"]:
        return None, report
    return [float(x) for x in full], report


def fit_article_thresholds(predictor, scored: list, records: list[dict]) -> dict | None:
    """`thresholds["article"]` for a model: event-type cuts for inputs read in more than one window,
    tuned on such dev records (see `tune_article_thresholds`), or None. Few-shot labels keep their own
    cut. `predictor` holds the freshly fitted calibration and pooled thresholds."""
    rows = [i for i, (s, r) in enumerate(zip(scored, records)) if s.windows > 1 and r.get("event_types") is not None]
    names = predictor.config.labels["event_types"]
    if len(rows) < ARTICLE_MIN_RECORDS or not names:
        return None
    probs = np.stack([predictor.probabilities(scored[i])["event_types"][: len(names)] for i in rows])
    _, gold = gold_matrix([records[i] for i in rows], "event_types", names)
    pooled = predictor.thresholds("event_types")[: len(names)]
    keep = [names.index(n) for n in predictor.config.fewshot if n in names]
    cuts, report = tune_article_thresholds(probs, gold, pooled, keep)
    return {"event_types": cuts, **report} if cuts is not None else {"event_types": None, **report}

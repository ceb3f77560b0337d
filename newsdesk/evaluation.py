"""Scoring predictions against labelled records (used every epoch in training and by `newsdesk eval`).

Each task is scored only on the records labelled for it (`None` = not labelled).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from newsdesk import metrics

# The early-stopping "score": mean of these per-task headline metrics (those present).
HEADLINE = {
    "region": "macro_f1",
    "event_types": "macro_f1",
    "actors": "micro_f1",
    "summary": "rougeL",
}


def task_metrics(
    preds: Sequence[Any],
    records: Sequence[dict[str, Any]],
    labels: dict[str, list[str]],
    canonical_actor: Callable[[str], str] = lambda a: a,
    per_label: bool = True,
) -> dict[str, Any]:
    """Metrics per task for predictions (objects or dicts with region/event_types/actors/summary).

    `labels` holds the model's label sets: multi-label metrics are computed over them (gold labels
    the model cannot output, e.g. actors under `min_count`, are left out).
    """
    get = (lambda p, k: p[k]) if preds and isinstance(preds[0], dict) else (lambda p, k: getattr(p, k))
    out: dict[str, Any] = {}
    idx = [i for i, r in enumerate(records) if r.get("region") is not None and get(preds[i], "region") is not None]
    if idx:
        s = metrics.singlelabel_scores([get(preds[i], "region") for i in idx], [records[i]["region"] for i in idx])
        out["region"] = {"n": len(idx), **_keep(s, per_label)}
    for task in ("event_types", "actors"):
        idx = [i for i, r in enumerate(records) if r.get(task) is not None and get(preds[i], task) is not None]
        if not idx or not labels.get(task):
            continue
        norm = canonical_actor if task == "actors" else (lambda x: x)
        gold = [sorted({norm(a) for a in records[i][task]}) for i in idx]
        s = metrics.multilabel_scores([get(preds[i], task) for i in idx], gold, labels=labels[task])
        out[task] = {"n": len(idx), **_keep(s, per_label)}
    idx = [i for i, r in enumerate(records) if r.get("summary") and get(preds[i], "summary") is not None]
    if idx:
        summ = [get(preds[i], "summary") for i in idx]
        r = metrics.rouge(summ, [records[i]["summary"] for i in idx])
        out["summary"] = {
            "n": len(idx),
            **{k: float(v) for k, v in r.items()},
            "mean_words": sum(len(s.split()) for s in summ) / len(summ),
            "one_line_share": sum(1 for s in summ if s and "\n" not in s) / len(summ),
        }
    heads = [out[t][m] for t, m in HEADLINE.items() if t in out]
    out["score"] = sum(heads) / len(heads) if heads else 0.0
    return out


def _keep(scores: dict[str, Any], per_label: bool) -> dict[str, Any]:
    if per_label:
        return dict(scores)
    return {k: v for k, v in scores.items() if k not in ("per_label", "confusion_matrix")}


def headline_table(m: dict[str, Any]) -> dict[str, float]:
    """Flat {name: value} of the headline numbers, for logs and metrics.json."""
    flat: dict[str, float] = {}
    for task, names in (
        ("region", ("accuracy", "macro_f1")),
        ("event_types", ("micro_f1", "macro_f1")),
        ("actors", ("micro_f1", "macro_f1")),
        ("summary", ("rouge1", "rouge2", "rougeL")),
    ):
        for name in names:
            if task in m and name in m[task]:
                flat[f"{task}/{name}"] = round(float(m[task][name]), 4)
    flat["score"] = round(float(m.get("score", 0.0)), 4)
    return flat

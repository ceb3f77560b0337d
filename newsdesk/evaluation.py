"""Scoring predictions against labelled records: metric computation (no files), and `predict_records`,
the one prediction loop of training's dev evaluation and of `newsdesk eval` (newsdesk.eval_run).

Each task is scored only on the records labelled for it (`None` = not labelled). Predictions are
objects (newsdesk.predictor.Prediction) or dicts that may leave keys out.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np

from newsdesk import metrics
from newsdesk.actors import normalise
from newsdesk.readability import summary_counters
from newsdesk.summary import SummaryWords
from newsdesk.tasks import MULTI_LABEL, TASKS

# The early-stopping "score": mean of these per-task headline metrics (those present).
HEADLINE = {"region": "macro_f1", "event_types": "macro_f1", "actors": "micro_f1", "summary": "rougeL"}
# The numbers of metrics.json "headline" (and the model card), per result key.
HEADLINE_TABLE = (("region", ("accuracy", "macro_f1")), ("event_types", ("micro_f1", "macro_f1")),
                  ("actors", ("micro_f1", "macro_f1")), ("summary", ("rouge1", "rouge2", "rougeL")),
                  ("actor_mentions", ("exact_f1", "partial_f1")), ("actor_names", ("f1",)), ("linked_actors", ("f1",)))
ECE_BINS = 15  # equal-width bins for expected calibration error (the calibration metric's default)
Probabilities = dict[str, "dict[str, float] | None"]  # per record: {task: {label: p} or None}


def _getter(preds: Sequence[Any]) -> Callable[[Any, str], Any]:
    return (lambda p, k: p.get(k)) if preds and isinstance(preds[0], dict) else (lambda p, k: getattr(p, k, None))


def task_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]], labels: dict[str, list[str]],
                 canonical_actor: Callable[[str], str] = lambda a: a, per_label: bool = True,
                 summary_words: SummaryWords | None = None) -> dict[str, Any]:
    """Metrics per task, each on the records labelled for it whose prediction for it is not None; multi-label
    metrics over `labels` (the model's label sets: gold labels it cannot output are left out). Summary
    readability counters: newsdesk.readability (`nonword_share` needs `summary_words`, the model's lists)."""
    get = _getter(preds)
    out: dict[str, Any] = {}
    idx = [i for i, r in enumerate(records) if r.get("region") is not None and get(preds[i], "region") is not None]
    if idx:
        s = metrics.singlelabel_scores([get(preds[i], "region") for i in idx], [records[i]["region"] for i in idx])
        out["region"] = {"n": len(idx), **_keep(s, per_label)}
    for task in MULTI_LABEL:
        idx = [i for i, r in enumerate(records) if r.get(task) is not None and get(preds[i], task) is not None]
        if not idx or not labels.get(task):
            continue
        norm = canonical_actor if task == "actors" else (lambda x: x)
        gold = [sorted({norm(a) for a in records[i][task]}) for i in idx]
        predicted = [get(preds[i], task) for i in idx]
        if task == "actors":  # over the label set (catalogue names): a mention linked to one counts as it
            predicted = [sorted(set(p) | {m.get("canonical") for m in get(preds[i], "actor_mentions") or []
                                          if m.get("canonical")}) for p, i in zip(predicted, idx)]
        s = metrics.multilabel_scores(predicted, gold, labels=labels[task])
        out[task] = {"n": len(idx), **_keep(s, per_label)}
    idx = [i for i, r in enumerate(records) if r.get("summary") and get(preds[i], "summary") is not None]
    if idx:  # ROUGE on lower-cased text (rouge_score folds case too): ALL-CAPS wire headlines score like any other
        summ = [get(preds[i], "summary") for i in idx]
        r = metrics.rouge([s.lower() for s in summ], [records[i]["summary"].lower() for i in idx])
        out["summary"] = {"n": len(idx), **{k: float(v) for k, v in r.items()},
                          "one_line_share": sum(1 for s in summ if s and "\n" not in s) / len(summ),
                          # mean_words, non-words (with summary_words), endings, repeats, unsupported names/places/numbers
                          **summary_counters(summ, [records[i]["text"] for i in idx], summary_words)}
    heads = [out[t][m] for t, m in HEADLINE.items() if t in out]
    out["score"] = sum(heads) / len(heads) if heads else 0.0
    return out


def _keep(scores: dict[str, Any], per_label: bool) -> dict[str, Any]:
    return {k: v for k, v in scores.items() if per_label or k not in ("per_label", "confusion_matrix")}


def headline_table(m: dict[str, Any]) -> dict[str, float]:
    """Flat {name: value} of the headline numbers, for logs and metrics.json ("score" when `m` has one)."""
    flat = {f"{task}/{name}": round(float(m[task][name]), 4)
            for task, names in HEADLINE_TABLE for name in names if task in m and name in m[task]}
    if "score" in m:
        flat["score"] = round(float(m["score"]), 4)
    return flat


def evidence_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]], triggers: dict,
                     canonical_actor: Callable[[str], str] = lambda a: a) -> dict[str, Any]:
    """How often the evidence sentence of a correctly predicted label holds one of its gold triggers
    (`triggers`: {record id: {task: {label: [trigger, ...]}}})."""
    out: dict[str, Any] = {}
    for task in MULTI_LABEL:
        per_label: dict[str, list[int]] = {}  # label -> [hits, checked]
        for p, r in zip(preds, records):
            evidence = (getattr(p, "evidence", None) or {}).get(task, {})
            for label, words in triggers.get(str(r["id"]), {}).get(task, {}).items():
                label = canonical_actor(label) if task == "actors" else label
                if label in evidence:  # predicted (else there is no evidence to check)
                    count = per_label.setdefault(label, [0, 0])
                    count[0] += any(w in evidence[label]["sentence"] for w in words)
                    count[1] += 1
        total = sum(n for _, n in per_label.values())
        if total:
            out[task] = {"n": total, "hit_rate": sum(h for h, _ in per_label.values()) / total,
                         "per_label": {k: {"hit_rate": h / n, "n": n} for k, (h, n) in sorted(per_label.items())}}
    return out


# ----------------------------------------------------------------------------- actor mentions and names
def _prf(tp: float, n_pred: int, n_gold: int, found: float | None = None) -> tuple[float, float, float]:
    """(precision, recall, F1): precision = tp / n_pred, recall = found / n_gold (found defaults to tp); 0 when empty."""
    p = tp / n_pred if n_pred else 0.0
    r = (tp if found is None else found) / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def mention_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Actor-mention span scores over the records with gold spans (`actor_mentions` not None):
    exact = same (start, end); partial = a predicted span overlapping any gold span is right (precision)
    and a gold span overlapped by any predicted span is found (recall). Pooled over records."""
    get = _getter(preds)
    idx = [i for i, r in enumerate(records) if r.get("actor_mentions") is not None and get(preds[i], "actor_mentions") is not None]
    if not idx:
        return None
    exact = n_pred = n_gold = right = found = 0
    overlaps = lambda a, spans: any(a[0] < b[1] and b[0] < a[1] for b in spans)  # noqa: E731
    for i in idx:
        gold = {(int(m["start"]), int(m["end"])) for m in records[i]["actor_mentions"]}
        pred = {(int(m["start"]), int(m["end"])) for m in get(preds[i], "actor_mentions")}
        exact += len(pred & gold)
        right += sum(overlaps(p, gold) for p in pred)
        found += sum(overlaps(g, pred) for g in gold)
        n_pred, n_gold = n_pred + len(pred), n_gold + len(gold)
    out: dict[str, Any] = {"n": len(idx), "gold": n_gold, "predicted": n_pred}
    for kind, (p, r, f) in (("exact", _prf(exact, n_pred, n_gold)), ("partial", _prf(right, n_pred, n_gold, found))):
        out.update({f"{kind}_precision": p, f"{kind}_recall": r, f"{kind}_f1": f})
    return out


def _set_scores(pairs: list[tuple[set[str], set[str]]]) -> dict[str, Any]:
    tp = sum(len(p & g) for p, g in pairs)
    p, r, f = _prf(tp, sum(len(p) for p, _ in pairs), sum(len(g) for _, g in pairs))
    return {"n": len(pairs), "gold": sum(len(g) for _, g in pairs), "predicted": sum(len(p) for p, _ in pairs),
            "precision": p, "recall": r, "f1": f}


def actor_name_key(aliases: dict[str, str]) -> Callable[[str], str]:
    """Name -> comparison key: the alias table's canonical name (lower-cased lookup), then `actors.normalise`."""
    return lambda name: normalise(aliases.get(name.strip().lower(), name))


def actor_name_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]], aliases: dict[str, str]) -> dict[str, Any] | None:
    """Open-set actor names: predicted `actors` vs gold `actors`, both keyed by `actor_name_key` (a
    name counts once per article), micro P/R/F1 over the records with gold actors."""
    get = _getter(preds)
    key = actor_name_key(aliases)
    pairs = [({key(a) for a in get(p, "actors")}, {key(a) for a in r["actors"]})
             for p, r in zip(preds, records) if r.get("actors") is not None and get(p, "actors") is not None]
    return _set_scores(pairs) if pairs else None


def linked_actor_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]], catalogue: Sequence[str],
                         canonical_actor: Callable[[str], str] = lambda a: a) -> dict[str, Any] | None:
    """Catalogue actors: predicted = the predicted `actors` and the `canonical` of the predicted
    `actor_mentions`, kept where they are catalogue names (the model's actor labels); gold = the gold
    actors (canonicalised) that are catalogue names. Micro P/R/F1 over the records with gold actors."""
    get = _getter(preds)
    known = set(catalogue)
    if not known:
        return None
    pairs = []
    for p, r in zip(preds, records):
        if r.get("actors") is None or get(p, "actors") is None:
            continue
        linked = set(get(p, "actors")) | {m.get("canonical") for m in get(p, "actor_mentions") or []}
        pairs.append((linked & known, {canonical_actor(a) for a in r["actors"]} & known))
    return _set_scores(pairs) if pairs else None


# ----------------------------------------------------------------------------- calibration
def calibration_pairs(task: str, probs: Sequence[Probabilities | None], records: Sequence[dict[str, Any]],
                      labels: Sequence[str] | None = None,
                      canonical_actor: Callable[[str], str] = lambda a: a) -> tuple[list[float], list[int]]:
    """(confidence, correct) pairs for one head, over the records labelled for `task` that have
    probabilities for it. region: the top class probability, correct when it is the gold region.
    event_types / actors: one pair per record and label of `labels` (the model's label set): the
    label's probability, correct when the label is gold (actors canonicalised)."""
    conf: list[float] = []
    hit: list[int] = []
    for p, r in zip(probs, records):
        gold = r.get(task)
        row = None if p is None else p.get(task)
        if gold is None or not row:
            continue
        if task == "region":
            best = max(row, key=row.get)
            conf.append(float(row[best]))
            hit.append(int(best == gold))
            continue
        norm = canonical_actor if task == "actors" else (lambda x: x)
        gold_set = {norm(g) for g in gold}
        for label in labels if labels is not None else row:
            conf.append(float(row.get(label, 0.0)))
            hit.append(int(label in gold_set))
    return conf, hit


def calibration_metrics(probs: Sequence[Probabilities | None], records: Sequence[dict[str, Any]],
                        labels: dict[str, list[str]], canonical_actor: Callable[[str], str] = lambda a: a,
                        n_bins: int = ECE_BINS) -> dict[str, Any]:
    """Expected calibration error per head, {task: {"ece", "pairs", "records", "bins"}} (heads with data)."""
    out: dict[str, Any] = {}
    for task in TASKS:
        task_labels = None if task == "region" else labels.get(task)
        if task != "region" and not task_labels:
            continue
        conf, hit = calibration_pairs(task, probs, records, task_labels, canonical_actor)
        if not conf:
            continue
        n_records = sum(1 for p, r in zip(probs, records) if r.get(task) is not None and p is not None and p.get(task))
        result = metrics.ece(np.clip(conf, 0.0, 1.0), hit, n_bins=n_bins)
        out[task] = {"ece": float(result["ece"]), "pairs": len(conf), "records": n_records, "bins": result["bins"]}
    return out


# ----------------------------------------------------------------------------- predicting (training's dev eval, `newsdesk eval`)
def predict_records(predictor, records: Sequence[dict[str, Any]], batch_size: int = 16, summary: bool = True,
                    progress: bool = False, summary_for: set[int] | None = None, decide: bool = True):
    """`Predictor.score` + `Predictor.decide` (the `infer` path) for records; summaries only for the records with
    a gold summary, or the indices in `summary_for`. Returns (scored, preds); preds None when not `decide`."""
    from tqdm.auto import tqdm

    texts = [r["text"] for r in records]
    want = sorted(summary_for) if summary_for is not None else [i for i, r in enumerate(records) if summary and r.get("summary")]
    wanted = set(want)
    rest = [i for i in range(len(records)) if i not in wanted]
    scored: list[Any] = [None] * len(records)
    bar = tqdm(total=len(records), desc="predicting", unit="rec", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    try:
        for group, with_summary in ((rest, False), (want, True)):
            if group:
                out = predictor.score([texts[i] for i in group], batch_size=batch_size, summary=with_summary,
                                      clean=False, progress=bar)
                for i, s in zip(group, out):
                    scored[i] = s
    finally:
        bar.close()
    preds = [predictor.decide(s, r["id"]) for s, r in zip(scored, records)] if decide else None
    return scored, preds

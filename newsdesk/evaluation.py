"""Scoring predictions against labelled records (used every epoch in training and by `newsdesk eval`).

Each task is scored only on the records labelled for it (`None` = not labelled).

`newsdesk eval MODEL_DIR DATA [DATA ...] [--train TRAIN ...] --report DIR` (`eval_cli`) predicts
DATA with the same `Predictor.score` / `Predictor.decide` path as `infer`, scores every task with
`task_metrics`, adds expected calibration error per head, fits the baselines of
`newsdesk.baselines` on TRAIN and scores them on the same records, then writes `metrics.json`,
`predictions.jsonl`, `report.md` and PNG plots into DIR (see `newsdesk.report` and docs/eval.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from newsdesk import metrics
from newsdesk.faithfulness import check as check_faithfulness

log = logging.getLogger("newsdesk")

# The early-stopping "score": mean of these per-task headline metrics (those present).
HEADLINE = {
    "region": "macro_f1",
    "event_types": "macro_f1",
    "actors": "micro_f1",
    "summary": "rougeL",
}

TASKS = ("region", "event_types", "actors")
MULTILABEL = ("event_types", "actors")
ECE_BINS = 15  # equal-width bins for expected calibration error (the calibration metric's default)
BASELINE_SEED = 13  # the TRAIN split that tunes the TF-IDF baseline's thresholds
BASELINE_TUNE_SHARE = 0.1  # share of TRAIN held out to tune those thresholds
MIN_TUNE_RECORDS = 10  # below this many TRAIN records, the baseline keeps its default thresholds


def task_metrics(
    preds: Sequence[Any],
    records: Sequence[dict[str, Any]],
    labels: dict[str, list[str]],
    canonical_actor: Callable[[str], str] = lambda a: a,
    per_label: bool = True,
) -> dict[str, Any]:
    """Metrics per task for predictions (objects or dicts with region/event_types/actors/summary).

    `labels` holds the model's label sets: multi-label metrics are computed over them (gold labels
    the model cannot output, e.g. actors under `min_count`, are left out). A task is scored on the
    records labelled for it whose prediction for it is not None; dict predictions may leave keys out.
    """
    get = (lambda p, k: p.get(k)) if preds and isinstance(preds[0], dict) else (lambda p, k: getattr(p, k))
    out: dict[str, Any] = {}
    idx = [i for i, r in enumerate(records) if r.get("region") is not None and get(preds[i], "region") is not None]
    if idx:
        s = metrics.singlelabel_scores([get(preds[i], "region") for i in idx], [records[i]["region"] for i in idx])
        out["region"] = {"n": len(idx), **_keep(s, per_label)}
    for task in MULTILABEL:
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
            # names, places or numbers the article does not have (see newsdesk.faithfulness)
            "unsupported_share": sum(
                check_faithfulness(s, records[i]["text"])["verdict"] == "unsupported" for s, i in zip(summ, idx)
            ) / len(summ),
        }
    heads = [out[t][m] for t, m in HEADLINE.items() if t in out]
    out["score"] = sum(heads) / len(heads) if heads else 0.0
    return out


def load_triggers(path: str | Path) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Evidence triggers (JSONL: {"id", "event_types": {label: [trigger, ...]}, "actors": {...}}) by id."""
    rows = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    return {str(r["id"]): {t: r.get(t) or {} for t in MULTILABEL} for r in rows}


def evidence_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]], triggers: dict,
                     canonical_actor: Callable[[str], str] = lambda a: a) -> dict[str, Any]:
    """How often the evidence sentence of a correctly predicted label holds one of its gold triggers."""
    out: dict[str, Any] = {}
    for task in MULTILABEL:
        hits = total = 0
        per_label: dict[str, list[int]] = {}
        for p, r in zip(preds, records):
            gold = triggers.get(str(r["id"]), {}).get(task, {})
            evidence = (getattr(p, "evidence", None) or {}).get(task, {})
            for label, words in gold.items():
                label = canonical_actor(label) if task == "actors" else label
                if label not in evidence:
                    continue  # not predicted: no evidence to check
                hit = any(w in evidence[label]["sentence"] for w in words)
                hits, total = hits + hit, total + 1
                per_label.setdefault(label, [0, 0])
                per_label[label][0] += hit
                per_label[label][1] += 1
        if total:
            out[task] = {"n": total, "hit_rate": hits / total,
                         "per_label": {k: {"hit_rate": h / n, "n": n} for k, (h, n) in sorted(per_label.items())}}
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


# ----------------------------------------------------------------------------- calibration
Probabilities = dict[str, "dict[str, float] | None"]  # per record: {task: {label: p} or None}


def calibration_pairs(
    task: str,
    probs: Sequence[Probabilities | None],
    records: Sequence[dict[str, Any]],
    labels: Sequence[str] | None = None,
    canonical_actor: Callable[[str], str] = lambda a: a,
) -> tuple[list[float], list[int]]:
    """(confidence, correct) pairs for one head, over the records labelled for `task`.

    region: the top class probability, correct when the top class is the gold region.
    event_types / actors: one pair per record and label of `labels` (the model's label set):
    the label's probability, correct when the label is gold (actors canonicalised).
    Records without probabilities for the task (None) are skipped.
    """
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


def calibration_metrics(
    probs: Sequence[Probabilities | None],
    records: Sequence[dict[str, Any]],
    labels: dict[str, list[str]],
    canonical_actor: Callable[[str], str] = lambda a: a,
    n_bins: int = ECE_BINS,
) -> dict[str, Any]:
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


def raw_probabilities(scored, labels: dict[str, list[str]]) -> Probabilities:
    """Probabilities before calibration: softmax of the region logits, sigmoid of the label logits."""
    from newsdesk.calibration import sigmoid, softmax

    out: Probabilities = {}
    for task in TASKS:
        names = labels[task]
        x = np.asarray(scored.logits[task], dtype=np.float64)
        out[task] = dict(zip(names, (softmax(x) if task == "region" else sigmoid(x)).tolist())) if len(names) else None
    return out


def served_probabilities(predictor, scored) -> Probabilities:
    """Probabilities exactly as the predictor serves them (calibrated, few-shot labels fused)."""
    p = predictor.probabilities(scored)
    return {task: (dict(zip(predictor.labels[task], p[task].tolist())) if len(predictor.labels[task]) else None) for task in TASKS}


# ----------------------------------------------------------------------------- baselines
def body_only(record: dict[str, Any], canonical_actor: Callable[[str], str] = lambda a: a) -> dict[str, Any]:
    """A copy the baselines may read: no title (InsightCrime titles ARE the summaries), actors canonical."""
    r = dict(record)
    r["title"] = None
    if r.get("actors") is not None:
        r["actors"] = sorted({canonical_actor(a) for a in r["actors"]})
    return r


def split_for_tuning(n: int, seed: int = BASELINE_SEED, share: float = BASELINE_TUNE_SHARE) -> tuple[list[int], list[int]]:
    """Deterministic (fit, tune) index split of `n` TRAIN records; no tune split below MIN_TUNE_RECORDS."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_tune = int(round(n * share)) if n >= MIN_TUNE_RECORDS else 0
    return sorted(order[n_tune:]), sorted(order[:n_tune])


@dataclass
class FittedBaseline:
    """A TF-IDF baseline fitted on TRAIN (body text only), with how it was made."""

    model: Any  # newsdesk.baselines.TfidfBaseline
    info: dict[str, Any]


def fit_tfidf_baseline(
    train_records: Sequence[dict[str, Any]],
    labels: dict[str, list[str]],
    canonical_actor: Callable[[str], str] = lambda a: a,
    seed: int = BASELINE_SEED,
    share: float = BASELINE_TUNE_SHARE,
) -> FittedBaseline:
    """TF-IDF + logistic regression on (1 - share) of TRAIN, thresholds tuned on the other `share`.

    Multi-label heads use the model's label sets (so both are scored over the same labels); the
    region classifier uses every region in TRAIN. Inputs are the record body only.
    """
    import warnings

    from threadpoolctl import threadpool_limits

    from newsdesk.baselines import TfidfBaseline

    recs = [body_only(r, canonical_actor) for r in train_records]
    fit_idx, tune_idx = split_for_tuning(len(recs), seed, share)
    t0 = time.time()
    # One BLAS thread: hundreds of small one-vs-rest fits run many times faster without thread
    # hand-offs (and do not fight a training job for the cores).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        # labels absent from the fit split are expected (rare actors)
        warnings.filterwarnings("ignore", message=".*not present in all training examples.*")
        warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
        model = TfidfBaseline().fit(
            [recs[i] for i in fit_idx], actor_labels=labels.get("actors") or [], event_labels=labels.get("event_types") or [],
        )
        if tune_idx:
            model.tune_thresholds([recs[i] for i in tune_idx])
    info = {
        "name": "TF-IDF (word 1-2 grams) + logistic regression",
        "train_records": len(recs),
        "fit_records": len(fit_idx),
        "tune_records": len(tune_idx),
        "tune_share": share,
        "seed": seed,
        "input": "record text (body only, no title)",
        "tasks": [t for t in TASKS if (model.region_model is not None if t == "region" else t in model.heads)],
        "fit_seconds": round(time.time() - t0, 1),
    }
    return FittedBaseline(model, info)


def extractive_summaries(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Lead-1 and TextRank summaries of the body, for the records with a gold summary (others None)."""
    from newsdesk.baselines import lead1, textrank

    out = {}
    for name, fn in (("lead1", lead1), ("textrank", textrank)):
        out[name] = [{"summary": fn(r["text"]) if r.get("summary") else None} for r in records]
    return out


# ----------------------------------------------------------------------------- evaluation
@dataclass
class EvalResult:
    """Everything `evaluate_dir` computed: metrics.json's payload plus per-record outputs."""

    metrics: dict[str, Any]
    records: list[dict[str, Any]]
    predictions: list[Any]  # newsdesk.predictor.Prediction, one per record
    probabilities: list[Probabilities]  # as served (calibrated)
    labels: dict[str, list[str]]
    canonical_actor: Callable[[str], str]
    baseline_predictions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    baseline_probabilities: list[Probabilities] | None = None
    tfidf: FittedBaseline | None = None  # the fitted TF-IDF baseline (reusable for another DATA)
    report_dir: Path | None = None


def model_aliases(model_dir: str | Path) -> tuple[dict[str, str], str | None]:
    """The actor alias map the model was trained with (train_config.yaml `data.actor_aliases`), and its path."""
    import yaml

    from newsdesk.config import resolve_data_path
    from newsdesk.data import load_aliases

    cfg_path = Path(model_dir) / "train_config.yaml"
    if not cfg_path.is_file():
        return {}, None
    try:
        cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        log.warning("%s is not valid YAML: actor gold labels are not canonicalised", cfg_path)
        return {}, None
    entry = (cfg.get("data") or {}).get("actor_aliases")
    if not entry:
        return {}, None
    path = resolve_data_path(str(entry), "{repo}")  # as training resolves it
    if not path.is_file():
        log.warning("the model's actor alias file %s is missing: actor gold labels are not canonicalised", path)
        return {}, str(path)
    return load_aliases(path), str(path)


def train_setting(model_dir: str | Path, key: str) -> Any:
    """One dotted key of the model's train_config.yaml (None when absent)."""
    import yaml

    p = Path(model_dir) / "train_config.yaml"
    if not p.is_file():
        return None
    node: Any = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def data_roles(model_dir: str | Path, paths: Sequence[str | Path]) -> dict[str, list[str]]:
    """Which DATA files the model was trained ("train") or tuned ("dev": epoch choice, calibration,
    thresholds) on, from its train_config.yaml (best effort: a relative data.root is tried against
    the current folder and the repo)."""
    from newsdesk.config import repo_root, resolve_data_path

    roles: dict[str, list[str]] = {"train": [], "dev": []}
    root = train_setting(model_dir, "data.root") or "{repo}"
    roots = [root] if Path(root.replace("{repo}", "")).is_absolute() or "{repo}" in root else [root, str(repo_root() / root)]
    wanted = {Path(p).resolve(): str(p) for p in paths}
    for role in roles:
        for entry in train_setting(model_dir, f"data.{role}") or []:
            for r in roots:
                hit = wanted.get(resolve_data_path(str(entry), r).resolve())
                if hit and hit not in roles[role]:
                    roles[role].append(hit)
    return roles


def read_files(paths: Sequence[str | Path], limit: int | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records of several files (validated, cleaned), and [{path, records}] per file."""
    from newsdesk.data import read_records

    records: list[dict[str, Any]] = []
    files = []
    for p in paths:
        recs = read_records(p, limit)
        files.append({"path": str(p), "records": len(recs)})
        records.extend(recs)
    return records, files


def predict_records(predictor, records: Sequence[dict[str, Any]], batch_size: int = 16, summary: bool = True,
                    progress: bool = False, summary_for: set[int] | None = None, decide: bool = True):
    """`Predictor.score` + `Predictor.decide` (the `infer` path) for records; summaries are generated
    only for the records with a gold summary (the only ones they are scored on), or for the indices in
    `summary_for`. Returns (scored, preds); preds is None when `decide` is False."""
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


def evaluate_dir(
    model_dir: str | Path,
    data: Sequence[str | Path],
    train: Sequence[str | Path] | None = None,
    report_dir: str | Path | None = None,
    *,
    batch_size: int = 16,
    device: str = "auto",
    dtype: str = "auto",
    summary: bool = True,
    update_card: bool = False,
    max_records: int | None = None,
    max_train_records: int | None = None,
    examples: int = 5,
    predictor=None,
    baseline: FittedBaseline | None = None,
    progress: bool = False,
    triggers: str | Path | None = None,
) -> EvalResult:
    """Evaluate a model directory on DATA (and the baselines fitted on TRAIN); write the report when
    `report_dir` is given. `predictor` / `baseline` reuse an already loaded model / fitted baseline."""
    import warnings

    t0 = time.time()
    model_dir = Path(model_dir)
    with warnings.catch_warnings():
        # sklearn's confusion matrix warns when a tiny DATA (one seed article) has a single region
        warnings.filterwarnings("ignore", message="A single label was found")
        return _evaluate_dir(
            model_dir, data, train, report_dir, batch_size=batch_size, device=device, dtype=dtype, summary=summary,
            update_card=update_card, max_records=max_records, max_train_records=max_train_records, examples=examples,
            predictor=predictor, baseline=baseline, progress=progress, t0=t0, triggers=triggers,
        )


def _evaluate_dir(model_dir: Path, data, train, report_dir, *, batch_size, device, dtype, summary, update_card,
                  max_records, max_train_records, examples, predictor, baseline, progress, t0, triggers=None) -> EvalResult:
    from newsdesk.data import LabelMaps
    from newsdesk.predictor import Predictor

    if predictor is None:
        predictor = Predictor.load(model_dir, device=device, dtype=dtype)
    records, data_files = read_files(data, max_records)
    train_records, train_files = [], []
    if train and baseline is not None and baseline.info.get("files"):
        train_files = baseline.info["files"]  # already fitted on these: no need to read them again
    elif train:
        train_records, train_files = read_files(train, max_train_records)
    labels = {t: list(predictor.labels[t]) for t in TASKS}
    aliases, alias_path = model_aliases(model_dir)
    canonical = LabelMaps({}, aliases).canonical_actor

    # ---- the model, through the infer path
    scored, preds = predict_records(predictor, records, batch_size, summary, progress)
    probs = [served_probabilities(predictor, s) for s in scored]
    raw = [raw_probabilities(s, predictor.config.labels) for s in scored]
    model_m = task_metrics(preds, records, labels, canonical)
    model_m["calibration"] = calibration_metrics(probs, records, labels, canonical)
    model_m["calibration_raw"] = calibration_metrics(raw, records, labels, canonical)
    if triggers:
        model_m["evidence"] = evidence_metrics(preds, records, load_triggers(triggers), canonical)
    predict_seconds = time.time() - t0

    # ---- baselines on the same records
    baselines: dict[str, Any] = {}
    baseline_info: dict[str, Any] = {}
    base_preds: dict[str, list[dict[str, Any]]] = {}
    base_probs = None
    if train:
        if baseline is None:
            baseline = fit_tfidf_baseline(train_records, labels, canonical)
            baseline.info["files"] = train_files
        from threadpoolctl import threadpool_limits

        texts = [r["text"] for r in records]  # body only, as the model reads it
        with threadpool_limits(limits=1, user_api="blas"):
            tf_preds = [{**p, "summary": None} for p in baseline.model.predict(texts)]
            base_probs = baseline.model.predict_proba(texts)
        tf_m = task_metrics(tf_preds, records, labels, canonical)
        tf_m["calibration"] = calibration_metrics(base_probs, records, labels, canonical)
        if any(t in tf_m for t in TASKS):  # e.g. TRAIN with summaries only: nothing to compare
            baselines["tfidf"] = tf_m
        base_preds["tfidf"] = tf_preds
        baseline_info["tfidf"] = baseline.info
    if summary and any(r.get("summary") for r in records):
        for name, rows in extractive_summaries(records).items():
            baselines[name] = task_metrics(rows, records, labels, canonical)
            base_preds[name] = rows
        baseline_info["lead1"] = {"name": "Lead-1 (first sentence of the body)"}
        baseline_info["textrank"] = {"name": "TextRank (most central sentence of the body)"}

    labelled = {t: sum(1 for r in records if r.get(t) is not None) for t in (*TASKS, "summary")}
    payload: dict[str, Any] = {
        "model_dir": str(model_dir),
        "model": predictor.name,
        "data": data_files,
        "train": train_files or None,
        "records": len(records),
        "labelled": labelled,
        "labels": {t: len(v) for t, v in labels.items()},
        "actor_aliases": alias_path,
        "data_roles": data_roles(model_dir, data),  # DATA files the model was trained / tuned on
        "settings": {
            "device": str(predictor.device), "dtype": predictor.dtype, "batch_size": batch_size, "summary": summary,
            "max_records": max_records, "max_train_records": max_train_records, "ece_bins": ECE_BINS,
        },
        "headline": {"model": headline_table(model_m), **{k: headline_table(v) for k, v in baselines.items()}},
        "results": {"model": model_m, **baselines},
        "baselines": baseline_info,
        "seconds": {"predict": round(predict_seconds, 1), "total": round(time.time() - t0, 1)},
    }
    result = EvalResult(payload, list(records), preds, probs, labels, canonical, base_preds, base_probs, baseline)
    if report_dir is not None:
        from newsdesk.report import update_model_card, write_report

        result.report_dir = Path(report_dir)
        payload["seconds"]["total"] = round(time.time() - t0, 1)
        write_report(result, result.report_dir, examples=examples)
        if update_card:
            update_model_card(model_dir, result, result.report_dir)
    return result


# ----------------------------------------------------------------------------- CLI
EVAL_EPILOG = """writes into --report DIR:
  metrics.json       every metric, model and baselines ("results"), calibration bins, data used
  report.md          tables per task (model vs baselines), worst labels, error examples, plots
  predictions.jsonl  per record: gold, model prediction, baseline predictions
  *.png              region confusion matrix, per-label F1 bars, reliability diagram

exit codes: 0 done; 1 bad model directory, missing or invalid data file, unwritable report dir.
"""


def eval_cli(argv: Sequence[str] | None = None) -> int:
    """`newsdesk eval MODEL_DIR DATA [DATA ...] [--train TRAIN ...] --report DIR`."""
    parser = argparse.ArgumentParser(
        prog="newsdesk eval",
        description="Score a trained model on labelled records (the record schema), per task, with "
        "calibration, against TF-IDF + logistic regression, Lead-1 and TextRank baselines.",
        epilog=EVAL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model_dir", help="trained model directory (e.g. runs/default/model)")
    parser.add_argument("data", nargs="+", help="labelled data file(s): .jsonl .json .csv .parquet in the record schema")
    parser.add_argument("--train", nargs="+", metavar="TRAIN",
                        help="training file(s) for the TF-IDF baseline (90%% fit, 10%% threshold tuning, seed 13)")
    parser.add_argument("--report", required=True, metavar="DIR", help="folder for metrics.json, report.md and plots")
    parser.add_argument("--batch-size", type=int, default=16, help="windows per forward pass (default 16)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"])
    parser.add_argument("--no-summary", action="store_true", help="skip summaries (labels only, much faster)")
    parser.add_argument("--update-card", action="store_true", help="add/replace an Evaluation section in MODEL_DIR/README.md")
    parser.add_argument("--max-records", type=int, metavar="N", help="read at most N records per DATA file")
    parser.add_argument("--max-train-records", type=int, metavar="N", help="read at most N records per TRAIN file")
    parser.add_argument("--examples", type=int, default=5, metavar="N", help="error examples per task in report.md (default 5)")
    parser.add_argument("--triggers", metavar="FILE", help="evidence triggers (JSONL, e.g. data/evidence_triggers.jsonl): "
                        "report how often the evidence sentence holds a gold trigger")
    args = parser.parse_args(argv)

    from newsdesk.data import DataError
    from newsdesk.predictor import ModelDirError

    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    logging.getLogger("absl").setLevel(logging.WARNING)
    for p in [*args.data, *(args.train or []), *([args.triggers] if args.triggers else [])]:
        if not Path(p).is_file():
            print(f"error: data file not found: {p}", file=sys.stderr)
            return 1
    try:
        result = evaluate_dir(
            args.model_dir, args.data, args.train, args.report, batch_size=args.batch_size, device=args.device,
            dtype=args.dtype, summary=not args.no_summary, update_card=args.update_card, max_records=args.max_records,
            max_train_records=args.max_train_records, examples=args.examples, progress=True, triggers=args.triggers,
        )
    except (ModelDirError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    head = result.metrics["headline"]
    for system, row in head.items():
        print(f"{system:9s} " + " ".join(f"{k}={v:.4f}" for k, v in row.items()))
    print(f"report written to {Path(args.report) / 'report.md'}")
    return 0

"""The `newsdesk eval` run: read DATA (and TRAIN), predict, score, write the report, update the card.

    evaluate_dir(MODEL_DIR, [DATA ...], [TRAIN ...], REPORT_DIR)  -> EvalResult (metrics.json's payload ...)

DATA is predicted with `evaluation.predict_records` (the same `Predictor.score` / `Predictor.decide`
path as `infer`) and scored with `newsdesk.evaluation`; the baselines of `newsdesk.baselines` are
fitted on TRAIN and scored on the same records; `newsdesk.report` writes metrics.json,
predictions.jsonl, report.md and the plots. The command line is `newsdesk.cli.eval_main`.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from newsdesk.baselines import (
    FittedBaseline, extractive_summaries, fit_tfidf_baseline, gazetteer_predictions, predict_tfidf,
)
from newsdesk.calibration import sigmoid, softmax
from newsdesk.evaluation import (
    ECE_BINS, Probabilities, actor_name_metrics, calibration_metrics, evidence_metrics, headline_table,
    linked_actor_metrics, mention_metrics, predict_records, task_metrics,
)
from newsdesk.extras import require
from newsdesk.tasks import MULTI_LABEL, TASKS

log = logging.getLogger("newsdesk")


class NothingToScore(ValueError):
    """DATA has no gold label for any task `newsdesk eval` would score."""


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


# ----------------------------------------------------------------------------- reading
def load_triggers(path: str | Path) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Evidence triggers (JSONL: {"id", "event_types": {label: [trigger, ...]}, "actors": {...}}) by id."""
    rows = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    return {str(r["id"]): {t: r.get(t) or {} for t in MULTI_LABEL} for r in rows}


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


def model_summary_words(model_dir: str | Path):
    """The model's headline vocabulary and lexicon (MODEL_DIR/summary_vocab.json, as `Predictor.load` reads it),
    which the summary counters use for every system; None for a model directory without the file."""
    from newsdesk.summary import VOCAB_FILE, SummaryWords

    return SummaryWords.load(model_dir) if (Path(model_dir) / VOCAB_FILE).is_file() else None


# ----------------------------------------------------------------------------- probabilities
def raw_probabilities(scored, labels: dict[str, list[str]]) -> Probabilities:
    """Probabilities before calibration: softmax of the region logits, sigmoid of the label logits."""
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


def actor_metrics(preds: Sequence[Any], records: Sequence[dict[str, Any]], catalogue: Sequence[str],
                  canonical_actor: Callable[[str], str], aliases: dict[str, str]) -> dict[str, Any]:
    """Mention spans (records with gold `actor_mentions`), open-set actor names and catalogue actors
    (records with gold `actors`): {"actor_mentions", "actor_names", "linked_actors"}, those with data."""
    out = {"actor_mentions": mention_metrics(preds, records), "actor_names": actor_name_metrics(preds, records, aliases),
           "linked_actors": linked_actor_metrics(preds, records, catalogue, canonical_actor)}
    return {k: v for k, v in out.items() if v is not None}


# ----------------------------------------------------------------------------- the run
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

    records, data_files = read_files(data, max_records)
    gold = [t for t in (*TASKS, "actor_mentions") if any(r.get(t) is not None for r in records)]
    gold += ["summary"] if summary and any(r.get("summary") for r in records) else []
    if not gold:
        raise NothingToScore(
            f"nothing could be scored: none of the {len(records)} records in {', '.join(f['path'] for f in data_files)} has a "
            f"gold label for {', '.join(TASKS)}, actor_mentions{' or summary' if summary else ' (summary: --no-summary given)'} "
            "(null = not labelled; see the record schema in README.md)")
    if report_dir is not None:
        require("matplotlib.figure", "newsdesk eval's plots")  # before minutes of predicting, not after
    if "summary" in gold:
        require("networkx", "TextRank (the summary baseline of newsdesk eval)")
    if predictor is None:
        predictor = Predictor.load(model_dir, device=device, dtype=dtype)
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
    words = model_summary_words(model_dir) if "summary" in gold else None  # the model's lists, for every system
    model_m = task_metrics(preds, records, labels, canonical, summary_words=words)
    model_m.update(actor_metrics(preds, records, labels["actors"], canonical, predictor.aliases))
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
        tf_preds, base_probs = predict_tfidf(baseline, [r["text"] for r in records])  # body only, as the model reads it
        tf_m = task_metrics(tf_preds, records, labels, canonical)
        tf_m["calibration"] = calibration_metrics(base_probs, records, labels, canonical)
        if any(t in tf_m for t in TASKS):  # e.g. TRAIN with summaries only: nothing to compare
            baselines["tfidf"] = tf_m
        base_preds["tfidf"] = tf_preds
        baseline_info["tfidf"] = baseline.info
    if any(r.get("actor_mentions") is not None or r.get("actors") is not None for r in records):
        names = baseline.actor_names if baseline is not None else [a for r in train_records for a in r.get("actors") or ()]
        rows, info = gazetteer_predictions(records, names, predictor.aliases, labels["actors"])
        gaz_m = actor_metrics(rows, records, labels["actors"], canonical, predictor.aliases)
        if gaz_m:
            baselines["gazetteer"], base_preds["gazetteer"], baseline_info["gazetteer"] = gaz_m, rows, info
    if summary and any(r.get("summary") for r in records):
        for name, rows in extractive_summaries(records).items():
            baselines[name] = task_metrics(rows, records, labels, canonical, summary_words=words)
            base_preds[name] = rows
        baseline_info["lead1"] = {"name": "Lead-1 (first sentence of the body)"}
        baseline_info["textrank"] = {"name": "TextRank (most central sentence of the body)"}

    labelled = {t: sum(1 for r in records if r.get(t) is not None) for t in (*TASKS, "actor_mentions", "summary")}
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

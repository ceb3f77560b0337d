"""Baselines an analyst could use instead of newsdesk, and how `newsdesk eval` fits them.

- `TfidfBaseline`: TF-IDF + logistic regression per task (region: multinomial; event types and
  actors: one-vs-rest), each trained only on the records labelled for that task;
  `fit_tfidf_baseline` fits it on part of TRAIN and tunes its thresholds on the rest.
- `lead1` / `textrank`: extractive one-sentence summaries (first sentence / most central sentence);
  `extractive_summaries` for records.
- `gazetteer_predictions`: actor mentions and names from the alias/gazetteer string matcher alone
  (`newsdesk.actors.Gazetteer`), the baseline of the mention head.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from scipy.sparse import spmatrix
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from newsdesk.actors import Gazetteer
from newsdesk.calibration import tune_thresholds
from newsdesk.extras import require
from newsdesk.sentences import sentences
from newsdesk.tasks import MULTI_LABEL, TASKS

MIN_DF_DOCS = 50  # with at least this many training texts, drop n-grams seen in only one of them
BASELINE_SEED = 13  # the TRAIN split that tunes the TF-IDF baseline's thresholds
BASELINE_TUNE_SHARE = 0.1  # share of TRAIN held out to tune those thresholds
MIN_TUNE_RECORDS = 10  # below this many TRAIN records, the baseline keeps its default thresholds


def record_text(record: Mapping[str, Any]) -> str:
    """Classifier input for a record: its body, as the model reads it. The title is left out: for
    headline-summary data (InsightCrime) the title *is* the gold summary."""
    return (record.get("text") or "").strip()


def _binarize(targets: Sequence[Sequence[str]], labels: list[str]) -> np.ndarray:
    """0/1 matrix (targets x labels); labels outside `labels` are ignored."""
    keep = set(labels)
    return MultiLabelBinarizer(classes=labels).fit_transform([[x for x in t if x in keep] for t in targets])


@dataclass
class _MultilabelHead:
    """One-vs-rest classifier for one multi-label task; `model` is None for an empty label set."""

    labels: list[str]
    model: OneVsRestClassifier | None
    thresholds: np.ndarray

    def probabilities(self, X: spmatrix) -> np.ndarray:
        if self.model is None:
            return np.zeros((X.shape[0], 0))
        return self.model.predict_proba(X)[:, : len(self.labels)]


class TfidfBaseline:
    """TF-IDF (word 1-2 grams, sublinear tf) + logistic regression for region, event types and actors.

    Inputs to `predict` are article bodies (see `record_text`).
    """

    def __init__(self, C: float = 10.0, threshold: float = 0.5) -> None:
        self.C = C
        self.threshold = threshold
        self.vectorizer: TfidfVectorizer | None = None
        self.region_model: LogisticRegression | DummyClassifier | None = None
        self.heads: dict[str, _MultilabelHead] = {}

    def fit(
        self,
        records: Iterable[Mapping[str, Any]],
        actor_labels: Sequence[str] | None = None,
        event_labels: Sequence[str] | None = None,
        region_labels: Sequence[str] | None = None,
    ) -> TfidfBaseline:
        """Train every task that has labelled records; a task without any is left unfitted.

        The label arguments restrict a task's label set (default: all labels seen in training).
        Multi-label targets outside the set are dropped; records whose region is outside the
        region set are left out of the region classifier.
        """
        records = list(records)
        texts = [record_text(r) for r in records]
        min_df = 2 if len(texts) >= MIN_DF_DOCS else 1
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df)
        X = self.vectorizer.fit_transform(texts)
        self._fit_region(records, X, region_labels)
        self.heads = {}
        for task, labels in (("event_types", event_labels), ("actors", actor_labels)):
            rows = [i for i, r in enumerate(records) if r.get(task) is not None]
            if rows:
                self.heads[task] = self._fit_head(X[rows], [records[i][task] for i in rows], labels)
        return self

    def _fit_region(self, records: list[Mapping[str, Any]], X: spmatrix, allowed: Sequence[str] | None) -> None:
        rows = [
            i for i, r in enumerate(records)
            if r.get("region") is not None and (allowed is None or r["region"] in allowed)
        ]
        if not rows:
            self.region_model = None
            return
        y = [records[i]["region"] for i in rows]
        if len(set(y)) > 1:
            model = LogisticRegression(C=self.C, max_iter=2000)
        else:  # logistic regression needs two classes
            model = DummyClassifier(strategy="most_frequent")
        self.region_model = model.fit(X[rows], y)

    def _fit_head(self, X: spmatrix, targets: list[list[str]], labels: Sequence[str] | None) -> _MultilabelHead:
        if labels is None:
            labels = sorted({label for target in targets for label in target})
        labels = list(dict.fromkeys(labels))
        thresholds = np.full(len(labels), self.threshold)
        if not labels:
            return _MultilabelHead(labels, None, thresholds)
        Y = _binarize(targets, labels)
        if Y.shape[1] == 1:
            # OneVsRestClassifier reads a one-column target as binary (and mishandles it when it is
            # constant); an always-absent placeholder column keeps it multi-label. Sliced off again.
            Y = np.hstack([Y, np.zeros_like(Y)])
        with warnings.catch_warnings():  # labels always/never present in train are expected (rare actors)
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            model = OneVsRestClassifier(LogisticRegression(C=self.C, max_iter=2000)).fit(X, Y)
        return _MultilabelHead(labels, model, thresholds)

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, dict[str, float] | None]]:
        """Per text: {task: {label: probability}}, None for unfitted tasks."""
        region, heads = self._probabilities(texts)
        rows: list[dict[str, dict[str, float] | None]] = []
        for i in range(len(texts)):
            row: dict[str, dict[str, float] | None] = {
                "region": None if region is None else dict(zip(map(str, self.region_model.classes_), region[i].tolist()))
            }
            for task in MULTI_LABEL:
                head = self.heads.get(task)
                row[task] = None if head is None else dict(zip(head.labels, heads[task][i].tolist()))
            rows.append(row)
        return rows

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Per text: {"region": str | None, "event_types": list | None, "actors": list | None}."""
        region, heads = self._probabilities(texts)
        predictions = []
        for i in range(len(texts)):
            row: dict[str, Any] = {
                "region": None if region is None else str(self.region_model.classes_[region[i].argmax()])
            }
            for task in MULTI_LABEL:
                head = self.heads.get(task)
                if head is None:
                    row[task] = None
                else:
                    row[task] = [label for label, p, t in zip(head.labels, heads[task][i], head.thresholds) if p >= t]
            predictions.append(row)
        return predictions

    def tune_thresholds(self, dev_records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
        """Set the multi-label thresholds the way newsdesk sets the model's (`calibration.tune_thresholds`):
        per label the grid cut with the best dev F1, the head's best shared cut for labels with few
        dev positives. Uses the dev records labelled for the task. Returns {task: {label: threshold}}."""
        dev_records = list(dev_records)
        for task, head in self.heads.items():
            dev = [r for r in dev_records if r.get(task) is not None]
            if not dev or not head.labels:
                continue
            probs = head.probabilities(self.vectorizer.transform([record_text(r) for r in dev]))
            head.thresholds = np.asarray(tune_thresholds(probs, _binarize([r[task] for r in dev], head.labels)))
        return {task: dict(zip(h.labels, h.thresholds.tolist())) for task, h in self.heads.items()}

    def _probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Region class probabilities (None if unfitted) and label probabilities per multi-label task."""
        if self.vectorizer is None:
            raise RuntimeError("TfidfBaseline is not fitted; call fit() first")
        if len(texts) == 0:
            return None, {}
        X = self.vectorizer.transform(list(texts))
        region = None if self.region_model is None else self.region_model.predict_proba(X)
        return region, {task: head.probabilities(X) for task, head in self.heads.items()}


def _normalise_space(text: str) -> str:
    return " ".join(text.split())


def lead1(text: str) -> str:
    """The first sentence of `text`, whitespace-normalised ("" for empty text)."""
    first = sentences(text)[:1]
    return _normalise_space(first[0]) if first else ""


def textrank(text: str) -> str:
    """The most central sentence: PageRank over the TF-IDF cosine-similarity graph of the sentences.

    Ties (within 1e-9) go to the earlier sentence; whitespace-normalised; "" for empty text.
    """
    nx = require("networkx", "TextRank (the summary baseline of newsdesk eval)")
    candidates = [_normalise_space(s) for s in sentences(text)]
    if len(candidates) <= 1:
        return candidates[0] if candidates else ""
    try:
        vectors = TfidfVectorizer(stop_words="english").fit_transform(candidates)
    except ValueError:  # no content words at all
        return candidates[0]
    similarity = cosine_similarity(vectors)
    np.fill_diagonal(similarity, 0.0)
    scores = nx.pagerank(nx.from_numpy_array(similarity), weight="weight")
    best = max(scores.values())
    return candidates[min(i for i, score in scores.items() if score >= best - 1e-9)]


# ----------------------------------------------------------------------------- fitting for `newsdesk eval`
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

    model: TfidfBaseline
    info: dict[str, Any]
    actor_names: list[str] = field(default_factory=list)  # the gold actor names in TRAIN (for the gazetteer)


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
    from threadpoolctl import threadpool_limits

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
    return FittedBaseline(model, info, sorted({a for r in train_records for a in r.get("actors") or ()}))


def predict_tfidf(baseline: FittedBaseline, texts: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(predictions with summary None, probabilities) of a fitted TF-IDF baseline for article bodies."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return [{**p, "summary": None} for p in baseline.model.predict(texts)], baseline.model.predict_proba(texts)


def extractive_summaries(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Lead-1 and TextRank summaries of the body, for the records with a gold summary (others None)."""
    out = {}
    for name, fn in (("lead1", lead1), ("textrank", textrank)):
        out[name] = [{"summary": fn(r["text"]) if r.get("summary") else None} for r in records]
    return out


def gazetteer_predictions(records: Sequence[dict[str, Any]], train_actors: Iterable[str], aliases: dict[str, str],
                          catalogue: Sequence[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The alias/gazetteer string matcher alone (`Gazetteer.from_actors(TRAIN actor names, aliases,
    catalogue)`): per record {"actors": distinct canonical names in order of first match,
    "actor_mentions": [{text, start, end, canonical, score}]}, and how it was made."""
    names = sorted(set(train_actors))
    gazetteer = Gazetteer.from_actors(names, aliases, catalogue)
    rows = []
    for r in records:
        found = gazetteer.find(r["text"])
        rows.append({"actors": list(dict.fromkeys(m.canonical or m.text for m in found)),
                     "actor_mentions": [m.to_dict() for m in found]})
    info = {"name": "alias/gazetteer string matcher (newsdesk.actors.Gazetteer)", "train_actor_names": len(names),
            "aliases": len(aliases), "catalogue": len(catalogue), "input": "record text (body only, no title)"}
    return rows, info

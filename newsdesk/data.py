"""Records: reading (through `datasets`), validation, label maps, tokenised windows and batches.

A record is `{id, text, title, region, event_types[], actors[], summary}` (+ free `meta`).
`None` means "not labelled for that task" and the loss masks it; `[]` means "labelled, none apply".
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from newsdesk.cleaning import clean_text, normalise
from newsdesk.tasks import MULTI_LABEL, TASKS

if TYPE_CHECKING:
    import torch

log = logging.getLogger("newsdesk")

FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
LIST_FIELDS = ("event_types", "actors")
STR_FIELDS = ("title", "region", "summary")


class DataError(ValueError):
    """A data file or record that cannot be used, with where and what to fix."""


# ----------------------------------------------------------------------------- reading
def _location(path: Path, row: int) -> str:
    """Human location of row `row` (0-based) of a data file."""
    if path.suffix == ".jsonl":
        return f"{path}:{_jsonl_line(path, row)}"
    if path.suffix == ".csv":
        return f"{path}, row {row + 2} (counting the header as row 1)"
    return f"{path}, row {row + 1}"


def _jsonl_line(path: Path, row: int) -> int:
    """Line number of the `row`-th non-blank line (datasets skips blank lines)."""
    seen = -1
    with path.open(encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                seen += 1
                if seen == row:
                    return lineno
    return row + 1


def _find_bad_json_line(path: Path) -> str | None:
    import json

    with path.open(encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"{path}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object"
            if not isinstance(obj, dict):
                return f"{path}:{lineno}: expected a JSON object per line, got {type(obj).__name__}"
    return None


def read_records(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read and validate one data file (JSONL, JSON, CSV or Parquet) with `datasets`.

    Returns records with cleaned text. A bad record raises `DataError` naming file, line/row, field.
    """
    import datasets

    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path} (check data.root / data.train / data.dev, or pass the path on the command line)")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"unsupported data file type {path.suffix!r} for {path}: use one of {', '.join(FORMATS)}")
    if _is_empty(path, kind):
        raise DataError(f"could not read {path}: the file is empty (no records); "
                        f"expected {'one JSON object per line' if path.suffix.lower() == '.jsonl' else 'records'} with a 'text' field")
    datasets.disable_progress_bars()
    try:
        ds = datasets.load_dataset(kind, data_files=str(path), split="train")
    except Exception as exc:  # datasets wraps parse errors; find the line for the user
        detail = _find_bad_json_line(path) if kind == "json" else None
        reason = str(exc).strip() or f"{type(exc).__name__} from the {kind} reader"
        raise DataError(detail or f"could not read {path}: {reason}") from None
    finally:
        datasets.enable_progress_bars()
    if "text" not in ds.column_names:
        raise DataError(f"{path}: no 'text' column/field; every record needs its article text in 'text'")
    n = len(ds) if limit is None else min(limit, len(ds))
    columns = [c for c in ("id", "text", *STR_FIELDS, *LIST_FIELDS, "actor_mentions", "meta") if c in ds.column_names]
    rows = ds.select_columns(columns).select(range(n)).to_list()
    return [validate_record(row, path, i) for i, row in enumerate(rows)]


def _is_empty(path: Path, kind: str) -> bool:
    """No records at all: a 0-byte file, or a text file of blank lines (JSON/JSONL/CSV)."""
    size = path.stat().st_size
    if size == 0 or kind == "parquet" or size > 1 << 16:
        return size == 0
    return not path.read_bytes().strip()


def validate_record(row: dict[str, Any], path: Path, index: int) -> dict[str, Any]:
    def fail(field_name: str, problem: str) -> DataError:
        return DataError(f"{_location(path, index)}: field '{field_name}' {problem}")

    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail("text", "must be a non-empty string (the article text)")
    rec: dict[str, Any] = {"id": row.get("id")}
    if rec["id"] is None or (isinstance(rec["id"], float) and math.isnan(rec["id"])):
        rec["id"] = f"{path.stem}-{index}"
    rec["id"] = str(rec["id"])
    rec["text"] = clean_text(text)
    if not rec["text"]:
        raise fail("text", "is empty after cleaning (only boilerplate?)")
    for name in STR_FIELDS:
        value = row.get(name)
        if isinstance(value, float) and math.isnan(value):  # CSV/pandas empty cell
            value = None
        if value is not None and not isinstance(value, str):
            raise fail(name, f"must be a string or null, got {type(value).__name__}")
        rec[name] = value.strip() if isinstance(value, str) and value.strip() else None
    for name in LIST_FIELDS:
        value = row.get(name)
        if isinstance(value, float) and math.isnan(value):
            value = None
        if isinstance(value, str) and path.suffix == ".csv":  # CSV: "a;b" or a JSON list
            value = _parse_csv_list(value)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise fail(name, f"must be a list of strings ([] = none apply) or null (not labelled), got {value!r}")
        rec[name] = None if value is None else [v.strip() for v in value if v.strip()]
    if rec["summary"] is not None:
        rec["summary"] = " ".join(rec["summary"].split())
    spans = row.get("actor_mentions")
    meta = row.get("meta")
    if spans is None and isinstance(meta, dict) and isinstance(meta.get("actor_spans"), list):
        spans = meta["actor_spans"]  # PLOVER-style records keep their spans in meta
    if isinstance(meta, dict):  # place names of the record (ACLED: country, admin areas, location), for the
        # mention head's place filter: a place is not an actor
        places = [meta.get(k) for k in ("country", "admin1", "admin2", "admin3", "location")]
        rec["places"] = sorted({p.strip() for p in places if isinstance(p, str) and p.strip()})
        if isinstance(meta.get("country"), str) and meta["country"].strip():
            rec["country"] = meta["country"].strip()  # the place table's countries (newsdesk.places)
    rec["actor_mentions"] = None
    if spans is not None:
        if not isinstance(spans, list) or not all(isinstance(m, dict) for m in spans):
            raise fail("actor_mentions", f"must be a list of {{'text', 'start', 'end'}} objects or null, got {spans!r}")
        for m in spans:
            start, end, mtext = m.get("start"), m.get("end"), m.get("text")
            if not isinstance(start, int) or not isinstance(end, int) or text[start:end] != mtext:
                raise fail("actor_mentions", f"span {m!r} does not match the text (text[start:end] must equal 'text')")
        rec["actor_mentions"] = realign_spans(text, rec["text"], spans)
    return rec


def realign_spans(raw: str, cleaned: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Character spans of `raw` moved onto `cleaned` (cleaning normalises space and drops boilerplate
    lines): the k-th occurrence of a mention's text stays its k-th occurrence; spans lost in cleaning
    are dropped."""
    out = []
    seen: Counter = Counter()
    for m in sorted(spans, key=lambda m: m["start"]):
        text = normalise(m["text"]).strip()
        if not text:
            continue
        k = raw.count(m["text"], 0, m["start"]) if text == m["text"] else seen[text]
        seen[text] += 1
        pos, found = -1, 0
        while True:
            pos = cleaned.find(text, pos + 1)
            if pos < 0 or found == k:
                break
            found += 1
        if pos >= 0:
            out.append({"text": text, "start": pos, "end": pos + len(text)})
    return out


def _parse_csv_list(value: str) -> list[str]:
    import json

    value = value.strip()
    if value.startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return [v for v in value.split(";")] if value else []


def load_records(paths: list[Path], limit: int | None = None, what: str = "training") -> list[dict[str, Any]]:
    """Read several files; log a warning summary of records with no usable label."""
    records: list[dict[str, Any]] = []
    for p in paths:
        records.extend(read_records(p, limit))
    unlabeled = [r["id"] for r in records if not has_any_label(r)]
    if what == "training" and records and len(unlabeled) == len(records):
        where = ", ".join(str(p) for p in paths)
        raise DataError(f"{where}: none of its {len(records)} records carries a label for any task (region, event_types, "
                        "actors, summary or actor_mentions; null means not labelled): nothing to train on. "
                        "Add labels, or remove the file from data.train")
    if unlabeled:
        log.warning(
            "%d of %d %s records carry no label for any task and are ignored (e.g. %s)",
            len(unlabeled), len(records), what, ", ".join(unlabeled[:3]),
        )
    ids = Counter(r["id"] for r in records)
    dup = [i for i, c in ids.items() if c > 1]
    if dup:
        log.warning("%d ids occur more than once in the %s data (e.g. %s)", len(dup), what, ", ".join(dup[:3]))
    return [r for r in records if has_any_label(r)]


def has_any_label(r: dict[str, Any]) -> bool:
    return any(r.get(k) is not None for k in ("region", "event_types", "actors", "summary", "actor_mentions"))


# ----------------------------------------------------------------------------- labels
def load_aliases(path: str | Path | None) -> dict[str, str]:
    """Alias file (YAML: canonical -> [aliases]) as {lower-cased name: canonical}."""
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise DataError(f"actor alias file not found: {p} (set data.actor_aliases to a YAML file or null)")
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise DataError(f"{p}: expected a mapping 'canonical name: [alias, ...]'")
    out: dict[str, str] = {}
    for canonical, aliases in data.items():
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise DataError(f"{p}: aliases of {canonical!r} must be a list of strings")
        for name in [canonical, *aliases]:
            key = name.strip().lower()
            if key in out and out[key] != canonical:
                raise DataError(f"{p}: {name!r} is listed under both {out[key]!r} and {canonical!r}")
            out[key] = str(canonical)
    return out


@dataclass
class LabelMaps:
    """Label names per task (`labels[task]`), and the actor alias table (lower-cased name -> canonical)."""

    labels: dict[str, list[str]]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical_actor(self, name: str) -> str:
        return self.aliases.get(name.strip().lower(), name.strip())

    def get(self, task: str) -> list[str]:
        return self.labels[task]

    @classmethod
    def build(
        cls, records: list[dict[str, Any]], event_types: list[str], actor_min_count: int, aliases: dict[str, str]
    ) -> "LabelMaps":
        canonical = cls({}, aliases).canonical_actor
        regions = sorted({r["region"] for r in records if r["region"] is not None})
        found = Counter(e for r in records if r["event_types"] for e in r["event_types"])
        events = list(event_types) + sorted(e for e in found if e not in event_types)
        actor_counts = Counter(a for r in records if r["actors"] for a in {canonical(x) for x in r["actors"]})
        actors = sorted((a for a, c in actor_counts.items() if c >= actor_min_count), key=lambda a: (-actor_counts[a], a))
        return cls({"region": regions, "event_types": events, "actors": actors}, aliases)


# ----------------------------------------------------------------------------- features
@dataclass
class Example:
    """One tokenised record: its windows, word-piece bag, label targets keyed by task, mention tags."""

    windows: list[list[int]]
    lexical: list[int]
    labels: dict[str, Any] = field(default_factory=dict)  # task -> class index or multi-hot list (absent = not labelled)
    mentions: list[list[int]] | None = None  # per window, per token: B/I/O tag index or -100
    summary: list[int] | None = None

    @property
    def length(self) -> int:
        return sum(len(w) for w in self.windows)


def tokenize_windows(tokenizer, texts: list[str], max_length: int, stride: int) -> list[dict[str, Any]]:
    """Split each text into overlapping token windows (with char offsets), one dict per text."""
    enc = tokenizer(
        texts, truncation=True, max_length=max_length, stride=stride, return_overflowing_tokens=True,
        return_offsets_mapping=True, padding=False,
    )
    out: list[dict[str, Any]] = [{"windows": [], "offsets": []} for _ in texts]
    for i, doc in enumerate(enc["overflow_to_sample_mapping"]):
        out[doc]["windows"].append(enc["input_ids"][i])
        out[doc]["offsets"].append(enc["offset_mapping"][i])
    return out


def pack_windows(windows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token windows -> padded `input_ids` and `attention_mask` ([windows, longest])."""
    import torch  # here, not at the top: `newsdesk.data` is imported by the CLI before a config is checked

    width = max((len(w) for w in windows), default=0)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    for k, w in enumerate(windows):
        ids[k, : len(w)] = torch.tensor(w, dtype=torch.long)
        mask[k, : len(w)] = 1
    return ids, mask


def pack_bags(bags: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Bags of word-piece ids -> (flat ids, offsets) for the lexical layer."""
    import torch

    ids = torch.tensor([t for b in bags for t in b], dtype=torch.long)
    offsets = torch.tensor([0] + [len(b) for b in bags[:-1]], dtype=torch.long).cumsum(0)
    return ids, offsets


def lexical_bag(windows: list[list[int]], special_ids: set[int]) -> list[int]:
    return sorted({t for w in windows for t in w} - special_ids)


def summary_target(tokenizer, summary: str, max_tokens: int, decoder_start_id: int | None) -> list[int]:
    ids = tokenizer(summary, truncation=True, max_length=max_tokens + 1)["input_ids"]
    if decoder_start_id is not None and ids and ids[0] == decoder_start_id:
        ids = ids[1:]  # the decoder is started with this token; labels must not repeat it
    return ids


def mention_tags(offsets: list[tuple[int, int]], spans: list[dict[str, Any]], partial: bool = False) -> list[int]:
    """B/I/O tag index per token of one window (-100 for special tokens; with `partial`, tokens
    outside every span are -100 too: the record marks some mentions, not all)."""
    tags = []
    starts = sorted((m["start"], m["end"]) for m in spans)
    j = 0
    for s, e in offsets:
        if e <= s:
            tags.append(-100)
            continue
        while j < len(starts) and starts[j][1] <= s:
            j += 1
        if j < len(starts) and starts[j][0] < e and s < starts[j][1]:
            tags.append(1 if s <= starts[j][0] else 2)
        else:
            tags.append(-100 if partial else 0)
    return tags


def make_examples(
    records: list[dict[str, Any]], tokenizer, maps: "LabelMaps", max_length: int, stride: int,
    max_windows: int, summary_max_tokens: int, decoder_start_id: int | None,
) -> list[Example]:
    """Tokenised examples. Summary-only records keep their first window only (the one the decoder reads)."""
    special = set(tokenizer.all_special_ids)
    toks = tokenize_windows(tokenizer, [r["text"] for r in records], max_length, stride)
    index = {task: {l: i for i, l in enumerate(maps.get(task))} for task in TASKS}
    examples = []
    for r, t in zip(records, toks):
        labelled = any(r[k] is not None for k in ("region", "event_types", "actors")) or r.get("actor_mentions") is not None
        keep = max_windows if labelled else 1
        windows = t["windows"][:keep]
        ex = Example(windows=windows, lexical=lexical_bag(t["windows"], special))
        if r["region"] is not None and r["region"] in index["region"]:
            ex.labels["region"] = index["region"][r["region"]]
        if r["event_types"] is not None and maps.get("event_types"):
            ex.labels["event_types"] = _multi_hot(r["event_types"], index["event_types"])
        if r["actors"] is not None and maps.get("actors"):
            ex.labels["actors"] = _multi_hot([maps.canonical_actor(a) for a in r["actors"]], index["actors"])
        if r.get("actor_mentions") is not None:
            partial = bool(r.get("mentions_partial"))
            ex.mentions = [mention_tags(o, r["actor_mentions"], partial) for o in t["offsets"][:keep]]
        if r.get("summary"):
            ex.summary = summary_target(tokenizer, r["summary"], summary_max_tokens, decoder_start_id)
        examples.append(ex)
    return examples


def _multi_hot(labels: list[str], index: dict[str, int]) -> list[float]:
    v = [0.0] * len(index)
    for label in labels:
        if label in index:
            v[index[label]] = 1.0
    return v


def collate(examples: list[Example], pad_id: int, label_sizes: dict[str, int]) -> dict[str, Any]:
    """Flatten the batch's windows, pad them, and stack targets keyed by task (-100 = not labelled)."""
    import torch

    windows, doc_index, summary_window, summary, tags = [], [], [], [], []
    for d, ex in enumerate(examples):
        if ex.summary is not None:
            summary_window.append(len(windows))
            summary.append(ex.summary)
        for k, w in enumerate(ex.windows):
            windows.append(w)
            doc_index.append(d)
            tags.append(ex.mentions[k] if ex.mentions is not None else None)
    input_ids, mask = pack_windows(windows, pad_id)
    lex_ids, lex_off = pack_bags([ex.lexical for ex in examples])
    labels = {"region": torch.tensor([ex.labels.get("region", -100) for ex in examples])}
    for task in MULTI_LABEL:
        n = label_sizes.get(task, 0)
        labels[task] = torch.tensor([ex.labels.get(task, [-100.0] * n) for ex in examples], dtype=torch.float).reshape(len(examples), n)
    batch: dict[str, Any] = {
        "input_ids": input_ids, "attention_mask": mask, "doc_index": torch.tensor(doc_index),
        "lexical_ids": lex_ids, "lexical_offsets": lex_off, "labels": labels,
    }
    if any(t is not None for t in tags):
        m = torch.full(input_ids.shape, -100, dtype=torch.long)
        for k, t in enumerate(tags):
            if t is not None:
                m[k, : len(t)] = torch.tensor(t, dtype=torch.long)
        batch["mention_labels"] = m
    if summary:
        tw = max(len(s) for s in summary)
        batch["summary_labels"] = torch.tensor([s + [-100] * (tw - len(s)) for s in summary])
        batch["summary_window"] = torch.tensor(summary_window)
    return batch


def to_device(batch: dict[str, Any], device) -> dict[str, Any]:
    """Move a (nested) batch of tensors to `device`."""
    return {k: to_device(v, device) if isinstance(v, dict) else v.to(device) for k, v in batch.items()}


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int, group: int = 50) -> list[list[int]]:
    """Batches of similar length (less padding): shuffle, sort within mega-batches, shuffle batches."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    mega = batch_size * group
    for start in range(0, len(order), mega):
        chunk = sorted(order[start : start + mega], key=lambda i: -lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches

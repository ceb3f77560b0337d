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
from typing import Any, Iterator

import torch
import yaml

from newsdesk.cleaning import clean_text

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
    datasets.disable_progress_bars()
    try:
        ds = datasets.load_dataset(kind, data_files=str(path), split="train")
    except Exception as exc:  # datasets wraps parse errors; find the line for the user
        detail = _find_bad_json_line(path) if kind == "json" else None
        raise DataError(detail or f"could not read {path}: {exc}") from None
    finally:
        datasets.enable_progress_bars()
    if "text" not in ds.column_names:
        raise DataError(f"{path}: no 'text' column/field; every record needs its article text in 'text'")
    n = len(ds) if limit is None else min(limit, len(ds))
    columns = [c for c in ("id", "text", *STR_FIELDS, *LIST_FIELDS) if c in ds.column_names]
    rows = ds.select_columns(columns).select(range(n)).to_list()
    return [validate_record(row, path, i) for i, row in enumerate(rows)]


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
    return rec


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
    return any(r.get(k) is not None for k in ("region", "event_types", "actors", "summary"))


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
    region: list[str]
    event_types: list[str]
    actors: list[str]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical_actor(self, name: str) -> str:
        return self.aliases.get(name.strip().lower(), name.strip())

    def get(self, task: str) -> list[str]:
        return getattr(self, task)

    @classmethod
    def build(
        cls, records: list[dict[str, Any]], event_types: list[str], actor_min_count: int, aliases: dict[str, str]
    ) -> "LabelMaps":
        maps = cls([], [], [], aliases)
        regions = sorted({r["region"] for r in records if r["region"] is not None})
        found = Counter(e for r in records if r["event_types"] for e in r["event_types"])
        events = list(event_types) + sorted(e for e in found if e not in event_types)
        actor_counts = Counter(
            a for r in records if r["actors"] for a in {maps.canonical_actor(x) for x in r["actors"]}
        )
        actors = sorted((a for a, c in actor_counts.items() if c >= actor_min_count), key=lambda a: (-actor_counts[a], a))
        return cls(regions, events, actors, aliases)


# ----------------------------------------------------------------------------- features
@dataclass
class Example:
    """One tokenised record: its windows, word-piece bag and label targets."""

    windows: list[list[int]]
    lexical: list[int]
    region: int = -100
    event_types: list[float] | None = None
    actors: list[float] | None = None
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


def lexical_bag(windows: list[list[int]], special_ids: set[int]) -> list[int]:
    return sorted({t for w in windows for t in w} - special_ids)


def summary_target(tokenizer, summary: str, max_tokens: int, decoder_start_id: int | None) -> list[int]:
    ids = tokenizer(summary, truncation=True, max_length=max_tokens + 1)["input_ids"]
    if decoder_start_id is not None and ids and ids[0] == decoder_start_id:
        ids = ids[1:]  # the decoder is started with this token; labels must not repeat it
    return ids


def make_examples(
    records: list[dict[str, Any]], tokenizer, maps: LabelMaps, max_length: int, stride: int,
    max_windows: int, summary_max_tokens: int, decoder_start_id: int | None,
) -> list[Example]:
    special = set(tokenizer.all_special_ids)
    toks = tokenize_windows(tokenizer, [r["text"] for r in records], max_length, stride)
    region_index = {l: i for i, l in enumerate(maps.region)}
    event_index = {l: i for i, l in enumerate(maps.event_types)}
    actor_index = {l: i for i, l in enumerate(maps.actors)}
    examples = []
    for r, t in zip(records, toks):
        labelled = any(r[k] is not None for k in ("region", "event_types", "actors"))
        # the decoder reads only the first window: summary-only records need no more
        windows = t["windows"][: max_windows if labelled else 1]
        ex = Example(windows=windows, lexical=lexical_bag(t["windows"], special))
        if r["region"] is not None and r["region"] in region_index:
            ex.region = region_index[r["region"]]
        if r["event_types"] is not None and maps.event_types:
            ex.event_types = _multi_hot(r["event_types"], event_index)
        if r["actors"] is not None and maps.actors:
            ex.actors = _multi_hot([maps.canonical_actor(a) for a in r["actors"]], actor_index)
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


def collate(examples: list[Example], pad_id: int, n_events: int, n_actors: int) -> dict[str, torch.Tensor]:
    """Flatten the batch's windows, pad them, and stack targets (-100 = not labelled)."""
    windows, doc_index, summary_window, summary = [], [], [], []
    for d, ex in enumerate(examples):
        if ex.summary is not None:
            summary_window.append(len(windows))
            summary.append(ex.summary)
        for w in ex.windows:
            windows.append(w)
            doc_index.append(d)
    width = max(len(w) for w in windows)
    input_ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    for i, w in enumerate(windows):
        input_ids[i, : len(w)] = torch.tensor(w)
        mask[i, : len(w)] = 1
    lex = [ex.lexical for ex in examples]
    batch = {
        "input_ids": input_ids,
        "attention_mask": mask,
        "doc_index": torch.tensor(doc_index),
        "lexical_ids": torch.tensor([t for bag in lex for t in bag], dtype=torch.long),
        "lexical_offsets": torch.tensor([0] + [len(b) for b in lex[:-1]], dtype=torch.long).cumsum(0),
        "region": torch.tensor([ex.region for ex in examples]),
        "event_types": torch.tensor([ex.event_types if ex.event_types is not None else [-100.0] * n_events for ex in examples]),
        "actors": torch.tensor([ex.actors if ex.actors is not None else [-100.0] * n_actors for ex in examples]),
    }
    if summary:
        tw = max(len(s) for s in summary)
        batch["summary_labels"] = torch.tensor([s + [-100] * (tw - len(s)) for s in summary])
        batch["summary_window"] = torch.tensor(summary_window)
    return batch


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


def iter_batches(examples: list[Example], batch_size: int) -> Iterator[list[int]]:
    """Evaluation batches in length order (the caller restores the original order)."""
    order = sorted(range(len(examples)), key=lambda i: examples[i].length)
    for i in range(0, len(order), batch_size):
        yield order[i : i + batch_size]

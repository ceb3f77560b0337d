"""Batch inference over files and folders: streamed, resumable, one output row per input article.

The labelling itself is an engine's (newsdesk.engines: local or ray, the same `.label(chunks,
progress)`); this module is the run around it: inputs, the journal, resume, exit codes.

Rows are written per batch and flushed, so a run killed mid-way loses at most the batch in flight;
rerunning the same command with the same `--out` skips the ids already written. JSONL is written
in place; CSV and Parquet are built from a JSONL journal (`<out>.part.jsonl`) when the run ends.

Exit codes: 0 all inputs labelled; 2 some inputs produced error rows; 1 fatal (bad model dir,
unwritable output, missing input path).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from tqdm.auto import tqdm

from newsdesk.engines import ROW_KEYS, FatalError, chunks, label_articles, make_engine, row_of
from newsdesk.ingest import Article, IngestStats, iter_articles

log = logging.getLogger("newsdesk")

EXIT_OK, EXIT_FATAL, EXIT_ERRORS = 0, 1, 2
FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}

__all__ = ["EXIT_OK", "EXIT_FATAL", "EXIT_ERRORS", "FORMATS", "ROW_KEYS", "FatalError", "Journal", "RunSummary", "convert",
           "label_articles", "output_format", "row_of", "run"]


def output_format(out: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("jsonl", "csv", "parquet"):
            raise FatalError(f"--format must be jsonl, csv or parquet, got {fmt!r}")
        return fmt
    return FORMATS.get(out.suffix.lower(), "jsonl")


class Journal:
    """Append-only JSONL of finished rows; on open, repairs a torn last line and lists done ids."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, bool] = {}  # id -> row had an error
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                self._recover()
            self.f = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise FatalError(f"cannot write output {path}: {exc.strerror or exc}") from None

    def _recover(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):  # a torn last line from a killed run: drop it (its batch is redone)
            with self.path.open("r+b") as f:
                f.truncate(end)
            log.warning("dropped an incomplete last line from %s (interrupted run)", self.path)
        for line in data[:end].splitlines():
            if line.strip():
                try:
                    row = json.loads(line)
                    self.done[str(row["id"])] = row.get("error") is not None
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise FatalError(f"{self.path} holds a line that is not a newsdesk row; use another --out") from None

    def write(self, rows: list[dict]) -> None:
        for row in rows:
            self.f.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.done[row["id"]] = row.get("error") is not None
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self) -> None:
        self.f.close()


def convert(journal: Path, out: Path, fmt: str) -> None:
    """Build the CSV/Parquet output from the JSONL journal (nested fields JSON-encoded in CSV)."""
    import pandas as pd

    rows = [json.loads(l) for l in journal.read_text(encoding="utf-8").splitlines() if l.strip()]
    df = pd.DataFrame(rows, columns=list(ROW_KEYS) + sorted({k for r in rows for k in r} - set(ROW_KEYS)))
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "csv":
        for col in df.columns:
            if df[col].map(lambda v: isinstance(v, (list, dict))).any():
                df[col] = df[col].map(lambda v: json.dumps(v, ensure_ascii=False) if v is not None else None)
        df.to_csv(tmp, index=False)
    else:
        for col in ("scores",):  # label sets differ per row: store as JSON text
            df[col] = df[col].map(lambda v: json.dumps(v, ensure_ascii=False) if v is not None else None)
        df.to_parquet(tmp, index=False)
    tmp.replace(out)


@dataclass
class RunSummary:
    done: int = 0
    skipped_done: int = 0
    errors: int = 0
    earlier_errors: int = 0
    seconds: float = 0.0
    ingest: IngestStats | None = None

    def line(self) -> str:
        s = self.ingest or IngestStats()
        rate = self.done / self.seconds if self.seconds else 0.0
        return (
            f"labelled {self.done - self.errors} articles, {self.errors} error rows, "
            f"{self.skipped_done} already in the output, {s.skipped} files skipped (unsupported type"
            f"{': ' + ', '.join(f'{k} x{v}' for k, v in sorted(s.skipped_by_ext.items())) if s.skipped_by_ext else ''}); "
            f"{self.seconds:.1f} s, {rate:.1f} articles/s"
        )


def run(
    model,
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    batch_size: int = 16,
    device: str = "auto",
    dtype: str = "auto",
    fmt: str | None = None,
    summary: bool = True,
    max_bytes: int = 5_000_000,
    chunk_size: int | None = None,
    engine: str = "local",
    workers: int | None = None,
    load_options: dict | None = None,
) -> tuple[int, RunSummary]:
    """Label every article under `paths` into `out`. Returns (exit code, summary).

    `model` is a model directory (or a loaded `Predictor`, local engine only). `load_options` go to
    `Predictor.load` (e.g. `{"generation": {"num_beams": 4}, "evidence": False}`).

    `engine="local"` labels in this process; `engine="ray"` shards the articles over `workers` Ray
    workers (newsdesk.engines.ray): the same rows, journal and resume semantics.
    """
    out = Path(out)
    fmt = output_format(out, fmt)
    journal_path = out if fmt == "jsonl" else out.with_name(out.name + ".part.jsonl")
    for p in paths:
        if not Path(p).exists():
            raise FatalError(f"input path not found: {p}")
    labeller = make_engine(engine, model, batch_size=batch_size, device=device, dtype=dtype, summary=summary,
                           workers=workers, load_options=load_options)
    journal = Journal(journal_path)
    summary_ = RunSummary(ingest=IngestStats())
    t0 = time.time()
    bar = tqdm(desc="articles", unit="art", dynamic_ncols=True, file=sys.stderr)

    def todo_chunks(stream: Iterable[Article]) -> Iterator[list[Article]]:
        """Chunks of the articles not in the output yet (those already there are counted)."""
        for chunk in chunks(stream, chunk_size or batch_size * 8):
            todo = []
            for a in chunk:
                if a.id in journal.done:
                    summary_.skipped_done += 1
                    summary_.earlier_errors += journal.done[a.id]
                else:
                    todo.append(a)
            if todo:
                yield todo

    try:
        stream = iter_articles([Path(p) for p in paths], max_bytes=max_bytes, stats=summary_.ingest)
        for rows in labeller.label(todo_chunks(stream), bar):
            journal.write(rows)
            summary_.done += len(rows)
            summary_.errors += sum(r["error"] is not None for r in rows)
    finally:
        bar.close()
        journal.close()
        summary_.seconds = time.time() - t0
    if fmt != "jsonl":
        convert(journal_path, out, fmt)
    code = EXIT_ERRORS if summary_.errors or summary_.earlier_errors else EXIT_OK
    return code, summary_

"""Batch inference over files and folders: streamed, resumable, one output row per input article.

    check --out (refuse anything that is not a newsdesk output of this schema: nothing is touched)
    ─▶ engine (newsdesk.engines: local or ray; loads or checks the model)
    ─▶ ingest (newsdesk.ingest) ─▶ chunks of one batch, ids already in the journal skipped
    ─▶ engine.label ─▶ rows appended to the journal, flushed and fsync'd after every batch
    ─▶ CSV / Parquet built from the journal at the end

A run killed mid-way loses at most the batch in flight; rerunning the same command with the same
`--out` skips the ids already written. JSONL is written in place; CSV and Parquet are built from a
JSONL journal (`<out>.part.jsonl`) when the run ends. In CSV, text cells that a spreadsheet would
run as a formula (starting with = + - @, tab or CR) get a leading `'`.

Exit codes: 0 all inputs labelled; 2 some inputs produced error rows; 1 fatal (bad model dir,
unwritable or foreign output, missing input path).
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

from newsdesk.engines import ROW_KEYS, FatalError, label_articles, make_engine, row_of
from newsdesk.ingest import Article, IngestStats, iter_articles
from newsdesk.predictor import OUTPUT_SCHEMA_VERSION

log = logging.getLogger("newsdesk")

EXIT_OK, EXIT_FATAL, EXIT_ERRORS = 0, 1, 2
FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# A CSV cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

__all__ = ["EXIT_OK", "EXIT_FATAL", "EXIT_ERRORS", "FORMATS", "ROW_KEYS", "FatalError", "Journal", "RunSummary",
           "check_output", "convert", "label_articles", "output_format", "row_of", "run"]


def output_format(out: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("jsonl", "csv", "parquet"):
            raise FatalError(f"--format must be jsonl, csv or parquet, got {fmt!r}")
        return fmt
    return FORMATS.get(out.suffix.lower(), "jsonl")


# ----------------------------------------------------------------------------- the output file
def _row_problem(row: object) -> str | None:
    """Why a parsed JSONL line is not an output row of this schema (None when it is one)."""
    if not isinstance(row, dict) or not isinstance(row.get("id"), str):
        return "not a newsdesk output row"
    if tuple(row)[: len(ROW_KEYS)] != ROW_KEYS or row.get("schema_version") != OUTPUT_SCHEMA_VERSION:
        if {"id", "error", "model", "schema_version"} <= set(row):
            return (f"a newsdesk row of schema_version {row.get('schema_version')!r}; this newsdesk writes "
                    f"schema_version {OUTPUT_SCHEMA_VERSION}")
        return "not a newsdesk output row"
    return None


def _torn_row(tail: bytes) -> bool:
    """Whether an unterminated last line is the start of an output row (a run killed mid-write)."""
    text = tail.decode("utf-8", errors="replace")
    head = '{"id": '
    if len(text) <= len(head):
        return head.startswith(text)
    if not text.startswith(head):
        return False
    try:
        _, end = json.JSONDecoder().raw_decode(text, len(head))
    except ValueError:  # torn inside the id
        return text[len(head)] == '"'
    after, expected = text[end:], ', "source": '
    return expected.startswith(after) if len(after) < len(expected) else after.startswith(expected)


class Journal:
    """Append-only JSONL of finished rows. `Journal.check` reads an existing one (read-only) and
    refuses a file that is not a newsdesk output of this schema; opening it then drops a torn
    last line (from a killed run: its batch is redone), takes a lock and appends."""

    def __init__(self, path: Path, checked: "JournalState | None" = None):
        self.path = path
        state = checked or Journal.check(path)
        self.done = state.done
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.f = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise FatalError(f"cannot write output {path}: {exc.strerror or exc}") from None
        try:
            _lock(self.f, path)
            size = os.fstat(self.f.fileno()).st_size
            if size != state.size:
                raise FatalError(f"{path} changed while this run was starting (another run writing to it?); try again")
            if state.end < size:  # a torn last line from a killed run: drop it (its batch is redone)
                os.ftruncate(self.f.fileno(), state.end)
                log.warning("dropped an incomplete last line from %s (interrupted run)", path)
        except BaseException:
            self.f.close()
            raise

    @staticmethod
    def check(path: Path) -> "JournalState":
        """Ids already in `path` (id -> row had an error); FatalError, with nothing changed, unless
        every line is an output row of this schema (the last one may be torn)."""
        state = JournalState()
        try:
            f = path.open("rb")
        except FileNotFoundError:
            return state
        except IsADirectoryError:
            raise FatalError(f"cannot write output {path}: it is a folder") from None
        except OSError as exc:
            raise FatalError(f"cannot read output {path}: {exc.strerror or exc}") from None
        with f:  # line by line: memory stays flat however long the output is
            tail = b""
            for n, line in enumerate(f, 1):
                if not line.endswith(b"\n"):
                    tail = line
                    break
                state.end += len(line)
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    row = None
                problem = _row_problem(row)
                if problem:
                    raise FatalError(f"--out {path} exists and line {n} is {problem}: the file is left as it is; "
                                     "choose another --out (or move the file away)")
                state.done[row["id"]] = row.get("error") is not None
        state.size = state.end + len(tail)
        if tail.strip():
            try:
                complete = json.loads(tail)
            except (json.JSONDecodeError, UnicodeDecodeError):
                complete = None
            if (_row_problem(complete) if complete is not None else not _torn_row(tail)):
                raise FatalError(f"--out {path} exists and its last line is not a newsdesk output row: the file is "
                                 "left as it is; choose another --out (or move the file away)")
        return state

    def write(self, rows: list[dict]) -> None:
        for row in rows:
            self.f.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.done[row["id"]] = row.get("error") is not None
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self) -> None:
        self.f.close()


@dataclass
class JournalState:
    size: int = 0  # bytes in the file when checked
    end: int = 0  # end of its last complete line
    done: dict | None = None

    def __post_init__(self):
        self.done = {} if self.done is None else self.done


def _lock(f, path: Path) -> None:
    """An exclusive lock on the journal: two runs appending to one output would duplicate rows."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise FatalError(f"another run is writing to {path}: wait for it to finish, or choose another --out") from None
    except OSError:  # filesystems without locks (some network mounts)
        pass


def _table_columns(out: Path, fmt: str) -> list[str] | None:
    """Column names of an existing CSV/Parquet file, or None when they cannot be read."""
    try:
        if fmt == "csv":
            with out.open("r", encoding="utf-8", newline="") as f:
                import csv

                return next(csv.reader([f.readline()]), [])
        import pyarrow.parquet as pq

        return list(pq.read_schema(out).names)
    except Exception:  # noqa: BLE001 - any unreadable file is "not a newsdesk output"
        return None


def check_output(out: Path, fmt: str, journal_path: Path, inputs: Sequence[Path]) -> JournalState:
    """Refuse an --out that would destroy something: an input, or an existing file that is not a
    newsdesk output of this schema. Reads only; returns the journal's state for `Journal`."""
    for p in inputs:
        for target in {out, journal_path}:
            try:
                same = target.exists() and os.path.samefile(p, target)
            except OSError:
                same = False
            if same:
                raise FatalError(f"--out {out} is one of the inputs ({p}): choose another --out")
    state = Journal.check(journal_path)
    if fmt != "jsonl" and out.exists() and (out.is_dir() or out.stat().st_size > 0):
        columns = _table_columns(out, fmt) if out.is_file() else None
        if columns is None or tuple(columns[: len(ROW_KEYS)]) != ROW_KEYS:
            raise FatalError(f"--out {out} exists and is not a newsdesk {fmt} output of schema_version "
                             f"{OUTPUT_SCHEMA_VERSION}: the file is left as it is; choose another --out (or move the file away)")
        if not journal_path.exists():
            raise FatalError(f"--out {out} exists but its journal {journal_path} does not: its rows could not be kept "
                             "(the output is rebuilt from the journal); move the file away or choose another --out")
    return state


def _neutralise(value):
    """A CSV cell a spreadsheet would run as a formula, made text with a leading `'`."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


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
            df[col] = df[col].map(_neutralise)  # every text cell, whatever the column's dtype
        df.to_csv(tmp, index=False, lineterminator="\r\n")  # RFC 4180: cells holding a CR or LF are quoted
    else:
        for col in ("scores",):  # label sets differ per row: store as JSON text
            df[col] = df[col].map(lambda v: json.dumps(v, ensure_ascii=False) if v is not None else None)
        df.to_parquet(tmp, index=False)
    tmp.replace(out)


# ----------------------------------------------------------------------------- the run
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
        why = [f"unsupported type{': ' + ', '.join(f'{k} x{v}' for k, v in sorted(s.skipped_by_ext.items())) if s.skipped_by_ext else ''}"]
        if s.hidden:
            why.append(f"hidden: {s.hidden}")
        if s.excluded:
            why.append(f"the output itself: {s.excluded}")
        return (
            f"labelled {self.done - self.errors} articles, {self.errors} error rows, "
            f"{self.skipped_done} already in the output, {s.skipped} files skipped ({'; '.join(why)}); "
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
    `Predictor.load` (e.g. `{"generation": {"num_beams": 4}, "evidence": False}`). Rows are journaled
    every `chunk_size` articles (default: one batch, `batch_size`).

    `engine="local"` labels in this process; `engine="ray"` shards the articles over `workers` Ray
    workers (newsdesk.engines.ray): the same rows, journal and resume semantics.
    """
    out = Path(out)
    fmt = output_format(out, fmt)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise FatalError(f"--batch-size must be a positive whole number, got {batch_size!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise FatalError(f"--max-bytes must be 0 or more, got {max_bytes!r}")
    journal_path = out if fmt == "jsonl" else out.with_name(out.name + ".part.jsonl")
    inputs = [Path(p) for p in paths]
    for p in inputs:
        if not os.path.lexists(p):
            raise FatalError(f"input path not found: {p}")
    state = check_output(out, fmt, journal_path, inputs)  # before the model loads: fail fast, touch nothing
    labeller = make_engine(engine, model, batch_size=batch_size, device=device, dtype=dtype, summary=summary,
                           workers=workers, load_options=load_options)
    journal = Journal(journal_path, state)
    summary_ = RunSummary(ingest=IngestStats())
    t0 = time.time()
    bar = tqdm(desc="articles", unit="art", dynamic_ncols=True, file=sys.stderr)

    def todo_chunks(stream: Iterable[Article]) -> Iterator[list[Article]]:
        """Chunks of the articles not in the output yet (those already there are counted)."""
        todo: list[Article] = []
        for a in stream:
            if a.id in journal.done:
                summary_.skipped_done += 1
                summary_.earlier_errors += journal.done[a.id]
                continue
            todo.append(a)
            if len(todo) >= (chunk_size or batch_size):
                yield todo
                todo = []
        if todo:
            yield todo

    try:
        stream = iter_articles(inputs, max_bytes=max_bytes, stats=summary_.ingest, exclude=[out, journal_path])
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

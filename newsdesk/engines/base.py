"""What every labelling engine shares: output rows, error rows, chunking, the fatal-error type.

    ingest (Articles) ──chunks()──▶ engine.label(chunks, progress) ──▶ lists of output rows
                                    (label_articles: score, decide, bound, row_of — per chunk)

This module sits below `newsdesk.inference` (the run: output checks, journal, exit codes) and the
engines (`newsdesk.engines.local`, `newsdesk.engines.ray`); it imports neither of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, Protocol, Sequence, TypeVar

from newsdesk.ingest import Article
from newsdesk.limits import bound

if TYPE_CHECKING:
    from newsdesk.predictor import Prediction, Predictor

# Keys of an output row, in order (schema 2 added `actor_mentions`, see README "Output of infer.py").
ROW_KEYS = ("id", "source", "region", "event_types", "actors", "actor_mentions", "summary", "scores", "warnings", "error",
            "model", "schema_version", "evidence", "faithfulness")

T = TypeVar("T")


class FatalError(RuntimeError):
    """Stops the whole run (exit code 1)."""


class Engine(Protocol):
    """Labels chunks of articles: yields, per chunk (in order), its output rows in article order."""

    def label(self, chunks: Iterable[list[Article]], progress=None) -> Iterator[list[dict]]: ...


def row_of(p: "Prediction") -> dict:
    """An output row: ROW_KEYS first, in order, then any other field of the prediction."""
    d = p.to_dict()
    return {k: d.get(k) for k in ROW_KEYS} | {k: v for k, v in d.items() if k not in ROW_KEYS}


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last one shorter)."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def label_articles(predictor: "Predictor", articles: Sequence[Article], batch_size: int, summary: bool,
                   progress=None) -> list["Prediction"]:
    """Predictions (or error rows) for ingested articles, in their order."""
    ok = [a for a in articles if a.ok]
    scored = iter(predictor.score([a.text for a in ok], batch_size=batch_size, summary=summary, clean=False, progress=progress))
    out = []
    for a in articles:
        if a.ok:
            out.append(bound(predictor.decide(next(scored), a.id, a.source, a.warnings)))
        else:
            warnings = a.warnings + (["empty"] if a.error and a.error.startswith("empty") else [])
            out.append(predictor.error_row(a.id, a.source, a.error or "unknown error", warnings))
            if progress is not None:
                progress.update(1)
    return out

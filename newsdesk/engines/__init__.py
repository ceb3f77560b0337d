"""Labelling engines under `newsdesk.inference.run`: each turns chunks of ingested articles into
output rows with the same `.label(chunks, progress)`.

    newsdesk.inference        the run: inputs, output checks, journal, resume, exit codes
        └── newsdesk.engines.local  LocalEngine: this process, one loaded Predictor
        └── newsdesk.engines.ray    RayEngine: Ray Data workers, each with its own Predictor
            └── newsdesk.engines.base  label_articles, row_of, ROW_KEYS, chunks, FatalError (shared)

Ray is imported only when a RayEngine is made.
"""

from __future__ import annotations

from newsdesk.engines.base import ROW_KEYS, Engine, FatalError, chunks, label_articles, row_of
from newsdesk.engines.local import LocalEngine
from newsdesk.engines.ray import RayEngine

ENGINES = ("local", "ray")


def make_engine(name: str, model, **options) -> Engine:
    """`local` or `ray` (options: batch_size, device, dtype, summary, load_options; ray also workers)."""
    if name == "local":
        options.pop("workers", None)
        return LocalEngine(model, **options)
    if name == "ray":
        return RayEngine(model, **options)
    raise FatalError(f"--engine must be {' or '.join(ENGINES)}, got {name!r}")


__all__ = ["ENGINES", "ROW_KEYS", "Engine", "FatalError", "LocalEngine", "RayEngine", "chunks", "label_articles",
           "make_engine", "row_of"]

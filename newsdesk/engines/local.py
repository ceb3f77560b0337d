"""The local engine: labels chunks of articles in this process with one loaded `Predictor`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from newsdesk.engines.base import label_articles, row_of
from newsdesk.ingest import Article
from newsdesk.predictor import Predictor


class LocalEngine:
    """`label(chunks, progress)`: one list of output rows per chunk, in order. The model is loaded
    here (a bad model directory fails before any input is read)."""

    def __init__(self, model: str | Path | Predictor, *, batch_size: int = 16, device: str = "auto", dtype: str = "auto",
                 summary: bool = True, load_options: dict | None = None):
        self.predictor = model if isinstance(model, Predictor) else Predictor.load(
            model, device=device, dtype=dtype, **(load_options or {}))
        self.batch_size, self.summary = batch_size, summary

    def label(self, chunks: Iterable[list[Article]], progress=None) -> Iterator[list[dict]]:
        for chunk in chunks:
            yield [row_of(p) for p in label_articles(self.predictor, chunk, self.batch_size, self.summary, progress)]

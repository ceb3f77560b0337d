"""The Ray engine: labels over a Ray cluster (`newsdesk infer --engine ray --workers N`), with Ray Data.

    driver: ingest files (the same `iter_articles` as the local engine) ─▶ skip ids already in --out
        ─▶ chunks of articles ─▶ ray.data.from_items ─▶ map_batches(Labeler, ActorPoolStrategy(size=N))
    N workers: each loads the model once (per chunk of CHUNK_ARTICLES articles) and labels its
        batches with `label_articles` (the local engine's code) ─▶ output rows, as JSON text
    driver: rows stream back in input order, one batch at a time, and are appended to the same
        journal as the local engine's ─▶ CSV/Parquet built from it at the end

Only the driver reads the inputs and writes the output, so the output schema, the row ids, the
error rows and the resume semantics (a killed run loses at most the batches in flight, one per
worker plus any finished out of order behind them; rerunning the same command skips the ids
already written) are the local engine's, and the workers need no shared filesystem for the output.
They need the model directory at the same path (shared storage or a copy on every node). The
driver checks the model directory with `check_model_dir` (files, config.json, weights header,
tokenizer size) without loading the weights.

Ray is an optional dependency: `pip install 'newsdesk[ray]'` (or `pip install 'ray[data]'`).
Without RAY_ADDRESS a local Ray instance is started and stopped; the machine's cores are shared
between the workers (cores // workers torch threads each). With RAY_ADDRESS=auto on a node of a
cluster started with `ray start`, the run goes to that cluster, one core per worker (--workers =
cores fills a CPU cluster). With --device cuda each worker takes one GPU.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator

from newsdesk.device import resolve_device, resolve_dtype
from newsdesk.engines.base import FatalError, label_articles, row_of
from newsdesk.engines.base import chunks as regroup
from newsdesk.ingest import Article
from newsdesk.model import generation_config
from newsdesk.predictor import Predictor, check_model_dir

CHUNK_ARTICLES = 10_000  # articles per Ray dataset: each worker loads the model once per chunk


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise FatalError("--engine ray needs Ray Data: pip install 'newsdesk[ray]' (or pip install 'ray[data]')") from None
    return ray


class Labeler:
    """A Ray Data worker: loads the predictor once, labels batches of JSON-encoded articles."""

    def __init__(self, model_dir: str, device: str, dtype: str, batch_size: int, summary: bool,
                 load_options: dict | None = None):
        self.predictor = Predictor.load(model_dir, device=device, dtype=dtype, **(load_options or {}))
        self.batch_size, self.summary = batch_size, summary

    def __call__(self, batch: dict) -> dict:
        articles = [Article(**json.loads(s)) for s in batch["article"]]
        preds = label_articles(self.predictor, articles, self.batch_size, self.summary)
        return {"row": [json.dumps(row_of(p), ensure_ascii=False) for p in preds]}


class RayEngine:
    """`label(chunks, progress)` for `newsdesk.inference.run`: yields output rows as the workers finish them."""

    def __init__(self, model, *, workers: int | None = None, batch_size: int = 16, device: str = "auto",
                 dtype: str = "auto", summary: bool = True, chunk_articles: int = CHUNK_ARTICLES,
                 load_options: dict | None = None):
        if isinstance(model, Predictor):
            raise FatalError("--engine ray loads the model on each worker: pass the model directory, not a Predictor")
        self.ray = _import_ray()
        # Fail here, before any worker starts, on a bad model directory, generation option or dtype
        # (the local engine's messages), without loading the weights.
        check_model_dir(Path(model))
        self.load_options = dict(load_options or {})
        generation_config(self.load_options.get("generation"))  # unknown setting -> ValueError
        if device == "cpu":
            resolve_dtype(dtype, resolve_device(device))
        self.model_dir = str(Path(model).resolve())
        self.workers = max(1, int(workers or 2))
        self.batch_size, self.device, self.dtype, self.summary = batch_size, device, dtype, summary
        self.chunk_articles = chunk_articles

    # ------------------------------------------------------------------ cluster
    def _start(self) -> bool:
        """Connect to RAY_ADDRESS, or start a local instance; True when we started it."""
        ray = self.ray
        if ray.is_initialized():
            return False
        quiet = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=True)
        env = {"env_vars": {k: v for k, v in os.environ.items() if k.startswith(("HF_", "TOKENIZERS_"))}}
        if os.environ.get("RAY_ADDRESS"):
            ray.init(runtime_env=env, **quiet)
        else:
            ray.init(address="local", num_cpus=max(self.workers, os.cpu_count() or 1), runtime_env=env, **quiet)
        return True

    def _configure(self) -> None:
        ctx = self.ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # rows come back in input order, as in the local engine
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # "progress bars disabled" and execution plans

    def _resources(self) -> dict:
        if self.device == "cuda" or self.device.startswith("cuda:") or (
            self.device == "auto" and self.ray.cluster_resources().get("GPU", 0) >= 1
        ):
            return {"num_gpus": 1}
        if os.environ.get("RAY_ADDRESS"):  # a cluster: one core per worker (run --workers = cores to fill it)
            return {"num_cpus": 1}
        return {"num_cpus": max(1, int(self.ray.cluster_resources().get("CPU", 1) // self.workers))}  # share this machine

    # ------------------------------------------------------------------ labelling
    def label(self, chunks: Iterable[list[Article]], progress=None) -> Iterator[list[dict]]:
        started, res = False, None  # Ray starts on the first chunk: a rerun with nothing left to do starts nothing
        try:
            # the driver's chunks regrouped into bigger ones: one Ray dataset per CHUNK_ARTICLES articles
            for big in regroup(chain.from_iterable(chunks), self.chunk_articles):
                if res is None:
                    started = self._start()
                    self._configure()
                    res = self._resources()
                yield from self._label_chunk(big, res, progress)
        finally:
            if started:
                self.ray.shutdown()

    def _label_chunk(self, articles: list[Article], res: dict, progress) -> Iterator[list[dict]]:
        ray = self.ray
        # one batch per worker call (so one batch per journal write), fewer when needed to keep every worker busy
        per_call = max(1, min(self.batch_size, -(-len(articles) // self.workers)))
        items = [{"article": json.dumps(asdict(a), ensure_ascii=False)} for a in articles]
        ds = ray.data.from_items(items, override_num_blocks=-(-len(articles) // per_call)).map_batches(
            Labeler,
            fn_constructor_kwargs=dict(model_dir=self.model_dir, device=self.device, dtype=self.dtype,
                                       batch_size=self.batch_size, summary=self.summary,
                                       load_options=self.load_options),
            batch_size=per_call, compute=ray.data.ActorPoolStrategy(size=self.workers), **res,
        )
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="pandas"):
                rows = [json.loads(s) for s in batch["row"]]
                if progress is not None:
                    progress.update(len(rows))
                yield rows
        except ray.exceptions.RayError as exc:
            raise FatalError(f"a Ray worker failed: {str(exc).strip().splitlines()[-1] if str(exc).strip() else exc!r}") from None

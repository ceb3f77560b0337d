#!/usr/bin/env python
"""Training throughput on a small slice: examples/s of the label epochs and of the summary work,
and where the time goes (issue 15 item 6).

    python bench/train_profile.py --config configs/acled.yaml --records 200          # real data, ~1-3 min of training
    python bench/train_profile.py --config configs/proxy.yaml --records 200 --train.summary_per_epoch 256
    python bench/train_profile.py --config configs/tiny.yaml                         # smoke test
    python bench/train_profile.py --config configs/acled.yaml --records 200 --train.mixed_precision bf16

The real `newsdesk.training.setup` runs in this process on the config with these overrides:
`data.max_train_records` / `data.max_dev_records` (--records / --dev-records per file), one label
epoch, no periodic checkpoints, a temporary output_dir; any further `--section.key VALUE` is passed
on. Nothing in newsdesk/ is changed: its functions are wrapped with wall-clock timers
(bench/timers.py, nested calls counted exclusively).

Training batches are told apart by what they carry: "labels only" (no summary target) and "with
summaries" (the joint config trains the decoder on the summary records of a batch; the summary
phase of configs with `train.summary_epochs` is reported on its own). For each kind: forward (the
encoder, the heads, the summary loss = decoder + copy head), backward, optimizer step, and
examples/s. The rest: reading data, tokenising, building the model, dev evaluation, checkpoints,
the final calibration and model card.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

from timers import Timers  # noqa: E402

CONTEXTS = ("dev eval", "encode summary sources", "generate summaries", "read data")  # shown as "context > stage"
PHASES = ("summary phase", "final (probes, calibration, card)", "dev eval", "checkpoint", "save model")  # first match wins


class TrainTimers:
    """Install the timers; `kinds` counts batches and examples per batch kind."""

    def __init__(self):
        self.t = Timers(sync=False)
        self.kind = "labels only"
        self.batches: dict[str, int] = defaultdict(int)
        self.examples: dict[str, int] = defaultdict(int)
        self.summary_examples: dict[str, int] = defaultdict(int)

    def install(self) -> None:
        import accelerate
        import torch

        import newsdesk.summary_phase as sp
        import newsdesk.training as tr
        from newsdesk.model import NewsdeskModel

        t = self.t
        t.wrap(tr, "read_data", "read data")
        t.wrap(tr, "make_examples", "tokenise (make_examples)")
        t.wrap(tr, "create_model", "build model")
        t.wrap(tr, "collate", "collate")
        t.wrap(tr, "to_device", "collate")
        t.wrap(tr, "evaluate_model", "dev eval")
        t.wrap(tr, "_save_checkpoint", "checkpoint")
        t.wrap(tr, "save_model", "save model")
        t.wrap(tr, "finish", "final (probes, calibration, card)")
        t.wrap(sp, "train_summary_phase", "summary phase")
        t.wrap(sp, "encode_sources", "encode summary sources")
        t.wrap(NewsdeskModel, "encode", "encoder forward")
        t.wrap(NewsdeskModel, "classify", "heads forward")
        t.wrap(NewsdeskModel, "summary_loss", "summary loss forward (decoder + copy)")
        t.wrap(NewsdeskModel, "generate_summary", "generate summaries")
        t.wrap(accelerate.Accelerator, "clip_grad_norm_", "clip grad norm")
        t.wrap(torch.nn.utils, "clip_grad_norm_", "clip grad norm")
        t.wrap(torch.optim.AdamW, "step", "optimizer step")
        t.wrap(torch.optim.AdamW, "zero_grad", "optimizer step")
        self._wrap_forward(NewsdeskModel)
        self._wrap_backward(accelerate.Accelerator, torch.Tensor)

    def _wrap_forward(self, cls) -> None:
        original = cls.forward
        me = self

        def forward(model, *args, **kwargs):
            if model.training:
                summ = kwargs.get("summary_labels")
                n_sum = int(summ.shape[0]) if summ is not None and summ.numel() else 0
                me.kind = "with summaries" if n_sum else "labels only"
                doc_index = kwargs.get("doc_index")
                ids = args[0] if args else kwargs.get("input_ids")
                n = int(doc_index.max()) + 1 if doc_index is not None and doc_index.numel() else int(ids.shape[0])
                me.batches[me.kind] += 1
                me.examples[me.kind] += n
                me.summary_examples[me.kind] += n_sum
                name = f"forward other [{me.kind}]"
            else:
                name = "forward other [inference]"
            with me.t.section(name):
                return original(model, *args, **kwargs)

        cls.forward = forward
        self.t._undo.append(lambda: setattr(cls, "forward", original))

    def _wrap_backward(self, accelerator_cls, tensor_cls) -> None:
        me = self
        for owner in (accelerator_cls, tensor_cls):
            original = owner.backward

            def backward(obj, *args, _original=original, _owner=owner, **kwargs):
                outer = any(f[0].startswith("backward") for f in me.t._stack)
                if outer:  # Tensor.backward inside Accelerator.backward: one timer
                    return _original(obj, *args, **kwargs)
                names = {f[0] for f in me.t._stack}
                name = ("backward [summary phase]" if "summary phase" in names else
                        "backward [calibration fitting]" if names & {"dev eval", "final (probes, calibration, card)"} else
                        f"backward [{me.kind}]")
                with me.t.section(name):
                    return _original(obj, *args, **kwargs)

            owner.backward = backward
            self.t._undo.append(lambda o=owner, f=original: setattr(o, "backward", f))

    def restore(self) -> None:
        self.t.restore()


def phase_of(path: tuple[str, ...]) -> str:
    for p in PHASES:
        if p in path:
            return p
    if any(x in path for x in ("read data", "tokenise (make_examples)", "build model")):
        return "setup (data, tokenising, model)"
    return "label epochs"


def report(tt: TrainTimers, wall: float, metrics: dict | None) -> list[str]:
    t = tt.t
    by_phase: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for path, s in t.excl.items():
        phase = phase_of(path)
        inner = [x for x in path[:-1] if x != phase and not x.startswith("forward other")] + [path[-1]]
        label = " > ".join(inner[-2:]) if len(inner) > 1 and inner[-2] in CONTEXTS else (inner[-1] if inner else phase)
        by_phase[phase][label] += s
    rows = [f"wall time {wall:.1f} s (process, training setup to model card)", "",
            "| phase | stage | s | share of wall |", "|---|---|---:|---:|"]
    order = ["setup (data, tokenising, model)", "label epochs", *PHASES]
    for phase in order + sorted(set(by_phase) - set(order)):
        stages = by_phase.get(phase)
        if not stages:
            continue
        for stage, s in sorted(stages.items(), key=lambda x: -x[1]):
            rows.append(f"| {phase} | {stage} | {s:.2f} | {100 * s / wall:.1f}% |")
    rows.append(f"| - | untimed (imports, accelerate, logging) | {max(wall - t.total(), 0):.2f} | "
                f"{100 * max(wall - t.total(), 0) / wall:.1f}% |")
    # per batch kind of the label epochs
    rows += ["", "| label-epoch batches | batches | examples | summary examples | forward s | backward s | "
             "examples/s (forward + backward) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for kind in ("labels only", "with summaries"):
        if not tt.batches.get(kind):
            continue
        fwd = sum(s for p, s in t.excl.items() if phase_of(p) == "label epochs" and (
            f"forward other [{kind}]" in p) and not p[-1].startswith("backward"))
        bwd = sum(s for p, s in t.excl.items() if p[-1] == f"backward [{kind}]" and phase_of(p) == "label epochs")
        rows.append(f"| {kind} | {tt.batches[kind]} | {tt.examples[kind]} | {tt.summary_examples[kind]} | {fwd:.2f} | {bwd:.2f} | "
                    f"{tt.examples[kind] / max(fwd + bwd, 1e-9):.1f} |")
    if metrics:
        tr = metrics.get("train", {})
        hist = metrics.get("history") or []
        rows += ["", f"metrics.json: {tr.get('steps')} steps, {tr.get('train_examples_per_s')} examples/s over "
                 f"{tr.get('train_seconds')} s of training ({tr.get('mixed_precision')}); label epochs: "
                 + ", ".join(f"epoch {h.get('epoch')} {h.get('train_examples_per_s')} ex/s" for h in hist)]
        sp = tr.get("summary_phase") or {}
        for h in sp.get("history") or []:
            rows.append(f"summary phase epoch {h.get('epoch')}: {h.get('examples')} examples in {h.get('seconds')} s "
                        f"({h.get('examples', 0) / max(h.get('seconds') or 1e-9, 1e-9):.1f} examples/s)")
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/tiny.yaml", help="training config (default configs/tiny.yaml)")
    p.add_argument("--records", type=int, default=200, help="training records per file (data.max_train_records; default 200)")
    p.add_argument("--dev-records", type=int, default=40, help="dev records per file (data.max_dev_records; default 40)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    p.add_argument("--keep", help="write the run here instead of a temporary directory")
    p.add_argument("--json", help="write the raw timings to this file")
    args, rest = p.parse_known_args(argv)
    os.chdir(REPO)
    import torch

    from newsdesk.config import load_config

    if args.threads:
        torch.set_num_threads(args.threads)
    from speed import machine

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or tmp
        overrides = ["--data.max_train_records", str(args.records), "--data.max_dev_records", str(args.dev_records),
                     "--train.epochs", "1", "--train.checkpoint_every", "0", "--output_dir", out, *rest]
        cfg = load_config(args.config, overrides)
        from newsdesk.training import setup

        tt = TrainTimers()
        tt.install()
        start = time.perf_counter()
        try:
            model_dir = setup(cfg, overwrite=True, command="bench/train_profile.py")
        finally:
            tt.restore()
        wall = time.perf_counter() - start
        mpath = Path(model_dir) / "metrics.json"
        metrics = json.loads(mpath.read_text(encoding="utf-8")) if mpath.is_file() else None
    lines = [f"machine: {machine()}",
             f"python bench/train_profile.py --config {args.config} = train.py with "
             f"{' '.join(x for k, x in enumerate(overrides) if x != '--output_dir' and (k == 0 or overrides[k - 1] != '--output_dir'))}; "
             f"torch threads {torch.get_num_threads()}", "",
             *report(tt, wall, metrics)]
    if tt.t.missing:
        lines.append("not found (not timed): " + ", ".join(tt.t.missing))
    print("\n".join(lines))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    if args.json:
        Path(args.json).write_text(json.dumps({"lines": lines, "exclusive": {" / ".join(k): v for k, v in tt.t.excl.items()},
                                               "calls": {" / ".join(k): v for k, v in tt.t.calls.items()}}, indent=1),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`newsdesk train | infer | eval` — the same entry points as train.py and infer.py.

Exit codes, the same for every command: 0 ok; 2 some inputs became error rows (infer only);
1 fatal, usage errors included (argparse's own code for those, 2, would read as "error rows").
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Sequence

from newsdesk.env import allocator_defaults, offline_defaults

offline_defaults()  # no hub at run time unless the user sets HF_HUB_OFFLINE=0


class ArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors (unknown option, missing argument, bad choice) exiting 1, not 2."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")  # 1 = fatal (inference.EXIT_FATAL)


def _config_keys(cls, prefix: str = "") -> list[str]:
    out = []
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(f.type) or (isinstance(f.type, str) and f.type.endswith("Config")):
            import typing

            sub = typing.get_type_hints(cls)[f.name]
            out += _config_keys(sub, f"{prefix}{f.name}.")
        else:
            out.append(prefix + f.name)
    return out


def train_main(argv: Sequence[str] | None = None) -> int:
    from newsdesk.config import Config, ConfigError, load_config

    parser = ArgumentParser(
        prog="train.py",
        description="Train a newsdesk model (region, event types, actors + one-line summary).",
        epilog="Any config key can be overridden with --section.key VALUE, e.g. --train.epochs 2 "
        "--output_dir runs/x --data.root ../shared/data. Keys: " + ", ".join(_config_keys(Config)),
    )
    parser.add_argument("--config", help="YAML config (see configs/); defaults when omitted")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run in output_dir")
    parser.add_argument("--overwrite", action="store_true", help="replace a finished or unfinished run in output_dir")
    args, rest = parser.parse_known_args(argv)
    from newsdesk.data import DataError  # before `try`: the except clause names it

    try:
        cfg = load_config(args.config, rest)
        from newsdesk.training import setup

        command = "python train.py " + " ".join(sys.argv[1:] if argv is None else argv)
        model_dir = setup(cfg, resume=args.resume, overwrite=args.overwrite, command=command)
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if os.environ.get("RANK", "0") == "0":  # once under `accelerate launch` / torchrun
        print(f"model written to {model_dir}")
    return 0


INFER_EPILOG = """exit codes:
  0  every input was labelled
  2  some inputs produced error rows (see their "error" field); the rest were labelled
  1  fatal: bad model directory, unwritable output, missing input path, a usage error

Rerunning the same command with the same --out skips ids already written (resumable).
"""


def infer_main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="infer.py",
        description="Label article files and folders (.txt .md .html .json .jsonl) with a trained newsdesk model.",
        epilog=INFER_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model_dir", help="trained model directory (e.g. runs/default/model)")
    parser.add_argument("paths", nargs="+", help="article files or folders (searched recursively)")
    parser.add_argument("--out", required=True, help="output file: .jsonl (default format), .csv or .parquet")
    parser.add_argument("--batch-size", type=int, default=16, help="articles per forward pass (default 16)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"],
                        help="auto = bf16 on GPUs and on CPUs with native bf16, else fp32; int8 = dynamic quantisation (CPU)")
    parser.add_argument("--format", choices=["jsonl", "csv", "parquet"], help="output format (default: from --out's extension)")
    parser.add_argument("--no-summary", action="store_true", help="labels only (much faster)")
    parser.add_argument("--max-bytes", type=int, default=5_000_000, help="files larger than this become error rows (default 5 MB)")
    parser.add_argument("--num-beams", type=int, help="summary beams (default: the model's generation settings, greedy)")
    parser.add_argument("--max-summary-tokens", type=int, help="summary length cap in word pieces (default: the model's)")
    parser.add_argument("--summary-mode", choices=["abstractive", "lead"],
                        help="abstractive: the decoder writes the summary; lead: the first clause of the lead sentence, no "
                             "decoding (default: the model's, chosen on dev when it was trained; see its README.md)")
    parser.add_argument("--no-evidence", action="store_true", help="leave out the evidence sentences (a little faster)")
    parser.add_argument("--max-windows", type=int, metavar="N",
                        help="read at most the first N windows of an article (default: all). Faster on long articles, "
                             "blind to events stated later; rows cut say windows_unread:K (docs/performance.md)")
    parser.add_argument("--print", action="store_true", help="also print a short line per article")
    parser.add_argument("--engine", default="local", choices=["local", "ray"],
                        help="local: this process (default); ray: shard the articles over Ray workers (pip install "
                             "'newsdesk[ray]'; a local Ray instance, or the cluster in RAY_ADDRESS); same output and resume")
    parser.add_argument("--workers", type=int, default=2, help="--engine ray: workers, each loads the model once (default 2)")
    args = parser.parse_args(argv)
    for flag in ("num_beams", "max_summary_tokens", "max_windows"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1, got {getattr(args, flag)}")
    generation = {k: getattr(args, k) for k in ("num_beams", "max_summary_tokens", "summary_mode") if getattr(args, k) is not None}
    load_options = {"generation": generation, "evidence": not args.no_evidence, "max_windows": args.max_windows}
    allocator_defaults()  # glibc: tensors back to the system when freed (flat memory over long runs)

    import logging

    from newsdesk.inference import EXIT_FATAL, FatalError, run
    from newsdesk.predictor import ModelDirError

    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    try:
        code, summary = run(
            args.model_dir, args.paths, args.out, batch_size=args.batch_size, device=args.device, dtype=args.dtype,
            fmt=args.format, summary=not args.no_summary, max_bytes=args.max_bytes, engine=args.engine, workers=args.workers,
            load_options=load_options,
        )
    except (FatalError, ModelDirError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    if args.print:
        _print_rows(args.out)
    print(summary.line(), file=sys.stderr)
    print(f"results in {args.out}", file=sys.stderr)
    return code


def _print_rows(out: str) -> None:
    import json

    from newsdesk.inference import output_format
    from pathlib import Path

    path = Path(out)
    if output_format(path, None) != "jsonl":
        path = path.with_name(path.name + ".part.jsonl")
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["error"]:
            print(f"- {r['id']}: ERROR {r['error']}")
            continue
        print(f"- {r['id']}\n    region: {r['region']}\n    events: {', '.join(r['event_types']) or '-'}\n"
              f"    actors: {', '.join(r['actors']) or '-'}\n    summary: {r['summary']}")


EVAL_EPILOG = """writes into --report DIR:
  metrics.json       every metric, model and baselines ("results"), calibration bins, data used
  report.md          tables per task (model vs baselines), worst labels, error examples, plots
  predictions.jsonl  per record: gold, model prediction, baseline predictions
  *.png              region confusion matrix, per-label F1 bars, reliability diagram

exit codes: 0 done; 1 bad model directory, missing or invalid data file, DATA with no gold label for
any task (nothing could be scored), unwritable report dir, a missing optional dependency (the eval
extra: matplotlib, networkx), a usage error.
"""


def eval_main(argv: Sequence[str] | None = None) -> int:
    """`newsdesk eval MODEL_DIR DATA [DATA ...] [--train TRAIN ...] --report DIR` (see newsdesk.eval_run)."""
    parser = ArgumentParser(
        prog="newsdesk eval",
        description="Score a trained model on labelled records (the record schema), per task, with "
        "calibration, against TF-IDF + logistic regression, Lead-1 and TextRank baselines.",
        epilog=EVAL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model_dir", help="trained model directory (e.g. runs/default/model)")
    parser.add_argument("data", nargs="+", help="labelled data file(s): .jsonl .json .csv .parquet in the record schema")
    parser.add_argument("--train", nargs="+", metavar="TRAIN",
                        help="training file(s) for the TF-IDF baseline (90%% fit, 10%% threshold tuning, seed 13)")
    parser.add_argument("--report", required=True, metavar="DIR", help="folder for metrics.json, report.md and plots")
    parser.add_argument("--batch-size", type=int, default=16, help="articles per forward pass (default 16)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"])
    parser.add_argument("--no-summary", action="store_true", help="skip summaries (labels only, much faster)")
    parser.add_argument("--update-card", action="store_true", help="add/replace an Evaluation section in MODEL_DIR/README.md")
    parser.add_argument("--max-records", type=int, metavar="N", help="read at most N records per DATA file")
    parser.add_argument("--max-train-records", type=int, metavar="N", help="read at most N records per TRAIN file")
    parser.add_argument("--examples", type=int, default=5, metavar="N", help="error examples per task in report.md (default 5)")
    parser.add_argument("--triggers", metavar="FILE", help="evidence triggers (JSONL, e.g. data/evidence_triggers.jsonl): "
                        "report how often the evidence sentence holds a gold trigger")
    args = parser.parse_args(argv)

    import logging
    from pathlib import Path

    from newsdesk.data import DataError
    from newsdesk.eval_run import NothingToScore, evaluate_dir
    from newsdesk.extras import MissingExtra
    from newsdesk.predictor import ModelDirError

    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    logging.getLogger("absl").setLevel(logging.WARNING)
    for p in [*args.data, *(args.train or []), *([args.triggers] if args.triggers else [])]:
        if not Path(p).is_file():
            print(f"error: data file not found: {p}", file=sys.stderr)
            return 1
    try:
        result = evaluate_dir(
            args.model_dir, args.data, args.train, args.report, batch_size=args.batch_size, device=args.device,
            dtype=args.dtype, summary=not args.no_summary, update_card=args.update_card, max_records=args.max_records,
            max_train_records=args.max_train_records, examples=args.examples, progress=True, triggers=args.triggers,
        )
    except (ModelDirError, DataError, NothingToScore, MissingExtra) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    for system, row in result.metrics["headline"].items():
        print(f"{system:9s} " + " ".join(f"{k}={v:.4f}" for k, v in row.items()))
    print(f"report written to {Path(args.report) / 'report.md'}")
    return 0


ADD_LABEL_EPILOG = """examples:
  newsdesk add-label runs/acled/model prisoner_exchange --examples swaps.txt \\
      --description "The warring sides exchanged prisoners." --negatives truces.txt --dev labelled.jsonl
  newsdesk add-label runs/acled/model --remove prisoner_exchange

EXAMPLES: 5-20 example sentences or articles: a .txt file (one per line, or one per paragraph when
paragraphs are separated by blank lines) or .jsonl/.json (strings or objects with "text").
NEGATIVES: texts that read like the type but are not it (hard negatives: a truce or a release of
hostages for a prisoner exchange), same formats; every sentence of each is a negative.
DEV: labelled records (JSONL/JSON/CSV/Parquet, the training schema): records whose event_types
include NAME are positives, other records with event_types are negatives; the threshold and the
calibration are fitted on them, and with --view auto the view (the one of higher cross-validated F1).
Without --dev the threshold is 0.5 on the probe's probability.
VIEW: 'frozen' reads the base checkpoint as pretrained (saved as MODEL_DIR/frozen_encoder; a second
encoder pass per article while such a label exists); on a type left out of training it gave bombing
F1 0.705 from 10 notes where the fine-tuned states gave 0.462 (README).
Nothing else in the model changes: every other label's decisions stay identical.
"""


def add_label_main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="newsdesk add-label",
        description="Add a new event type to a trained model from a handful of examples (a few-shot probe on "
                    "the model's sentence states; the encoder is not retrained), or remove one.",
        epilog=ADD_LABEL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model_dir", help="trained model directory")
    parser.add_argument("name", nargs="?", help="the new event type's name")
    parser.add_argument("--examples", help="file of 5-20 example sentences or articles (.txt, .jsonl, .json)")
    parser.add_argument("--description", action="append", default=[], help="a sentence describing the type (repeatable)")
    parser.add_argument("--negatives", help="file of texts that are NOT the type but read like it (hard negatives)")
    parser.add_argument("--dev", nargs="+", help="labelled records to fit the threshold on (and to choose the view)")
    parser.add_argument("--view", default="auto", choices=["auto", "frozen", "model"],
                        help="sentence vectors the probe reads: 'model' (the fine-tuned encoder, no extra cost), 'frozen' "
                             "(the base checkpoint as pretrained: a second encoder pass per article), 'auto' (the better "
                             "on --dev by cross-validation; frozen without --dev). Default: auto")
    parser.add_argument("--bank-texts", nargs="+", metavar="FILE",
                        help="texts (JSONL records or TXT) whose sentences are the frozen view's negatives, for a model "
                             "whose sentence bank kept no sentences (trained before 2026-12-03): e.g. its training data")
    parser.add_argument("--frozen-model", metavar="NAME",
                        help="checkpoint of the frozen view (default: the model's base checkpoint; 'embedded' = the packaged MiniLM)")
    parser.add_argument("--remove", metavar="NAME", help="remove the few-shot label NAME")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args(argv)
    import logging
    import time

    from newsdesk.data import DataError, load_records
    from newsdesk.fewshot import add_label, read_examples, remove_label
    from newsdesk.predictor import ModelDirError

    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    try:
        if args.remove:
            if args.name or args.examples or args.negatives:
                parser.error("--remove takes no NAME, --examples or --negatives")
            remove_label(args.model_dir, args.remove)
            print(f"removed few-shot label {args.remove!r} from {args.model_dir}", file=sys.stderr)
            return 0
        if not args.name or not args.examples:
            parser.error("give NAME and --examples FILE (or --remove NAME)")
        t0 = time.time()
        examples = read_examples(args.examples)
        if not 5 <= len(examples) <= 50:
            print(f"warning: {len(examples)} examples; 5-20 are expected", file=sys.stderr)
        negatives = read_examples(args.negatives) if args.negatives else []
        dev = load_records([Path(p) for p in args.dev], None, "dev") if args.dev else None
        bank_texts = [t for p in args.bank_texts or [] for t in read_examples(p)]
        entry = add_label(args.model_dir, args.name, examples, args.description, dev, device=args.device,
                          negatives=negatives, view=args.view, bank_texts=bank_texts, frozen_model=args.frozen_model)
    except (ModelDirError, DataError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    dev_info = entry.get("dev")
    print(f"added few-shot event type {args.name!r} to {args.model_dir}: {entry['examples']} examples, "
          f"{len(entry['descriptions'])} descriptions, {len(negatives)} hard negatives, threshold {entry['threshold']:.3f}"
          + (f" (fitted on {dev_info['records']} dev records, {dev_info['positives']} positive)" if dev_info else " (no --dev)")
          + f"; view {entry['view']}"
          + (" (dev CV F1 " + ", ".join(f"{k} {v:.3f}" for k, v in entry["view_cv_f1"].items()) + ")" if entry.get("view_cv_f1") else "")
          + f"; {time.time() - t0:.1f} s", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"train": train_main, "infer": infer_main, "eval": eval_main, "add-label": add_label_main}
    if not argv or argv[0] not in commands:
        print("usage: newsdesk {train,infer,eval,add-label} ...\n"
              "  train      train a model from a config (newsdesk train --config configs/default.yaml)\n"
              "  infer      label article files/folders (newsdesk infer MODEL_DIR PATH --out results.jsonl)\n"
              "  eval       score a model on labelled records, with baselines (newsdesk eval MODEL_DIR DATA --report DIR)\n"
              "  add-label  add a new event type from a few examples (newsdesk add-label MODEL_DIR NAME --examples FILE)",
              file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 1
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())

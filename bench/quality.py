"""Quality benchmark: train once on the real training splits, evaluate on every dev split with baselines.

    python bench/quality.py --data-dir ../shared/data --output-dir runs/quality [--epochs N]
    python bench/quality.py --skip-train ...            # reuse OUT/model
    python bench/quality.py ... --train.max_steps 20    # unknown options are passed to train.py

1. `python train.py --config configs/acled.yaml --data.root DATA_DIR --output_dir OUT`: one multi-task
   run (region / event types / actors from acled + acled_me2018, summaries from insightcrime: the
   partially labelled records train the tasks they carry, plus the written samples in data/).
2. `newsdesk eval` on each dev split, the TF-IDF baseline fitted on the matching train split:
   acled, acled_me2018, insightcrime, the repo's data/dev.jsonl ("samples"), and the seed article
   (baseline trained on acled_me2018). Reports land in OUT/reports/<name>/.
3. Prints one markdown table (metric rows x dev set x {model, baseline}) and the seed article's
   event-type probabilities; the same table is written to OUT/quality.md (and OUT/quality.json).

The data is read where it lies (--data-dir); nothing is copied into the repo.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

FOCUS_LABELS = ("capture", "advance", "ceasefire")


def dev_sets(data_dir: Path) -> list[tuple[str, Path, list[Path]]]:
    """(name, dev file, baseline train files) for every dev split."""
    return [
        ("acled", data_dir / "acled/dev.jsonl", [data_dir / "acled/train.jsonl"]),
        ("acled_me2018", data_dir / "acled_me2018/dev.jsonl", [data_dir / "acled_me2018/train.jsonl"]),
        ("insightcrime", data_dir / "insightcrime/dev.jsonl", [data_dir / "insightcrime/train.jsonl"]),
        ("samples", REPO / "data/dev.jsonl", [REPO / "data/train.jsonl"]),
        ("seed", data_dir / "seed/al_waleed.jsonl", [data_dir / "acled_me2018/train.jsonl"]),
    ]


def train(data_dir: Path, out: Path, epochs: int | None, overwrite: bool, extra: list[str]) -> None:
    cmd = [sys.executable, "train.py", "--config", "configs/acled.yaml", "--data.root", str(data_dir),
           "--output_dir", str(out), *(["--train.epochs", str(epochs)] if epochs else []),
           *(["--overwrite"] if overwrite else []), *extra]
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"training failed (exit {proc.returncode})")


def _value(m: dict, system: str, *keys: str):
    node = (m.get("results") or {}).get(system)
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def _num(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def table(results: dict[str, dict], actor_info: str) -> str:
    """One markdown table: rows = metrics, columns = dev set x (model, baseline)."""
    names = list(results)
    header = ["metric"] + [f"{n} {side}" for n in names for side in ("model", "baseline")]

    def pair(name: str, task: str, key: str, base: str = "tfidf") -> list[str]:
        m = results[name]
        return [_num(_value(m, "model", task, key)), _num(_value(m, base, task, key))]

    def label_pair(name: str, label: str) -> list[str]:
        m = results[name]
        pl = _value(m, "model", "event_types", "per_label") or {}
        if label not in pl:
            return ["–", "–"]
        support = pl[label]["support"]
        if not support:
            return ["n/a (0 gold)", "n/a"]
        return [f"{pl[label]['f1']:.3f} ({support} gold)", _num(_value(m, "tfidf", "event_types", "per_label", label, "f1"))]

    rows = [["records"] + [str(results[n]["records"]) for n in names for _ in (0, 1)]]
    rows.append(["region macro-F1"] + [c for n in names for c in pair(n, "region", "macro_f1")])
    rows.append(["event-type macro-F1"] + [c for n in names for c in pair(n, "event_types", "macro_f1")])
    rows.append([f"actors micro-F1 ({actor_info})"] + [c for n in names for c in pair(n, "actors", "micro_f1")])
    for label in FOCUS_LABELS:
        rows.append([f"{label} F1"] + [c for n in names for c in label_pair(n, label)])
    for key, title in (("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"), ("rougeL", "ROUGE-L")):
        rows.append([f"{title} (baseline: Lead-1)"] + [c for n in names for c in pair(n, "summary", key, "lead1")])
    rows.append(["ROUGE-L (baseline: TextRank)"] + [c for n in names for c in pair(n, "summary", "rougeL", "textrank")])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def seed_lines(result, thresholds: dict[str, float]) -> list[str]:
    """The seed article's predicted event types and the capture/advance/ceasefire probabilities."""
    lines = []
    for rec, pred, probs in zip(result.records, result.predictions, result.probabilities):
        ev = probs.get("event_types") or {}
        lines.append(f"seed `{rec['id']}`: predicted event types: {', '.join(pred.event_types) or 'none'} "
                     f"(gold: {', '.join(rec.get('event_types') or []) or 'none'})")
        for label in FOCUS_LABELS:
            if label in ev:
                thr = thresholds.get(label)
                lines.append(f"  {label}: p={ev[label]:.3f}" + (f" (threshold {thr:.2f})" if thr is not None else "")
                             + (" -> predicted" if label in pred.event_types else ""))
            else:
                lines.append(f"  {label}: not a label of this model")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Other --section.key options go to train.py.")
    parser.add_argument("--data-dir", default="../shared/data", help="folder holding acled/, acled_me2018/, insightcrime/, seed/")
    parser.add_argument("--output-dir", default="runs/quality", help="keeps OUT/model and OUT/reports/<dev set>/")
    parser.add_argument("--epochs", type=int, help="training epochs (default: configs/acled.yaml's)")
    parser.add_argument("--skip-train", action="store_true", help="reuse the model in OUT/model")
    parser.add_argument("--overwrite", action="store_true", help="let train.py replace a model already in OUT")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"])
    parser.add_argument("--no-summary", action="store_true", help="skip summaries in eval")
    parser.add_argument("--max-records", type=int, help="cap per dev file (quick checks)")
    parser.add_argument("--max-train-records", type=int, help="cap per baseline training file (quick checks)")
    parser.add_argument("--examples", type=int, default=5)
    args, extra = parser.parse_known_args(argv)

    data_dir = Path(args.data_dir).expanduser().resolve()
    out = Path(args.output_dir).expanduser().resolve()
    if not data_dir.is_dir():
        print(f"error: --data-dir {data_dir} is not a folder (expected acled/, acled_me2018/, insightcrime/, seed/)", file=sys.stderr)
        return 1
    t0 = time.time()
    if args.skip_train:
        if extra:
            print(f"error: unknown options {' '.join(extra)} (train.py options need a training run)", file=sys.stderr)
            return 1
    else:
        train(data_dir, out, args.epochs, args.overwrite, extra)
    model_dir = out / "model"

    from newsdesk.eval_run import evaluate_dir, train_setting
    from newsdesk.predictor import ModelDirError, Predictor

    try:
        predictor = Predictor.load(model_dir, device=args.device, dtype=args.dtype)
    except ModelDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    baselines: dict[tuple[str, ...], object] = {}
    results: dict[str, dict] = {}
    seed = None
    for name, dev, train_files in dev_sets(data_dir):
        missing = [p for p in [dev, *train_files] if not p.is_file()]
        if missing:
            print(f"skipping {name}: missing {', '.join(map(str, missing))}", file=sys.stderr)
            continue
        key = tuple(map(str, train_files))
        t = time.time()
        result = evaluate_dir(
            model_dir, [dev], train_files, out / "reports" / name, batch_size=args.batch_size, summary=not args.no_summary,
            max_records=args.max_records, max_train_records=args.max_train_records, examples=args.examples,
            predictor=predictor, baseline=baselines.get(key),
        )
        baselines[key] = result.tfidf
        results[name] = result.metrics
        print(f"{name}: {result.metrics['records']} records, {time.time() - t:.0f} s -> {out / 'reports' / name / 'report.md'}",
              file=sys.stderr, flush=True)
        if name == "seed":
            seed = result
    if not results:
        print("error: no dev split found under --data-dir", file=sys.stderr)
        return 1

    n_actors = len(predictor.config.labels["actors"])
    min_count = train_setting(model_dir, "data.actor_min_count")
    actor_info = f"the model's {n_actors} actors" + (f", >= {min_count} training mentions" if min_count else "")
    md = table(results, actor_info)
    legend = ("baseline = TF-IDF (word 1-2 grams) + logistic regression for label rows, fitted on the matching "
              "train split (seed: acled_me2018; samples: data/train.jsonl) with 90% fit / 10% threshold tuning; "
              "Lead-1 / TextRank for ROUGE rows. Per-label cells: F1 (gold records); n/a = no gold record.")
    extra_lines = []
    if seed is not None:
        thresholds = dict(zip(predictor.labels["event_types"], predictor.thresholds("event_types").tolist()))
        extra_lines = seed_lines(seed, thresholds)
    print(md)
    print()
    print(legend)
    for line in extra_lines:
        print(line)
    (out / "quality.md").write_text(md + "\n\n" + legend + "\n\n" + "\n".join(extra_lines) + "\n", encoding="utf-8")
    (out / "quality.json").write_text(json.dumps({n: m["headline"] for n, m in results.items()}, indent=1), encoding="utf-8")
    print(f"\n{time.time() - t0:.0f} s; reports in {out / 'reports'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

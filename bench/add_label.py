"""Leave-one-type-out: how close does `newsdesk add-label` with K examples get to a fully trained type?

    python train.py --config configs/proxy.yaml --output_dir runs/proxy                      # the full model
    python train.py --config configs/proxy.yaml --output_dir runs/proxy_wo_bombing \
        --data.drop_event_types bombing                                                        # never saw bombing
    python bench/add_label.py --full runs/proxy/model --without runs/proxy_wo_bombing/model --label bombing \
        --train ../shared/data/acled_me2018/train.jsonl ../shared/data/acled/train.jsonl \
        --dev ../shared/data/acled_me2018/dev.jsonl ../shared/data/acled/dev.jsonl --examples 10 --seeds 3 [--view auto]

Dev records are split in two halves (even / odd position): add-label fits its threshold on the
first half (`--dev`), and both models are scored on the second half, so neither is scored on the
records that chose its threshold... except the full model, whose thresholds were tuned on all of
dev in training (its figure is optimistic; say so when quoting). K example articles with LABEL are
drawn from TRAIN per seed; TRAIN's texts are also the frozen view's negatives when the model's sentence
bank kept no sentences. Prints F1 / precision / recall, the view add-label chose (with each view's
cross-validated F1 on the fit half) and the seconds add-label took.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()


def prf(pred: list[bool], gold: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    p = tp / max(sum(pred), 1)
    r = tp / max(sum(gold), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", required=True, help="model trained with the label")
    ap.add_argument("--without", required=True, help="model trained without it (data.drop_event_types)")
    ap.add_argument("--label", required=True)
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--dev", nargs="+", required=True)
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--max-dev", type=int, default=None)
    ap.add_argument("--view", default="auto", choices=["auto", "frozen", "model"], help="add-label --view (default auto)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)

    import torch

    import newsdesk
    from newsdesk.data import load_records
    from newsdesk.fewshot import add_label

    torch.manual_seed(0)
    train = load_records([Path(p) for p in args.train], None, "training")
    dev = [r for r in load_records([Path(p) for p in args.dev], args.max_dev, "dev") if r.get("event_types") is not None]
    fit, test = dev[0::2], dev[1::2]
    gold = [args.label in r["event_types"] for r in test]
    pool = [r for r in train if args.label in (r.get("event_types") or [])]
    full = newsdesk.load(args.full, device="cpu", evidence=False)
    preds = full.predict([r["text"] for r in test], summary=False)
    rows = [{"model": "fully trained (thresholds tuned on all dev)", **dict(zip(("p", "r", "f1"), prf(
        [args.label in p.event_types for p in preds], gold)))}]
    for seed in range(args.seeds):
        examples = [r["text"] for r in random.Random(seed).sample(pool, min(args.examples, len(pool)))]
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp) / "model"
            shutil.copytree(args.without, d)
            t0 = time.time()
            entry = add_label(d, args.label, examples, dev_records=fit, device="cpu", view=args.view,
                              bank_texts=[r["text"] for r in train])  # a bank without sentences (older models)
            seconds = time.time() - t0
            p = newsdesk.load(d, device="cpu", evidence=False)
            out = p.predict([r["text"] for r in test], summary=False)
        rows.append({"model": f"add-label, {len(examples)} examples, seed {seed}, view {entry['view']}"
                     + (f" (dev CV F1 {', '.join(f'{k} {v:.3f}' for k, v in entry['view_cv_f1'].items())})" if entry.get("view_cv_f1") else ""),
                     "seconds": round(seconds, 1),
                     "threshold": round(entry["threshold"], 3),
                     **dict(zip(("p", "r", "f1"), prf([args.label in o.event_types for o in out], gold)))})
    print(f"label {args.label!r}: scored on {len(test)} dev records ({sum(gold)} positive); add-label threshold fitted "
          f"on the other {len(fit)} ({sum(args.label in r['event_types'] for r in fit)} positive); "
          f"examples drawn from {len(pool)} training articles with the label")
    print("| model | F1 | precision | recall | add-label seconds |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['f1']:.3f} | {r['p']:.3f} | {r['r']:.3f} | {r.get('seconds', '')} |")
    f_full = rows[0]["f1"]
    mean = sum(r["f1"] for r in rows[1:]) / max(len(rows) - 1, 1)
    print(f"add-label mean F1 {mean:.3f} = {mean / f_full:.0%} of the fully trained type's {f_full:.3f}" if f_full else "")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

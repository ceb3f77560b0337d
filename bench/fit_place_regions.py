"""Give a trained model the place table of its region decision (newsdesk.places), in place.

    python bench/fit_place_regions.py --model runs/acled/model \
        --train ../shared/data/acled/train.jsonl ../shared/data/acled_me2018/train.jsonl data/train.jsonl \
        --dev ../shared/data/acled/dev.jsonl ../shared/data/acled_me2018/dev.jsonl data/dev.jsonl

Training builds the table (training records' place fields + data/place_regions.yaml) and fits its
weight beta on dev (`newsdesk.training.fit_place_beta`). This script runs the same steps for a model
trained before the table existed: it rewrites config.json's `place_regions` and touches nothing else
(weights, labels, thresholds). It prints region accuracy and macro-F1 per dev file with the head
alone (beta 0) and with the fitted beta. `--beta B` sets the weight instead of fitting it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from model_dir import rewrite_config  # noqa: E402
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model directory (config.json is rewritten)")
    ap.add_argument("--train", nargs="+", required=True, help="training files whose place fields give the table")
    ap.add_argument("--dev", nargs="+", required=True, help="dev files with region labels (beta is fitted on them)")
    ap.add_argument("--extra", default=str(REPO / "data" / "place_regions.yaml"), help="countries and demonyms YAML")
    ap.add_argument("--beta", type=float, help="use this weight instead of fitting it")
    args = ap.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")

    import numpy as np

    from newsdesk.data import read_records
    from newsdesk.metrics import singlelabel_scores
    from newsdesk.places import PlaceIndex, build_table, load_extra
    from newsdesk.predictor import Predictor
    from newsdesk.training import fit_place_beta

    table = build_table([r for f in args.train for r in read_records(f)], load_extra(args.extra))
    p = Predictor.load(args.model, evidence=False)
    regions = p.labels["region"]
    p.place_index, p.place_beta = PlaceIndex(table, regions), 0.0
    files = {f: [r for r in read_records(f) if r.get("region") in regions] for f in args.dev}
    scored = {f: p.score([r["text"] for r in recs], summary=False, evidence=False) for f, recs in files.items()}
    all_recs = [r for recs in files.values() for r in recs]
    beta = args.beta if args.beta is not None else fit_place_beta(p, [s for f in files for s in scored[f]], all_recs)
    for b in sorted({0.0, beta}):
        p.place_beta = b
        for f, recs in files.items():
            pred = [regions[int(np.argmax(p.probabilities(s)["region"]))] for s in scored[f]]
            gold = [r["region"] for r in recs]
            m = singlelabel_scores(pred, gold)
            print(f"beta {b}: {f}: {len(gold)} records, region accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}")
    path = rewrite_config(args.model, "place_regions", {"table": table, "beta": beta})
    print(f"wrote {path}: {len(table)} place names, beta {beta}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

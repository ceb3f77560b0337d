"""Fit which naming an article's actors follow (catalogue or as written, newsdesk.naming) on a trained model, in place.

    python bench/fit_actor_naming.py --model runs/acled/model --train data/train.jsonl \
        --dev ../shared/data/acled/dev.jsonl ../shared/data/acled_me2018/dev.jsonl ../shared/data/muc4/dev.jsonl data/dev.jsonl \
        --check ../shared/data/plover/gsr.jsonl data/test.jsonl

Training fits it on its dev records when it ends (`newsdesk.training.fit_actor_naming`); this script
runs the same function for a model trained before it existed. It rewrites config.json's
`actor_naming` and touches nothing else (weights, labels, thresholds), then prints per file the
share of articles served catalogue names. `--check FILE ...` adds files that only get that share
printed (e.g. held-out news: ../shared/data/plover/gsr.jsonl, data/test.jsonl).
"""

from __future__ import annotations

import argparse
import json
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
    ap.add_argument("--dev", nargs="+", required=True, help="dev files with actors labels (the probe is fitted on them)")
    ap.add_argument("--train", nargs="*", default=[], help="training files whose as-written articles give sentence examples")
    ap.add_argument("--check", nargs="*", default=[], help="files to report the catalogue share of, not fitted on")
    args = ap.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from newsdesk.data import read_records
    from newsdesk.naming import CATALOGUE_CUT, catalogue_probability, style
    from newsdesk.predictor import Predictor
    from newsdesk.training import fit_actor_naming

    p = Predictor.load(args.model, evidence=False)
    files = {f: read_records(f) for f in [*args.dev, *args.check]}
    scored = {f: p.score([r["text"] for r in recs], summary=False, evidence=False) for f, recs in files.items()}
    entry = fit_actor_naming(p, [r for f in args.dev for r in files[f]], [r for f in args.train for r in read_records(f)])
    print(f"before: {json.dumps((p.config.actor_naming or {}).get('dev'))}")
    print(f"after:  {json.dumps((entry or {}).get('dev'))}")
    for f, recs in files.items():
        called = [catalogue_probability(entry, s.article_vector) >= CATALOGUE_CUT for s in scored[f]]
        gold = [style(r) for r in recs]
        known = [(c, g) for c, g in zip(called, gold) if g is not None]
        agree = f"; agrees with the gold actors' convention on {sum(c == g for c, g in known)} of {len(known)}" if known else ""
        role = "dev" if f in args.dev else "check"
        print(f"{f} ({role}): {sum(called)} of {len(recs)} articles served catalogue names{agree}")
    print(f"wrote {rewrite_config(args.model, 'actor_naming', entry)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

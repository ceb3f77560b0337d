"""Learn the truecasing table (newsdesk.truecase) of a trained model from its training texts, in place,
and measure what it does to articles written in one case.

    python bench/fit_truecase.py --model runs/acled/model \
        --train ../shared/data/acled/train.jsonl ../shared/data/acled_me2018/train.jsonl \
                ../shared/data/insightcrime/train.jsonl ../shared/data/headlines/reuters21578/train.jsonl \
                ../shared/data/headlines/agnews/train.jsonl data/train.jsonl \
        --check data/dev.jsonl data/test.jsonl ../shared/data/muc4/dev.jsonl

Training learns the table itself (`newsdesk.truecase.case_forms` over the training texts); this script
does the same for a model trained before it existed: it rewrites config.json's `truecase` and touches
nothing else. `--check FILE ...` (records with gold `actors`) prints actor-name precision / recall / F1
(`newsdesk eval`'s metric) per file, for the text as it is, lower-cased and in capitals, each read
without the table and with it: what a wire feed in one case gets. `--no-write` measures only.
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

VARIANTS = {"as written": lambda t: t, "lower case": str.lower, "capitals": str.upper}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model directory (config.json is rewritten)")
    ap.add_argument("--train", nargs="+", required=True, help="the model's training files (their texts teach the case)")
    ap.add_argument("--check", nargs="*", default=[], help="files with gold actors to measure on")
    ap.add_argument("--no-write", action="store_true", help="measure with the table, leave config.json as it is")
    args = ap.parse_args(argv)

    from newsdesk.data import read_records
    from newsdesk.evaluation import actor_name_metrics
    from newsdesk.predictor import Predictor
    from newsdesk.truecase import Truecaser, case_forms

    forms = case_forms(r["text"] for f in args.train for r in read_records(f))
    print(f"{len(forms)} cased word forms learnt from {len(args.train)} file(s)")
    p = Predictor.load(args.model, evidence=False)
    before, after = Truecaser(p.config.truecase), Truecaser(forms)
    if args.check:
        print("| file | text | without table P / R / F1 | with table P / R / F1 |\n|---|---|---:|---:|")
    for f in args.check:
        recs = [r for r in read_records(f) if r.get("actors") is not None]
        for name, variant in VARIANTS.items():
            texts = [variant(r["text"]) for r in recs]
            cells = []
            for table in (Truecaser(None), after):
                p.truecaser = table
                rows = [x.to_dict() for x in p.predict(texts, summary=False)]
                m = actor_name_metrics(rows, recs, p.aliases)
                cells.append(f"{m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f}")
            print(f"| {f} | {name} | {cells[0]} | {cells[1]} |", flush=True)
    p.truecaser = before
    if not args.no_write:
        print(f"wrote {rewrite_config(args.model, 'truecase', forms)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Summary modes side by side: the decoder ("abstractive"), the lead clause ("lead", no decoding) and
the Lead-1 baseline, on each dev set with reference summaries, with the readability counters.

    python bench/summary_modes.py --model runs/acled/model --data-dir ../shared/data --limit 400
    python bench/summary_modes.py --model runs/default/model                  # data/dev.jsonl only

Sets: the written samples (data/dev.jsonl: news articles with labels and a summary, the articles
newsdesk labels), the seed article, and with --data-dir the InsightCrime, AG News and Reuters dev
sets (headline-only: no labels), each capped at --limit records (first by file order). Per set and
system: ROUGE-1/2/L F1 on lower-cased text (as `newsdesk eval`), the readability counters of
`newsdesk.readability` (non-words with the model's word lists, trailing function word, stray
punctuation, repeated word, unsupported name/place/number), mean words, and the seconds the
summaries took (decoder: the labels+summary pass minus the labels pass is not separated; the time
is `Predictor.score(summary=True)`; lead: `lead_clause` alone). Writes --out (JSON) when given.
Research data is read from --data-dir and never copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SETS = {  # name -> path under --data-dir
    "insightcrime": "insightcrime/dev.jsonl",
    "agnews": "headlines/agnews/dev.jsonl",
    "reuters": "headlines/reuters21578/dev.jsonl",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="runs/default/model")
    ap.add_argument("--data-dir", help="the shared data folder (insightcrime/, headlines/, seed/)")
    ap.add_argument("--limit", type=int, default=400, help="records per headline set (default 400)")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args(argv)

    from newsdesk import load
    from newsdesk.baselines import lead1
    from newsdesk.data import read_records
    from newsdesk.ingest import read_file
    from newsdesk.metrics import rouge
    from newsdesk.readability import summary_counters
    from newsdesk.summary import SummaryWords, lead_clause

    predictor = load(args.model, dtype=args.dtype, generation={"summary_mode": "abstractive"}, evidence=False)
    words = SummaryWords.load(Path(args.model)) if (Path(args.model) / "summary_vocab.json").is_file() else None
    sets: dict[str, list[dict]] = {"samples": [r for r in read_records(REPO / "data/dev.jsonl") if r.get("summary")]}
    if args.data_dir:
        root = Path(args.data_dir)
        seed_txt, seed_gold = root / "seed/al_waleed.txt", root / "seed/al_waleed.jsonl"
        if seed_txt.is_file() and seed_gold.is_file():
            gold = read_records(seed_gold)[0]
            sets["seed"] = [{**gold, "text": read_file(seed_txt, None, 10**7)[0].text}]  # the raw page, as a user gives it
        for name, rel in SETS.items():
            if (root / rel).is_file():
                sets[name] = [r for r in read_records(root / rel) if r.get("summary")][: args.limit]
    print(f"model {args.model} (served mode: {getattr(predictor.model.summary_settings, 'summary_mode', 'abstractive')})")
    results = {}
    for name, recs in sets.items():
        texts, refs = [r["text"] for r in recs], [r["summary"].lower() for r in recs]
        t0 = time.time()
        decoded = [s.summary or "" for s in predictor.score(texts, summary=True, evidence=False)]
        t_dec = time.time() - t0
        t0 = time.time()
        clauses = [lead_clause(t) for t in texts]
        t_lead = time.time() - t0
        systems = {"decoder": (decoded, t_dec), "lead clause": (clauses, t_lead), "Lead-1": ([lead1(t) for t in texts], None)}
        results[name] = {}
        for system, (summ, seconds) in systems.items():
            r = rouge([s.lower() for s in summ], refs)
            c = summary_counters(summ, texts, words)
            results[name][system] = {"n": len(recs), **{k: round(float(v), 4) for k, v in r.items()},
                                     **{k: round(float(v), 4) for k, v in c.items()},
                                     "seconds": None if seconds is None else round(seconds, 2)}
        print(f"\n{name} ({len(recs)} records)")
        keys = ["rouge1", "rouge2", "rougeL", *[k for k in results[name]["decoder"] if k not in
                                                  ("n", "rouge1", "rouge2", "rougeL", "rougeLsum", "seconds")], "seconds"]
        print("system       " + " ".join(f"{k[:14]:>14s}" for k in keys))
        for system, row in results[name].items():
            print(f"{system:12s} " + " ".join(f"{'-' if row.get(k) is None else row[k]:>14}" for k in keys))
        for i in range(min(3, len(recs))):
            print(f"  ref: {recs[i]['summary']}\n  dec: {decoded[i]}\n  lead: {clauses[i]}")
    if args.out:
        Path(args.out).write_text(json.dumps({"model": args.model, "limit": args.limit, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

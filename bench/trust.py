"""Trust benchmark: faithfulness of summaries, evidence quality and cost, calibration.

    python bench/trust.py --model runs/acled/model --data-dir ../shared/data [--limit 200] [--json OUT.json]

Prints markdown:
1. Summaries with unsupported names/places/numbers (newsdesk.faithfulness), and ROUGE, with the
   article-bound decoder (default) and without it (plain greedy decoding of the same weights), in
   domain (InsightCrime dev headlines), on the written samples (data/dev.jsonl) and out of domain
   (MUC-4 dev newswire: no reference summaries, so unsupported share only).
2. Ten summaries next to their references.
3. Evidence: how often the evidence sentence of a correctly predicted label holds a gold trigger
   (data/evidence_triggers.jsonl on data/dev.jsonl; the seed article with the triggers below), and
   the cost of evidence in articles/s (labels only, with and without).
4. Expected calibration error before/after calibration on each dev split.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

# Gold triggers for the seed article's event types (short phrases of ../shared/data/seed/al_waleed.jsonl).
SEED_TRIGGERS = {
    "event_types": {
        "capture": ["captured", "to take the al-Waleed crossing"],
        "advance": ["reached the Syrian border", "march on IS positions", "reached the border"],
        "ceasefire": ["cessation of all combat operations"],
    },
    "actors": {},
}


def summary_rows(predictor, records, batch_size):
    from newsdesk.evaluation import predict_records

    _, preds = predict_records(predictor, records, batch_size=batch_size, summary=True)
    return preds


def faithfulness_table(model_dir, sets, batch_size, limit):
    from newsdesk import metrics
    from newsdesk.data import read_records
    from newsdesk.faithfulness import check
    from newsdesk.predictor import Predictor

    rows, examples = [], []
    for constrained in (True, False):
        predictor = Predictor.load(model_dir, generation={"constrain_to_article": constrained, "summary_mode": "abstractive"},
                                   evidence=False)
        for name, path in sets:
            records = read_records(path, limit)
            with_ref = [r for r in records if r.get("summary")]
            target = with_ref or records
            scored = predictor.score([r["text"] for r in target], batch_size=batch_size, summary=True, clean=False)
            summaries = [s.summary for s in scored]
            unsupported = [check(s, r["text"])["verdict"] == "unsupported" for s, r in zip(summaries, target)]
            row = {"set": name, "decoder": "article-bound" if constrained else "plain", "n": len(target),
                   "unsupported_share": sum(unsupported) / len(target)}
            if with_ref:
                row.update({k: v for k, v in metrics.rouge(summaries, [r["summary"] for r in target]).items()})
            rows.append(row)
            if constrained and with_ref and not examples:
                examples = [(r["summary"], s) for r, s in zip(target[:10], summaries[:10])]
    return rows, examples


def evidence_rate(model_dir, records, triggers, batch_size):
    from newsdesk.evaluation import evidence_metrics, predict_records
    from newsdesk.predictor import Predictor

    predictor = Predictor.load(model_dir)
    _, preds = predict_records(predictor, records, batch_size=batch_size, summary=False)
    return evidence_metrics(preds, records, triggers), preds


def evidence_cost(model_dir, records, batch_size, repeats=2):
    from newsdesk.predictor import Predictor

    predictor = Predictor.load(model_dir)
    texts = [r["text"] for r in records]
    predictor.score(texts[:4], summary=False)  # warm-up
    out = {}
    for evidence in (False, True, False, True)[: 2 * repeats]:
        t0 = time.time()
        predictor.score(texts, batch_size=batch_size, summary=False, clean=False, evidence=evidence)
        out.setdefault(evidence, []).append(len(texts) / (time.time() - t0))
    return {("with" if k else "without"): max(v) for k, v in out.items()}


def calibration_table(model_dir, sets, batch_size, limit):
    from newsdesk.eval_run import evaluate_dir

    rows = []
    for name, path in sets:
        m = evaluate_dir(model_dir, [path], summary=False, max_records=limit, batch_size=batch_size).metrics["results"]["model"]
        for head, after in m.get("calibration", {}).items():
            before = m.get("calibration_raw", {}).get(head, {})
            rows.append({"set": name, "head": head, "ece_before": before.get("ece"), "ece_after": after.get("ece"),
                         "pairs": after.get("pairs")})
    return rows


def md(rows, cols):
    def cell(v):
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    return "\n".join(["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols),
                      *("| " + " | ".join(cell(r.get(c, "")) for c in cols) + " |" for r in rows)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="trained model directory")
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"), help="folder laid out like ../shared/data")
    ap.add_argument("--limit", type=int, default=200, help="records per set (default 200)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--json", help="also write every figure here")
    args = ap.parse_args()
    data = Path(args.data_dir)
    from newsdesk.data import read_records
    from newsdesk.eval_run import load_triggers

    report: dict = {"model": args.model, "limit": args.limit}
    summary_sets = [(n, p) for n, p in [("insightcrime dev (in domain)", data / "insightcrime/dev.jsonl"),
                                         ("written samples, data/dev.jsonl", REPO / "data/dev.jsonl"),
                                         ("MUC-4 dev (out of domain, no references)", data / "muc4/dev.jsonl")] if p.is_file()]
    rows, examples = faithfulness_table(args.model, summary_sets, args.batch_size, args.limit)
    report["faithfulness"] = rows
    print("## Summaries: share with unsupported names/places/numbers, ROUGE F1\n")
    print(md(rows, ["set", "decoder", "n", "unsupported_share", "rouge1", "rouge2", "rougeL"]))
    print("\n## Ten summaries (article-bound decoder) next to their references\n")
    print(md([{"reference": a, "newsdesk": b} for a, b in examples], ["reference", "newsdesk"]))
    report["examples"] = examples

    samples = read_records(REPO / "data/dev.jsonl")
    ev, _ = evidence_rate(args.model, samples, load_triggers(REPO / "data/evidence_triggers.jsonl"), args.batch_size)
    seed_path = data / "seed/al_waleed.jsonl"
    seed_ev = {}
    if seed_path.is_file():
        seed = read_records(seed_path)
        seed_ev, seed_preds = evidence_rate(args.model, seed, {seed[0]["id"]: SEED_TRIGGERS}, args.batch_size)
        report["seed_evidence"] = seed_preds[0].evidence
    report["evidence"] = {"samples": ev, "seed": seed_ev}
    print("\n## Evidence: share of correctly predicted labels whose evidence sentence holds a gold trigger\n")
    print(md([{"set": n, "task": t, "labels": e["n"], "hit_rate": e["hit_rate"]}
              for n, m in (("data/dev.jsonl", ev), ("seed", seed_ev)) for t, e in m.items()],
             ["set", "task", "labels", "hit_rate"]))
    if seed_ev or seed_path.is_file():
        print("\nseed evidence: " + json.dumps(report.get("seed_evidence", {}).get("event_types", {}), ensure_ascii=False))
    cost = evidence_cost(args.model, samples, args.batch_size)
    report["evidence_cost"] = cost
    print(f"\nevidence cost (labels only, data/dev.jsonl, {len(samples)} articles): "
          f"{cost['without']:.1f} articles/s without, {cost['with']:.1f} with")

    cal_sets = [(n, p) for n, p in [("acled dev", data / "acled/dev.jsonl"), ("acled_me2018 dev", data / "acled_me2018/dev.jsonl"),
                                     ("data/dev.jsonl", REPO / "data/dev.jsonl")] if p.is_file()]
    report["calibration"] = calibration_table(args.model, cal_sets, args.batch_size, None)
    print("\n## Expected calibration error before / after calibration (15 bins)\n")
    print(md(report["calibration"], ["set", "head", "pairs", "ece_before", "ece_after"]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

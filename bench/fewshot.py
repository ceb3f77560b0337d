"""Few-shot probes: does the fine-tuned encoder keep the sentence-similarity geometry, and how well
does `add-label` learn a type from a handful of examples?

    python bench/fewshot.py --model runs/proxy/model --label ceasefire \
        --train data/train.jsonl --dev data/dev.jsonl [--examples 10] [--seeds 3]

For each view of the encoder — the pretrained sentence-embedding model (all-MiniLM-L6-v2, before any
fine-tuning) and the trained model's encoder — a probe for LABEL is fitted exactly as `add-label`
fits one (positives: K example articles' best sentences + the config's label descriptions;
negatives: sentences of other training articles) and scored on DEV articles (max over sentences):
average precision, best-threshold F1, and F1 at the threshold tuned on half of dev, applied to the
other half. Several seeds draw different K examples. Prints a table; --json writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()


def average_precision(scores, gold) -> float:
    import numpy as np

    order = np.argsort(-scores)
    g = gold[order]
    if g.sum() == 0:
        return float("nan")
    hits = np.cumsum(g)
    return float((hits / np.arange(1, len(g) + 1))[g == 1].mean())


def best_f1(scores, gold) -> float:
    import numpy as np

    best = 0.0
    for t in np.unique(scores):
        p = scores >= t
        tp = float((p & (gold == 1)).sum())
        f = 2 * tp / max(p.sum() + gold.sum(), 1)
        best = max(best, f)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--label", default="ceasefire")
    ap.add_argument("--train", nargs="+", default=["data/train.jsonl"])
    ap.add_argument("--dev", nargs="+", default=["data/dev.jsonl"])
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--max-dev", type=int, default=2000)
    ap.add_argument("--json")
    args = ap.parse_args(argv)

    import numpy as np
    import torch
    from transformers import AutoTokenizer

    from newsdesk.config import ModelConfig
    from newsdesk.data import load_records
    from newsdesk.fewshot import article_scores, fit_probe, positives, sentence_vectors
    from newsdesk.model import create_model, resolve_model_name
    from newsdesk.predictor import Predictor

    torch.manual_seed(0)
    train = load_records([Path(p) for p in args.train], None, "training")
    dev = [r for r in load_records([Path(p) for p in args.dev], args.max_dev, "dev") if r.get("event_types") is not None]
    pos_train = [r for r in train if args.label in (r.get("event_types") or [])]
    neg_train = [r for r in train if r.get("event_types") is not None and args.label not in r["event_types"]]
    gold = np.array([args.label in r["event_types"] for r in dev], dtype=int)
    trained = Predictor.load(args.model, device="cpu", evidence=False)
    descriptions = []
    cfg_path = Path(args.model) / "train_config.yaml"
    if cfg_path.is_file():
        import yaml

        descriptions = (yaml.safe_load(cfg_path.read_text()).get("data") or {}).get("label_descriptions", {}).get(args.label, [])
    tok = AutoTokenizer.from_pretrained(resolve_model_name("embedded"))
    base_model = create_model(ModelConfig(name="embedded", summary=False, mentions=False, copy=False, lexical=False),
                              tok, {"region": [], "event_types": [], "actors": []})
    base = Predictor(base_model, tok, device="cpu", evidence=False)
    rng = random.Random(13)
    negs = rng.sample(neg_train, min(600, len(neg_train)))
    rows = []
    for view, pred in (("pretrained MiniLM (no fine-tuning)", base), ("trained model's encoder", trained)):
        t0 = time.time()
        dev_vecs = [v for _, v in sentence_vectors(pred, [r["text"] for r in dev])]
        neg_vecs = np.concatenate([v for _, v in sentence_vectors(pred, [r["text"] for r in negs]) if len(v)])
        desc = np.concatenate([v for _, v in sentence_vectors(pred, descriptions)]) if descriptions else None
        pos_vecs = [v for _, v in sentence_vectors(pred, [r["text"] for r in pos_train])]
        for seed in range(args.seeds):
            pick = random.Random(seed).sample(range(len(pos_vecs)), min(args.examples, len(pos_vecs)))
            pos = positives([pos_vecs[i] for i in pick], desc)
            w, b = fit_probe(pos, neg_vecs)
            s = article_scores(w, b, dev_vecs)
            half = np.arange(len(dev)) % 2 == 0
            # threshold tuned on the even half, applied to the odd half
            thr = max(np.unique(s[half]), key=lambda t: best_f1(np.where(s[half] >= t, 1.0, 0.0), gold[half]))
            pred_odd = s[~half] >= thr
            tp = float((pred_odd & (gold[~half] == 1)).sum())
            f1_odd = 2 * tp / max(pred_odd.sum() + gold[~half].sum(), 1)
            rows.append({"view": view, "seed": seed, "examples": len(pick), "ap": round(average_precision(s, gold), 4),
                         "best_f1": round(best_f1(s, gold), 4), "f1_half": round(f1_odd, 4),
                         "seconds": round(time.time() - t0, 1)})
    print(f"label {args.label!r}: dev {len(dev)} articles ({int(gold.sum())} positive) from {', '.join(args.dev)}; "
          f"{args.examples} training examples x {args.seeds} seeds + {len(descriptions)} descriptions; "
          f"negatives: sentences of {len(negs)} other training articles")
    print("| encoder view | seed | AP | best-threshold F1 | F1 (threshold from the other half) |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['view']} | {r['seed']} | {r['ap']:.3f} | {r['best_f1']:.3f} | {r['f1_half']:.3f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

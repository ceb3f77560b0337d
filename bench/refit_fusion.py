"""Refit the fusion of a model's built-in few-shot labels (e.g. ceasefire) on labelled dev data, in place.

    python bench/refit_fusion.py --model runs/acled/model \
        --dev ../shared/data/acled/dev.jsonl ../shared/data/acled_me2018/dev.jsonl data/dev.jsonl

Training fits each built-in few-shot label's fusion (head logit, probe score, best sentence's head logit)
on its dev records (`newsdesk.fewshot.fit_fusion`, what `train.py` runs after training). This script runs
the same function on an already trained model, keeping its probe, so a model trained before the fusion
gained the sentence term can use it without retraining. With `--config CONFIG` the label's trigger
patterns (`data.label_triggers`) are taken from that training config (default: the model's own
train_config.yaml) and join the fusion as two features, kept when cross-validation on dev says so:

    python bench/refit_fusion.py --model runs/acled/model --config configs/acled.yaml --dev ...

With `--config` the model also takes that config's trigger patterns of every event type
(`config.triggers`, what evidence uses to prefer a sentence that states the event). It rewrites
config.json in the model directory (the previous entry is printed first) and touches nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model directory (config.json is rewritten)")
    ap.add_argument("--dev", nargs="+", required=True, help="JSONL files with event_types labels")
    ap.add_argument("--config", help="training config whose data.label_triggers to use (default: the model's train_config.yaml)")
    args = ap.parse_args(argv)

    import numpy as np

    from newsdesk.fewshot import article_scores, fit_fusion
    from newsdesk.predictor import Predictor

    p = Predictor.load(args.model)
    builtin = {k: v for k, v in p.config.fewshot.items() if v.get("source") == "training" and k in p.config.labels["event_types"]}
    if not builtin:
        print(f"{args.model}: no built-in few-shot label to refit", file=sys.stderr)
        return 1
    dev = [r for f in args.dev for r in map(json.loads, open(f, encoding="utf-8")) if r.get("event_types") is not None]
    scored = p.score([r["text"] for r in dev], summary=False, evidence=True, vectors=True)
    vectors = [s.sentence_vectors if s.sentence_vectors is not None else np.zeros((0, 1)) for s in scored]
    path = Path(args.model) / "config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    from newsdesk.config import load_config
    from newsdesk.triggers import trigger_spec

    triggers = load_config(args.config or Path(args.model) / "train_config.yaml").data.label_triggers
    for label, probe in builtin.items():
        z = article_scores(probe["weight"], probe["bias"], vectors)
        j = p.config.labels["event_types"].index(label)
        spec = trigger_spec(triggers.get(label))
        new = {**fit_fusion(scored, z, j, [label in r["event_types"] for r in dev], spec), "triggers": spec}
        print(f"{label}: before {json.dumps({k: probe.get(k) for k in ('fuse', 'threshold', 'dev')})}")
        print(f"{label}: after  {json.dumps(new)}")
        cfg["fewshot"][label].update(new)
    if args.config:
        cfg["triggers"] = {label: trigger_spec(spec) for label, spec in triggers.items()}
        print(f"triggers: {', '.join(cfg['triggers']) or 'none'}")
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Choose a trained model's summary mode (decoder or lead clause) on labelled dev articles, in place.

    python bench/choose_summary_mode.py --model runs/acled/model --dev data/dev.jsonl

Training resolves `generation.summary_mode: auto` when it ends (`newsdesk.training.choose_summary_mode`:
the mode with the higher ROUGE-L on the dev articles that carry labels and a reference summary). This
script runs the same function on a model trained before the setting existed, rewrites its
generation_config.json, records what it measured under metrics.json's train.summary_mode and rewrites the
model card; nothing else changes (labels, weights). `--mode abstractive|lead` sets the mode without measuring.
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
    ap.add_argument("--model", required=True, help="model directory (generation_config.json is rewritten)")
    ap.add_argument("--dev", nargs="+", default=["data/dev.jsonl"], help="record files (default data/dev.jsonl)")
    ap.add_argument("--mode", choices=["abstractive", "lead"], help="set this mode instead of measuring")
    args = ap.parse_args(argv)

    from transformers import AutoTokenizer

    from newsdesk.data import read_records
    from newsdesk.model import NewsdeskModel
    from newsdesk.summary import SummaryWords
    from newsdesk.training import choose_summary_mode

    d = Path(args.model)
    model, tok = NewsdeskModel.from_pretrained(d), AutoTokenizer.from_pretrained(d)
    if not model.has_summary:
        print(f"{d}: the model has no summary head", file=sys.stderr)
        return 1
    gen = model.summary_settings
    print(f"{d}: summary_mode was {getattr(gen, 'summary_mode', None)!r}")
    if args.mode:
        gen.summary_mode, info = args.mode, {"chosen": args.mode, "reason": "set by bench/choose_summary_mode.py --mode"}
    else:
        gen.summary_mode = "auto"
        words = SummaryWords.load(d) if (d / "summary_vocab.json").is_file() else None
        info = choose_summary_mode(model, tok, [r for f in args.dev for r in read_records(f)], words)
    gen._from_model_config = False
    gen.save_pretrained(d)
    metrics = d / "metrics.json"
    if metrics.is_file():
        payload = json.loads(metrics.read_text(encoding="utf-8"))
        payload.setdefault("train", {})["summary_mode"] = info
        metrics.write_text(json.dumps(payload, indent=1, default=float), encoding="utf-8")
        if "command" in payload.get("train", {}):
            from newsdesk.card import write_model_card

            write_model_card(d, model, payload)  # the card's "Summaries served" line
    print(f"{d}: summary_mode is now {gen.summary_mode!r}: {json.dumps(info)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

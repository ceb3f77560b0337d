"""The model card: README.md in the model directory (data, labels, metrics, limits, the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsdesk.report import md_table


def write_model_card(model_dir: Path, model, payload: dict[str, Any]) -> None:
    info = payload["train"]
    headline = payload.get("dev_headline") or {}
    metrics = md_table(["metric", "value"], [(k, f"{v:.4f}") for k, v in headline.items()]) if headline else "No dev data was given: no metrics."
    config = model.config
    gen = model.summary_settings
    places = getattr(config, "place_regions", None)
    lines = [
        f"# newsdesk model: {model_dir.name}",
        "",
        "Labels news articles by region (one), event types and actors (several) and writes a one-line summary.",
        "",
        "## How it was made",
        "```",
        info["command"],
        "```",
        f"- base model: `{config.base_model}` ({config.backbone_kind}); newsdesk {info['newsdesk_version']}, schema_version {config.schema_version}",
        f"- training data: {', '.join(info['data']['train'])} (root `{info['data']['root']}`)",
        f"- dev data: {', '.join(info['data']['dev']) or 'none'}",
        f"- {info['epochs_run']} epochs ({info['steps']} steps), best epoch {info['best_epoch']}, "
        f"{info['train_seconds']} s, {info['train_examples_per_s']} examples/s on {info['device']} "
        f"({info['processes']} process(es), mixed precision {info['mixed_precision']})",
        "",
        "## Labels",
        *(f"- {task} ({len(names)}): {', '.join(names[:40])}{' ...' if len(names) > 40 else ''}"
          for task, names in config.labels.items()),
        f"- actor mentions: {'a mention head tags actors as the article names them, linked to the actor labels above where they match' if config.mentions else 'no mention head'}",
        *([f"- region: the head's probabilities fused with place-name evidence ({len(places.get('table') or {})} place names "
           f"from the training records' place fields and `data.place_regions`; weight beta {places.get('beta', 0.0)} "
           f"fitted on dev, 0 = the head alone)"] if places else []),
        _naming_line(getattr(config, "actor_naming", None)),
        _truecase_line(getattr(config, "truecase", None)),
        *([_article_line(config.thresholds.get("article"))] if (config.thresholds or {}).get("article") else []),
        "",
        "## Dev metrics (thresholds and calibration fitted on this dev set)",
        metrics,
        "",
        "## Use",
        "```",
        f"python infer.py {model_dir} ARTICLES_DIR --out results.jsonl",
        "```",
        "```python",
        "import newsdesk",
        f'model = newsdesk.load("{model_dir}")',
        'print(model.predict("Iraqi forces captured ..."))',
        "```",
        "",
        "## Summary generation",
        f"max {gen.max_new_tokens} word pieces, {gen.num_beams} beam(s) (generation_config.json); copy path: "
        f"{config.copy}; words restricted to the article's words, their real inflections and a learnt headline "
        f"vocabulary (summary_vocab.json): {getattr(gen, 'constrain_to_article', True)}.",
        "",
        _summary_mode_line(gen, info.get("summary_mode")),
        "",
        "## Limits",
        "- Labels and thresholds reflect the training data: a region, event type or actor absent from it is never predicted.",
        "- Dev metrics are optimistic: the same dev set chose the epoch, the thresholds and the calibration.",
        "- Summaries reuse the article's words; check names and numbers before quoting them.",
        "- Articles longer than the window are read in overlapping windows; the summary is written from the first window.",
        "",
    ]
    (model_dir / "README.md").write_text("\n".join(lines), encoding="utf-8")


def _summary_mode_line(gen, chosen: dict[str, Any] | None) -> str:
    mode = getattr(gen, "summary_mode", None) or "abstractive"
    what = {"lead": "the first clause of the article's lead sentence (no decoding)",
            "abstractive": "the decoder", "auto": "the decoder (summary_mode auto was not resolved)"}.get(mode, mode)
    line = f"Summaries served: **{mode}** = {what}; change with `--summary-mode` or `generation={{'summary_mode': ...}}`."
    if chosen and chosen.get("rougeL"):
        r = chosen["rougeL"]
        line += (f" Chosen on {chosen['records']} dev articles with labels and a summary: ROUGE-L decoder "
                 f"{r['abstractive']:.3f}, lead clause {r['lead']:.3f}. The summary metrics above are the decoder's.")
    elif chosen and chosen.get("reason"):
        line += f" ({chosen['reason']}.)"
    return line


def _naming_line(naming: dict | None) -> str:
    if not naming:
        return ("- actor naming: every article's actors as the article names them (dev had too few records of one of "
                "the two conventions, catalogue names and names as written, to tell them apart)")
    d = naming.get("dev") or {}
    return (f"- actor naming: an article the model takes for a catalogue-style note (ACLED-style) is served catalogue "
            f"names (`warnings`: actors:catalogue), any other the names as written; probe fitted on {d.get('records')} "
            f"dev records and news sentences ({d.get('catalogue')} catalogue-named), cross-validated balanced accuracy "
            f"{d.get('cv_balanced_accuracy')}")


def _truecase_line(forms: list | None) -> str:
    if not forms:
        return "- truecasing: none (no table of cased word forms): an article written in one case is read as it is"
    return (f"- truecasing: an article written in one case (lower case, ALL CAPS) has its case restored before it is read "
            f"(`warnings`: truecased), from {len(forms)} cased word forms learnt from the training texts")


def _article_line(art: dict) -> str:
    """What the model does with event-type cuts for articles (inputs read in more than one window)."""
    cv = (f"5-fold cross-validated event-type macro-F1 on {art.get('records')} dev articles "
          f"{art.get('cv_macro_f1', 0):.3f} with article cuts vs {art.get('pooled_macro_f1', 0):.3f} with the pooled ones")
    if art.get("event_types"):
        return (f"- event types of an article read in more than one window: {art.get('labels_tuned', 0)} labels use cuts "
                f"tuned on dev articles ({cv})")
    return f"- event types of articles: the pooled cuts (article cuts were tried and not kept: {cv})"

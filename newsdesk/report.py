"""What `newsdesk eval` writes: metrics.json, predictions.jsonl, report.md, PNG plots, the card section.

    write_report(result, DIR)                  # everything into DIR
    update_model_card(MODEL_DIR, result, DIR)  # "## Evaluation" section of MODEL_DIR/README.md

Plots use matplotlib's object API with the Agg canvas (no display, no global backend change).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any, Sequence

from newsdesk.extras import require
from newsdesk.tasks import MULTI_LABEL, TASKS

SNIPPET_CHARS = 300
WORST_MIN_SUPPORT = 3
WORST_N = 10
TOP_ACTORS_PLOT = 30
PLOTS = {
    "confusion": "confusion_region.png",
    "event_types": "f1_event_types.png",
    "actors": "f1_actors.png",
    "reliability": "reliability.png",
}
SYSTEMS = ("model", "tfidf", "gazetteer", "lead1", "textrank")
SYSTEM_NAMES = {"model": "model", "tfidf": "TF-IDF + LR", "gazetteer": "Gazetteer", "lead1": "Lead-1", "textrank": "TextRank"}
TASK_NAMES = {"region": "Region", "event_types": "Event types", "actors": "Actors", "summary": "Summary"}
CARD_SECTION = "## Evaluation"


# ----------------------------------------------------------------------------- helpers
def fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(x: Any) -> str:
        return fmt(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def snippet(text: str, n: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def _get(d: dict | None, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _systems(m: dict[str, Any], task: str) -> list[str]:
    """Systems that have results for `task`, model first."""
    return [s for s in SYSTEMS if task in (m["results"].get(s) or {})]


# ----------------------------------------------------------------------------- files
def write_report(result, report_dir: str | Path, examples: int = 5) -> dict[str, Path]:
    """metrics.json, predictions.jsonl, the plots and report.md into `report_dir`; returns the paths."""
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"metrics": out / "metrics.json", "predictions": out / "predictions.jsonl", "report": out / "report.md"}
    paths["metrics"].write_text(json.dumps(result.metrics, indent=1, ensure_ascii=False), encoding="utf-8")
    write_predictions(result, paths["predictions"])
    paths.update(write_plots(result.metrics, out))
    paths["report"].write_text(render_report(result, paths, examples), encoding="utf-8")
    return paths


def write_predictions(result, path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i, (r, p) in enumerate(zip(result.records, result.predictions)):
            row = {
                "id": r["id"],
                "gold": {k: r.get(k) for k in (*TASKS, "actor_mentions", "summary")},
                "model": {k: getattr(p, k) for k in (*TASKS, "actor_mentions", "summary", "scores", "warnings")},
            }
            for name, preds in result.baseline_predictions.items():
                row[name] = preds[i]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------- plots
def _figure(w: float, h: float):
    figure = require("matplotlib.figure", "newsdesk eval's plots")
    agg = require("matplotlib.backends.backend_agg", "newsdesk eval's plots")
    fig = figure.Figure(figsize=(w, h), dpi=110)
    agg.FigureCanvasAgg(fig)
    return fig


def write_plots(m: dict[str, Any], out: Path) -> dict[str, Path]:
    """The plots there is data for; returns {kind: path}."""
    written: dict[str, Path] = {}
    cm = _get(m, "results", "model", "region", "confusion_matrix")
    if cm and cm["labels"]:
        written["confusion"] = plot_confusion(cm, out / PLOTS["confusion"])
    for task in MULTI_LABEL:
        model_pl = _get(m, "results", "model", task, "per_label")
        if model_pl:
            base_pl = _get(m, "results", "tfidf", task, "per_label")
            path = plot_f1_bars(task, model_pl, base_pl, out / PLOTS[task], top=TOP_ACTORS_PLOT if task == "actors" else None)
            if path:
                written[task] = path
    if _get(m, "results", "model", "calibration"):
        written["reliability"] = plot_reliability(m["results"]["model"], out / PLOTS["reliability"])
    return written


def plot_confusion(cm: dict[str, Any], path: Path) -> Path:
    import numpy as np

    labels, matrix = cm["labels"], np.asarray(cm["matrix"], dtype=float)
    n = len(labels)
    size = max(4.0, 0.45 * n + 2.5)
    fig = _figure(size + 1, size)
    ax = fig.add_subplot(1, 1, 1)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(n), labels, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("Region confusion matrix (counts; colour = share of the gold row)")
    fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_f1_bars(task: str, model_pl: dict, base_pl: dict | None, path: Path, top: int | None = None) -> Path | None:
    import numpy as np

    labels = [l for l, s in model_pl.items() if s["support"] > 0]
    labels.sort(key=lambda l: (-model_pl[l]["support"], l))
    if top:
        labels = labels[:top]
    if not labels:
        return None
    y = np.arange(len(labels))
    fig = _figure(8, max(2.5, 0.32 * len(labels) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    h = 0.4 if base_pl else 0.7
    ax.barh(y - (h / 2 if base_pl else 0), [model_pl[l]["f1"] for l in labels], height=h, label="model", color="#1f77b4")
    if base_pl:
        ax.barh(y + h / 2, [_get(base_pl, l, "f1") or 0.0 for l in labels], height=h, label="TF-IDF + LR", color="#ff7f0e")
    ax.set_yticks(y, [f"{l} ({model_pl[l]['support']})" for l in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1")
    what = TASK_NAMES[task] + (f": top {len(labels)} by support" if top else "")
    ax.set_title(f"{what} — per-label F1 (gold support in brackets)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_reliability(model_m: dict[str, Any], path: Path) -> Path:
    fig = _figure(5.5, 5)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    colours = {"region": "#1f77b4", "event_types": "#2ca02c", "actors": "#d62728"}
    for task, colour in colours.items():
        for key, style, tag in (("calibration", "-", ""), ("calibration_raw", ":", " before calibration")):
            c = _get(model_m, key, task)
            if not c:
                continue
            if key == "calibration_raw" and abs(c["ece"] - model_m["calibration"][task]["ece"]) < 1e-9:
                continue  # the model has no calibration for this head: same curve
            pts = [(x, y) for x, y in zip(c["bins"]["confidence"], c["bins"]["accuracy"]) if x is not None]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o" if not tag else None, markersize=3,
                    color=colour, label=f"{TASK_NAMES[task]}{tag} (ECE {c['ece']:.3f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability (bin)")
    ax.set_ylabel("observed frequency (bin)")
    ax.set_title("Reliability diagram per head")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    return path


# ----------------------------------------------------------------------------- report.md
def render_report(result, paths: dict[str, Path], examples: int = 5) -> str:
    m = result.metrics
    res = m["results"]
    lines = [f"# Evaluation of `{m['model_dir']}`", ""]
    lines += [f"- model: `{m['model']}` ({', '.join(f'{n} {t}' for t, n in m['labels'].items())} labels)"]
    lines += ["- data: " + ", ".join(f"`{f['path']}` ({f['records']} records)" for f in m["data"])]
    lines += ["- labelled records per task: " + ", ".join(f"{t} {n}" for t, n in m["labelled"].items())]
    if m["train"]:
        lines += ["- baseline training data: " + ", ".join(f"`{f['path']}` ({f['records']} records)" for f in m["train"])]
    s = m["settings"]
    lines += [f"- predicted on {s['device']} ({s['dtype']}), batch size {s['batch_size']}, with the same code path as "
              f"`infer`; {m['seconds']['total']} s", ""]
    roles = m.get("data_roles") or {}
    if roles.get("train"):
        lines += [f"> **Warning:** the model was trained on {', '.join(f'`{p}`' for p in roles['train'])}: "
                  "these scores say nothing about new data.", ""]
    if roles.get("dev"):
        lines += [f"> **Note:** {', '.join(f'`{p}`' for p in roles['dev'])} is the dev data this model was tuned on "
                  "(best epoch, calibration, thresholds): its scores are optimistic; the baselines never saw it.", ""]
    lines += ["Each task is scored only on the records labelled for it. Event-type and actor metrics are computed over "
              "the model's label sets (gold actors canonicalised with the model's alias file"
              f"{' `' + m['actor_aliases'] + '`' if m['actor_aliases'] else ''}; gold labels the model cannot output "
              "count as neither hit nor miss). Macro-F1 averages the labels with gold support only.", ""]
    lines += _baseline_notes(m)

    if "region" in res["model"]:
        lines += ["## Region", ""]
        rows = [("records", "n"), ("accuracy", "accuracy"), ("macro-F1", "macro_f1")]
        lines += [_task_table(m, "region", rows), ""]
        lines += [_per_label_table(m, "region"), ""]
        if "confusion" in paths:
            lines += [f"![region confusion matrix]({paths['confusion'].name})", ""]
    for task in MULTI_LABEL:
        if task not in res["model"]:
            continue
        lines += [f"## {TASK_NAMES[task]}", ""]
        if task == "actors":
            lines += [f"Over the model's {m['labels']['actors']} actor labels.", ""]
        rows = [("records", "n"), ("micro-F1", "micro_f1"), ("micro precision", "micro_precision"),
                ("micro recall", "micro_recall"), ("macro-F1", "macro_f1"), ("example-based F1", "example_f1")]
        lines += [_task_table(m, task, rows), ""]
        if task == "event_types":
            lines += [_per_label_table(m, task), ""]
        if task in paths:
            lines += [f"![{task} per-label F1]({paths[task].name})", ""]
    lines += _actor_mentions_section(m)
    if "summary" in res["model"] or any("summary" in (res.get(k) or {}) for k in ("lead1", "textrank")):
        lines += ["## Summary", "",
                  "ROUGE on lower-cased text. Shares of summaries with: a *non-word* (a word that is not in the article "
                  "as written or in any case, nor a simple inflection of an article word that the model's lexicon knows, "
                  "nor in its headline vocabulary: the model's `summary_vocab.json`, for every system); a trailing "
                  "function word (\"the\", \"of\", \"said\"); *stray punctuation* (a \"?\" the article lacks, a "
                  "dangling , : ; - at the end, unbalanced quotes or brackets); a content word written twice; a name, "
                  "place or number the article does not have (*unsupported*). See `newsdesk/readability.py`.", ""]
        rows = [("records", "n"), ("ROUGE-1 F1", "rouge1"), ("ROUGE-2 F1", "rouge2"), ("ROUGE-L F1", "rougeL"),
                ("mean length (words)", "mean_words"), ("one-line share", "one_line_share"),
                ("share with a non-word", "nonword_share"),
                ("share ending on a function word", "trailing_function_share"),
                ("share with stray punctuation", "stray_punctuation_share"),
                ("share with either of the two above", "trailing_or_stray_share"),
                ("share with a content word twice", "repeated_word_share"),
                ("... or one word in two forms (\"Chirac Chirac's\")", "repeated_any_form_share"),
                ("share with unsupported names/places/numbers", "unsupported_share")]
        lines += [_task_table(m, "summary", rows), ""]
    evidence = res["model"].get("evidence")
    if evidence:
        lines += ["## Evidence", "", "Share of correctly predicted labels whose evidence sentence holds a gold trigger.", ""]
        lines += [md_table(["task", "labels checked", "hit rate"],
                           [[TASK_NAMES[t], e["n"], fmt(e["hit_rate"])] for t, e in evidence.items()]), ""]

    lines += _calibration_section(m, paths)
    lines += _worst_labels_section(m)
    if examples > 0:
        lines += _examples_section(result, examples)
    return "\n".join(lines).rstrip() + "\n"


def _baseline_notes(m: dict[str, Any]) -> list[str]:
    b = m["baselines"]
    out = ["### Baselines", ""]
    if "tfidf" in b:
        t = b["tfidf"]
        out += [f"- **TF-IDF + LR**: TF-IDF over word 1-2 grams with logistic regression per task (one-vs-rest for "
                f"event types and actors), fitted on {t['fit_records']} of the {t['train_records']} TRAIN records; its "
                f"per-label thresholds were tuned on the other {t['tune_records']} ({t['tune_share']:.0%} split of "
                f"TRAIN, seed {t['seed']}) — DATA is never used to fit or tune it. It reads the body only (no title), "
                f"as the model does. Tasks it could learn from TRAIN: {', '.join(t['tasks']) or 'none'}."]
    else:
        out += ["- No `--train` given: no TF-IDF baseline."]
    if "gazetteer" in b:
        g = b["gazetteer"]
        out += [f"- **Gazetteer**: the alias/gazetteer string matcher alone (whole-word, case-insensitive matches of "
                f"{g['train_actor_names']} actor names from TRAIN, {g['aliases']} aliases of the model's alias table and "
                f"the surface forms of its {g['catalogue']} catalogue actors): the baseline of actor mentions and names."]
    if "lead1" in b:
        out += ["- **Lead-1**: the first sentence of the body. **TextRank**: the most central sentence of the body "
                "(PageRank over TF-IDF cosine similarities). Neither needs training data."]
    return out + [""]


def _actor_mentions_section(m: dict[str, Any]) -> list[str]:
    res = m["results"]
    if not any(k in res["model"] for k in ("actor_mentions", "actor_names", "linked_actors")):
        return []
    out = ["## Actor mentions and names", "",
           "*Mentions*: predicted spans vs the gold `actor_mentions` spans (character offsets in the cleaned text), over "
           "the records with gold spans; exact = same start and end; partial = a predicted span overlapping a gold span "
           "counts as right (precision) and a gold span overlapped by a predicted one as found (recall). *Actor names*: "
           "predicted actors vs gold actors per article, each name mapped through the model's alias table and normalised "
           "(case, leading \"the\", possessive, plural), counted once per article. *Catalogue actors*: the predicted "
           "actors that are catalogue names (the model's actor labels) plus the catalogue names mentions were linked to, "
           "vs the gold actors that are catalogue names. All pooled over records (micro).", ""]
    if "actor_mentions" in res["model"]:
        out += [_task_table(m, "actor_mentions", [
            ("records", "n"), ("gold spans", "gold"), ("predicted spans", "predicted"),
            ("exact precision", "exact_precision"), ("exact recall", "exact_recall"), ("exact F1", "exact_f1"),
            ("partial precision", "partial_precision"), ("partial recall", "partial_recall"), ("partial F1", "partial_f1"),
        ]), ""]
    systems = [s for s in SYSTEMS if any(k in (res.get(s) or {}) for k in ("actor_names", "linked_actors"))]
    rows = [[f"{what} {name}"] + [_get(res, s, task, key) for s in systems]
            for task, what in (("actor_names", "actor-name"), ("linked_actors", "catalogue-actor"))
            if any(_get(res, s, task) for s in systems)
            for name, key in (("records", "n"), ("precision", "precision"), ("recall", "recall"), ("F1", "f1"))]
    if rows:
        out += [md_table(["metric"] + [SYSTEM_NAMES[s] for s in systems], rows), ""]
    return out


def _task_table(m: dict[str, Any], task: str, rows: list[tuple[str, str]]) -> str:
    systems = _systems(m, task)
    res = m["results"]
    body = [[name] + [_get(res, s, task, key) for s in systems] for name, key in rows]
    if task != "summary":
        for key, name in (("calibration", "ECE"), ("calibration_raw", "ECE before calibration")):
            vals = [_get(res, s, key, task, "ece") for s in systems]
            if any(v is not None for v in vals):
                body.append([name] + vals)
    return md_table(["metric"] + [SYSTEM_NAMES[s] for s in systems], body)


def _per_label_table(m: dict[str, Any], task: str) -> str:
    res = m["results"]
    pl = _get(res, "model", task, "per_label") or {}
    base = _get(res, "tfidf", task, "per_label")
    header = ["label", "support", "precision", "recall", "F1"] + (["TF-IDF F1"] if base is not None else [])
    labels = sorted(pl, key=lambda l: (-pl[l]["support"], l))
    rows = []
    for l in labels:
        row = [l, pl[l]["support"], pl[l]["precision"], pl[l]["recall"], pl[l]["f1"]]
        if base is not None:
            row.append(_get(base, l, "f1"))
        rows.append(row)
    return md_table(header, rows)


def _calibration_section(m: dict[str, Any], paths: dict[str, Path]) -> list[str]:
    res = m["results"]
    heads = [t for t in TASKS if _get(res, "model", "calibration", t)]
    if not heads:
        return []
    out = ["## Calibration", "",
           f"Expected calibration error over {m['settings']['ece_bins']} equal-width bins: region = top-class "
           "probability vs correct; event types and actors = every (label probability, label is gold) pair over the "
           "model's labels. 'as served' = the probabilities `infer` reports (with the model's calibration); "
           "'before calibration' = softmax / sigmoid of the raw logits.", ""]
    rows = []
    for t in heads:
        rows.append([TASK_NAMES[t], _get(res, "model", "calibration", t, "pairs"),
                     _get(res, "model", "calibration", t, "ece"), _get(res, "model", "calibration_raw", t, "ece"),
                     _get(res, "tfidf", "calibration", t, "ece")])
    out += [md_table(["head", "pairs", "ECE as served", "ECE before calibration", "TF-IDF + LR ECE"], rows), ""]
    if "reliability" in paths:
        out += [f"![reliability diagram]({paths['reliability'].name})", ""]
    return out


def worst_labels(m: dict[str, Any], task: str, n: int = WORST_N, min_support: int = WORST_MIN_SUPPORT) -> list[tuple]:
    """[(label, support, model F1, TF-IDF F1 or None)] with the lowest model F1 among labels with support >= min_support."""
    pl = _get(m, "results", "model", task, "per_label") or {}
    base = _get(m, "results", "tfidf", task, "per_label")
    rows = [(l, s["support"], s["f1"], _get(base, l, "f1")) for l, s in pl.items() if s["support"] >= min_support]
    rows.sort(key=lambda r: (r[2], -r[1], r[0]))
    return rows[:n]


def _worst_labels_section(m: dict[str, Any]) -> list[str]:
    out = ["## Worst labels", "", f"Lowest model F1 among labels with at least {WORST_MIN_SUPPORT} gold records.", ""]
    any_rows = False
    for task in TASKS:
        rows = worst_labels(m, task)
        if not rows:
            continue
        any_rows = True
        out += [f"**{TASK_NAMES[task]}**", "", md_table(["label", "support", "model F1", "TF-IDF F1"], rows), ""]
    return out if any_rows else []


def _examples_section(result, n: int) -> list[str]:
    """Up to `n` model errors per task: the most confident region errors, the multi-label records with
    the most wrong labels, the summaries with the lowest ROUGE-L."""
    records, preds, probs = result.records, result.predictions, result.probabilities
    labels, canon = result.labels, result.canonical_actor
    out = ["## Error examples", "", f"Up to {n} per task; text snippets are the first {SNIPPET_CHARS} characters of the body.", ""]

    errs = [i for i, r in enumerate(records) if r.get("region") is not None and preds[i].region is not None
            and preds[i].region != r["region"]]
    errs.sort(key=lambda i: -(_get(probs[i], "region", preds[i].region) or 0.0))
    if errs:
        out += ["### Region", ""]
        for i in errs[:n]:
            p = _get(probs[i], "region", preds[i].region)
            out += _example(records[i], f"gold **{records[i]['region']}**; predicted **{preds[i].region}** (p={fmt(p, 2)})")
    for task in MULTI_LABEL:
        known = set(labels.get(task) or [])
        norm = canon if task == "actors" else (lambda x: x)
        scored = []
        for i, r in enumerate(records):
            if r.get(task) is None or getattr(preds[i], task) is None:
                continue
            gold = {norm(g) for g in r[task]}
            pred = set(getattr(preds[i], task))
            wrong = len((gold & known) ^ pred)
            if wrong:
                scored.append((wrong, i, gold, pred))
        scored.sort(key=lambda x: (-x[0], x[1]))
        if not scored:
            continue
        out += [f"### {TASK_NAMES[task]}", ""]
        for _, i, gold, pred in scored[:n]:
            outside = sorted(gold - known)
            gold_txt = ", ".join(sorted(gold & known)) or "none"
            if outside:
                gold_txt += f" (+ not in the model's labels: {', '.join(outside)})"
            missed = ", ".join(sorted((gold & known) - pred)) or "–"
            extra = ", ".join(sorted(pred - gold)) or "–"
            out += _example(records[i], f"gold: {gold_txt}; predicted: {', '.join(sorted(pred)) or 'none'} "
                                        f"(missed: {missed}; wrong: {extra})")
    with_summary = [i for i, r in enumerate(records) if r.get("summary") and preds[i].summary is not None]
    if with_summary:
        from rouge_score import rouge_scorer

        scorer = rouge_scorer.RougeScorer(["rougeL"])
        ranked = sorted(with_summary, key=lambda i: (scorer.score(records[i]["summary"], preds[i].summary)["rougeL"].fmeasure, i))
        out += ["### Summary (lowest ROUGE-L)", ""]
        for i in ranked[:n]:
            rl = scorer.score(records[i]["summary"], preds[i].summary)["rougeL"].fmeasure
            out += _example(records[i], f"gold: \"{records[i]['summary']}\"; predicted: \"{preds[i].summary}\" (ROUGE-L {rl:.2f})")
    return out


def _example(record: dict[str, Any], what: str) -> list[str]:
    return [f"- `{record['id']}`: {what}", f"  > {snippet(record['text'])}", ""]


# ----------------------------------------------------------------------------- model card
def card_rows(m: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Headline rows for the card: metric x system."""
    systems = [s for s in SYSTEMS if s in m["headline"]]
    keys: list[str] = []
    for s in systems:
        keys += [k for k in m["headline"][s] if k != "score" and k not in keys]
    rows = [[k] + [m["headline"][s].get(k) for s in systems] for k in keys]
    for task in TASKS:
        vals = [_get(m, "results", s, "calibration", task, "ece") for s in systems]
        if any(v is not None for v in vals):
            rows.append([f"{task}/ECE"] + vals)
    return ["metric"] + [SYSTEM_NAMES[s] for s in systems], rows


def evaluation_subsection(m: dict[str, Any], report_dir: Path) -> str:
    data = ", ".join(f"`{f['path']}`" for f in m["data"])
    header, rows = card_rows(m)
    lines = [
        f"### Data: {data}",
        "",
        f"- records: " + ", ".join(f"`{f['path']}` {f['records']}" for f in m["data"])
        + f" ({m['records']} in all; labelled: " + ", ".join(f"{t} {n}" for t, n in m["labelled"].items()) + ")",
    ]
    if m["train"]:
        lines.append("- baselines trained on: " + ", ".join(f"`{f['path']}` ({f['records']} records)" for f in m["train"]))
    lines += [
        f"- evaluated {_dt.date.today().isoformat()} with `newsdesk eval`; full report: `{report_dir / 'report.md'}`",
        "",
        md_table(header, rows),
        "",
    ]
    return "\n".join(lines)


def update_model_card(model_dir: str | Path, result, report_dir: str | Path) -> Path:
    """Add (or replace, for the same data files) this evaluation in the card's "## Evaluation" section."""
    card = Path(model_dir) / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else f"# newsdesk model: {Path(model_dir).name}\n"
    lines = text.splitlines()
    sub = evaluation_subsection(result.metrics, Path(report_dir)).rstrip("\n").splitlines()
    intro = ["Scores of this model on labelled data, next to baselines, written by `newsdesk eval --update-card` "
             "(one subsection per data set; rerunning on the same data replaces it)."]
    if CARD_SECTION in lines:
        start = lines.index(CARD_SECTION)
        end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
        section = lines[start + 1 : end]
        heading = sub[0]
        if heading in section:
            a = section.index(heading)
            b = next((k for k in range(a + 1, len(section)) if section[k].startswith("### ")), len(section))
            section = section[:a] + sub + [""] + section[b:]
        else:
            while section and not section[-1].strip():
                section.pop()
            section += ["", *sub, ""]
        lines = lines[: start + 1] + section + lines[end:]
    else:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", CARD_SECTION, "", *intro, "", *sub, ""]
    card.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    return card

"""Quality benchmark: train once on the real training splits, evaluate on every dev split with baselines.

    python bench/quality.py --data-dir ../shared/data --output-dir runs/quality [--epochs N]
    python bench/quality.py --skip-train ...                # reuse OUT/model
    python bench/quality.py --model DIR ...                 # evaluate an existing model directory (no training)
    python bench/quality.py ... --train.max_steps 20        # unknown options are passed to train.py

1. `python train.py --config configs/acled.yaml --data.root DATA_DIR --output_dir OUT`: one multi-task
   run (region / event types / actors from acled + acled_me2018, summaries from insightcrime and the
   headline sets, actor mentions, plus the written samples in data/).
2. `newsdesk eval` on each dev split, with its baselines: acled and acled_me2018 (TF-IDF fitted on the
   matching train split), insightcrime, headlines/agnews and headlines/reuters21578 (summaries only:
   Lead-1 and TextRank; at most --max-summaries records each, the first in file order), muc4 (actor
   names, next to the gazetteer built from muc4/train), the repo's data/dev.jsonl ("samples": TF-IDF on
   data/train.jsonl), the seed article (TF-IDF on acled_me2018/train) and plover/gsr.jsonl (real news
   sentences with actor spans as written; gazetteer from data/train.jsonl; its gold names persons and
   places as actors too, which newsdesk does not). Reports land in OUT/reports/<name>/.
3. Prints markdown tables: labels (model vs TF-IDF), summaries (model vs Lead-1 vs TextRank: ROUGE on
   lower-cased text and the readability counters of newsdesk/readability.py), actor names and mention
   spans (model vs gazetteer; MUC-4 over all records and over those with a gold perpetrator
   organisation), event-type F1 per label on the written samples, and the seed article in detail (event
   types with probabilities and evidence sentences, its actors matched to the gold actors with each
   mention's offsets, its summary next to the gold one). The same goes to OUT/quality.md; the headline
   numbers to OUT/quality.json, every number to --json PATH.

The data is read where it lies (--data-dir); nothing is copied into the repo.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

FOCUS_LABELS = ("capture", "advance", "ceasefire")
LABEL_SETS = ("acled", "acled_me2018", "samples", "seed")  # columns of the labels table
SUMMARY_SETS = ("insightcrime", "agnews", "reuters", "samples")  # rows of the summaries table
SUMMARY_SYSTEMS = (("model", "newsdesk"), ("lead1", "Lead-1"), ("textrank", "TextRank"))
EVIDENCE_CHARS = 220


class DevSet(NamedTuple):
    name: str
    dev: Path
    train: list[Path]  # TF-IDF / gazetteer training data; [] = none (summary-only sets)
    headlines: bool = False  # summary-only: capped by --max-summaries


def dev_sets(data_dir: Path) -> list[DevSet]:
    """Every dev split, in the order they are evaluated."""
    return [
        DevSet("acled", data_dir / "acled/dev.jsonl", [data_dir / "acled/train.jsonl"]),
        DevSet("acled_me2018", data_dir / "acled_me2018/dev.jsonl", [data_dir / "acled_me2018/train.jsonl"]),
        DevSet("insightcrime", data_dir / "insightcrime/dev.jsonl", [], headlines=True),
        DevSet("agnews", data_dir / "headlines/agnews/dev.jsonl", [], headlines=True),
        DevSet("reuters", data_dir / "headlines/reuters21578/dev.jsonl", [], headlines=True),
        DevSet("muc4", data_dir / "muc4/dev.jsonl", [data_dir / "muc4/train.jsonl"]),
        DevSet("samples", REPO / "data/dev.jsonl", [REPO / "data/train.jsonl"]),
        DevSet("seed", data_dir / "seed/al_waleed.jsonl", [data_dir / "acled_me2018/train.jsonl"]),
        DevSet("plover", data_dir / "plover/gsr.jsonl", [REPO / "data/train.jsonl"]),
    ]


def train(data_dir: Path, out: Path, epochs: int | None, overwrite: bool, extra: list[str]) -> None:
    cmd = [sys.executable, "train.py", "--config", "configs/acled.yaml", "--data.root", str(data_dir),
           "--output_dir", str(out), *(["--train.epochs", str(epochs)] if epochs else []),
           *(["--overwrite"] if overwrite else []), *extra]
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"training failed (exit {proc.returncode})")


def records_in_file(path: Path) -> int | None:
    """Records in a JSONL file (non-blank lines); None for other formats."""
    if path.suffix.lower() != ".jsonl":
        return None
    with path.open(encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


# ----------------------------------------------------------------------------- table helpers
def _value(m: dict, system: str, *keys: str):
    node = (m.get("results") or {}).get(system)
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def _num(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def _md(header: list[str], rows: list[list[str]]) -> str:
    cell = lambda x: str(x).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows])


def records_cell(info: dict) -> str:
    n, total = info["metrics"]["records"], info.get("records_in_file")
    return f"{n} of {total}" if total is not None and n < total else str(n)


# ----------------------------------------------------------------------------- tables
def labels_table(sets: dict[str, dict], actor_info: str) -> str | None:
    """Rows = label metrics, columns = dev set x (model, TF-IDF)."""
    names = [n for n in LABEL_SETS if n in sets]
    if not names:
        return None
    header = ["metric"] + [f"{n} {side}" for n in names for side in ("model", "TF-IDF")]

    def pair(name: str, task: str, key: str) -> list[str]:
        m = sets[name]["metrics"]
        return [_num(_value(m, "model", task, key)), _num(_value(m, "tfidf", task, key))]

    def label_pair(name: str, label: str) -> list[str]:
        m = sets[name]["metrics"]
        pl = _value(m, "model", "event_types", "per_label") or {}
        if label not in pl:
            return ["–", "–"]
        support = pl[label]["support"]
        if not support:
            return ["n/a (0 gold)", "n/a"]
        return [f"{pl[label]['f1']:.3f} ({support} gold)", _num(_value(m, "tfidf", "event_types", "per_label", label, "f1"))]

    rows = [["records"] + [records_cell(sets[n]) for n in names for _ in (0, 1)]]
    rows.append(["region macro-F1"] + [c for n in names for c in pair(n, "region", "macro_f1")])
    rows.append(["event-type macro-F1"] + [c for n in names for c in pair(n, "event_types", "macro_f1")])
    rows.append([f"actors micro-F1 ({actor_info})"] + [c for n in names for c in pair(n, "actors", "micro_f1")])
    for label in FOCUS_LABELS:
        rows.append([f"{label} F1"] + [c for n in names for c in label_pair(n, label)])
    return _md(header, rows)


SUMMARY_COLUMNS = (("ROUGE-1", "rouge1"), ("ROUGE-2", "rouge2"), ("ROUGE-L", "rougeL"), ("words", "mean_words"),
                   ("non-word", "nonword_share"), ("ends on function word / stray punct.", "trailing_or_stray_share"),
                   ("content word twice", "repeated_word_share"), ("... in any form", "repeated_any_form_share"),
                   ("unsupported", "unsupported_share"))


def summary_table(sets: dict[str, dict]) -> str | None:
    """Rows = dev set x system (newsdesk, Lead-1, TextRank), columns = ROUGE and the readability counters."""
    rows = []
    for name in SUMMARY_SETS:
        if name not in sets or not _value(sets[name]["metrics"], "model", "summary"):
            continue
        m = sets[name]["metrics"]
        for system, title in SUMMARY_SYSTEMS:
            s = _value(m, system, "summary")
            if not s:
                continue
            words = f"{s['mean_words']:.1f}"
            rows.append([name, title, records_cell(sets[name]) if system == "model" else str(s["n"])]
                        + [words if key == "mean_words" else _num(s.get(key)) for _, key in SUMMARY_COLUMNS])
    if not rows:
        return None
    return _md(["dev set", "system", "records"] + [t for t, _ in SUMMARY_COLUMNS], rows)


def _prf(d: dict | None) -> list[str]:
    if not d:
        return ["–"] * 4
    return [str(d["predicted"]), _num(d["precision"]), _num(d["recall"]), _num(d["f1"])]


def actors_table(sets: dict[str, dict], extras: dict) -> str | None:
    """Actor names (and mention spans) per set: model vs gazetteer."""
    rows = []

    def name_row(label: str, model: dict | None, gaz: dict | None) -> None:
        if model or gaz:
            ref = model or gaz
            rows.append([label, str(ref["n"]), str(ref["gold"]), *_prf(model), *_prf(gaz)])

    if "muc4" in sets:
        m = sets["muc4"]["metrics"]
        name_row(f"MUC-4 dev, all records ({records_cell(sets['muc4'])}): perpetrator organisations",
                 _value(m, "model", "actor_names"), _value(m, "gazetteer", "actor_names"))
        sub = extras.get("muc4_with_perpetrator") or {}
        name_row(f"MUC-4 dev, the {sub.get('records', 0)} records with a gold perpetrator organisation",
                 sub.get("model"), sub.get("gazetteer"))
    for name, title in (("acled", "ACLED 2022 notes (gold: catalogue names)"),
                        ("acled_me2018", "ACLED Middle East 2018 notes (gold: catalogue names)"),
                        ("samples", "written samples"), ("seed", "seed article"),
                        ("plover", "PLOVER news sentences (its gold also names persons and places)")):
        if name not in sets:
            continue
        m = sets[name]["metrics"]
        name_row(f"{title}: actor names", _value(m, "model", "actor_names"), _value(m, "gazetteer", "actor_names"))
        for kind in ("exact", "partial"):
            model, gaz = _value(m, "model", "actor_mentions"), _value(m, "gazetteer", "actor_mentions")
            if model:
                spans = lambda d: None if not d else {"n": d["n"], "gold": d["gold"], "predicted": d["predicted"],  # noqa: E731
                                                      "precision": d[f"{kind}_precision"], "recall": d[f"{kind}_recall"],
                                                      "f1": d[f"{kind}_f1"]}
                name_row(f"{title}: mention spans, {kind}", spans(model), spans(gaz))
    if not rows:
        return None
    header = ["actor set: what", "records", "gold", "model predicted", "model P", "model R", "model F1",
              "gazetteer predicted", "gazetteer P", "gazetteer R", "gazetteer F1"]
    return _md(header, rows)


def per_label_table(info: dict) -> str | None:
    """Event-type P/R/F1 per label (model) with the TF-IDF F1, for one dev set."""
    m = info["metrics"]
    pl = _value(m, "model", "event_types", "per_label") or {}
    if not pl:
        return None
    focus = [label for label in FOCUS_LABELS if label in pl]
    rows = []
    for label in focus + sorted(set(pl) - set(focus)):
        d = pl[label]
        base = _value(m, "tfidf", "event_types", "per_label", label, "f1")
        if not d["support"]:
            rows.append([label, "0", "n/a", "n/a", "n/a", "n/a"])
            continue
        rows.append([label, str(d["support"]), _num(d["precision"]), _num(d["recall"]), _num(d["f1"]), _num(base)])
    return _md(["event type", "gold records", "model P", "model R", "model F1", "TF-IDF F1"], rows)


def tuned_note(sets: dict[str, dict]) -> str:
    """Which dev sets the model was trained or tuned on (metrics.json data_roles): its scores there are optimistic."""
    tuned = [n for n, s in sets.items() if (s["metrics"].get("data_roles") or {}).get("dev")]
    trained = [n for n, s in sets.items() if (s["metrics"].get("data_roles") or {}).get("train")]
    out = f" The model was tuned on {', '.join(tuned)} dev (epoch, calibration, thresholds): optimistic there." if tuned else ""
    return out + (f" It was TRAINED on {', '.join(trained)}: those scores say nothing about new data." if trained else "")


# ----------------------------------------------------------------------------- MUC-4 and the seed article
def muc4_with_perpetrator(result, aliases: dict[str, str]) -> dict:
    """Actor-name scores (a name once per article) over the records with a gold perpetrator organisation."""
    from newsdesk.evaluation import actor_name_metrics

    idx = [i for i, r in enumerate(result.records) if r.get("actors")]
    records = [result.records[i] for i in idx]
    out = {"records": len(idx), "model": actor_name_metrics([result.predictions[i] for i in idx], records, aliases)}
    gaz = result.baseline_predictions.get("gazetteer")
    if gaz is not None:
        out["gazetteer"] = actor_name_metrics([gaz[i] for i in idx], records, aliases)
    return out


def seed_details(result, predictor) -> list[dict]:
    """Per seed record: event types with probability, threshold and evidence; gold actors matched to the
    predicted ones (alias table + actors.normalise) with their mentions' offsets; summary vs gold and Lead-1."""
    from newsdesk.baselines import lead1
    from newsdesk.evaluation import actor_name_key
    from newsdesk.metrics import rouge
    from newsdesk.readability import flag_names, flags
    from newsdesk.eval_run import model_summary_words

    key = actor_name_key(predictor.aliases)
    words = model_summary_words(result.metrics["model_dir"])
    out = []
    for rec, pred, probs in zip(result.records, result.predictions, result.probabilities):
        # an article read in more than one window (warning "windows:N") is decided by the article cuts
        article = any(w.startswith("windows:") for w in pred.warnings or [])
        thresholds = dict(zip(predictor.labels["event_types"], predictor.thresholds("event_types", article=article).tolist()))
        ev_probs = probs.get("event_types") or {}
        evidence = (pred.evidence or {}).get("event_types", {})
        gold_events = rec.get("event_types") or []
        events = []
        for label in dict.fromkeys([*pred.event_types, *gold_events, *FOCUS_LABELS]):
            e = evidence.get(label) or {}
            events.append({"label": label, "p": ev_probs.get(label), "threshold": thresholds.get(label),
                           "predicted": label in pred.event_types, "gold": label in gold_events,
                           "evidence": e.get("sentence"), "evidence_score": e.get("score")})
        mentions = pred.actor_mentions or []
        actors, matched_pred = [], set()
        for g in rec.get("actors") or []:
            k = key(g)
            names = [a for a in pred.actors if key(a) == k]
            matched_pred.update(names)
            keys = {k} | {key(a) for a in names}
            ms = [{"text": rec["text"][m["start"]:m["end"]], "start": m["start"], "end": m["end"],
                   "canonical": m.get("canonical"), "score": m.get("score")}
                  for m in mentions if key(m["text"]) in keys or (m.get("canonical") and key(m["canonical"]) in keys)]
            actors.append({"gold": g, "predicted": names, "mentions": ms})
        summary = {"gold": rec.get("summary"), "model": pred.summary, "lead1": lead1(rec["text"])}
        scored = {}
        for system in ("model", "lead1"):
            s = summary[system]
            if s is not None and summary["gold"]:
                scored[system] = {"rougeL": rouge([s.lower()], [summary["gold"].lower()])["rougeL"],
                                  "flags": flag_names(flags(s, rec["text"], words))}
        out.append({"id": rec["id"], "event_types": {"predicted": list(pred.event_types), "gold": gold_events,
                                                      "exact": sorted(pred.event_types) == sorted(gold_events),
                                                      "labels": events},
                    "actors": {"gold": actors, "found": sum(1 for a in actors if a["predicted"]),
                               "extra": [a for a in pred.actors if a not in matched_pred]},
                    "summary": {**summary, "scores": scored}})
    return out


def seed_markdown(details: list[dict]) -> list[str]:
    lines = []
    for d in details:
        ev = d["event_types"]
        lines += [f"### Seed article `{d['id']}`", "",
                  f"Event types: predicted {', '.join(ev['predicted']) or 'none'}; gold {', '.join(ev['gold']) or 'none'} "
                  f"({'exact match' if ev['exact'] else 'not the gold set'}).", ""]
        rows = []
        for e in ev["labels"]:
            p = "not a label" if e["p"] is None else f"{e['p']:.3f}"
            sentence = e["evidence"] or ""
            if len(sentence) > EVIDENCE_CHARS:
                sentence = sentence[:EVIDENCE_CHARS - 1].rstrip() + "…"
            rows.append([e["label"], p, _num(e["threshold"]), "yes" if e["predicted"] else "no", "yes" if e["gold"] else "no",
                         (f"{sentence} ({e['evidence_score']:.2f})" if sentence else "–")])
        lines += [_md(["event type", "p", "threshold", "predicted", "gold", "evidence sentence (score)"], rows), ""]
        a = d["actors"]
        lines += [f"Actors: {a['found']} of {len(a['gold'])} gold actors found (names compared after the model's alias "
                  "table and normalisation: case, \"the\", possessive, plural).", ""]
        rows = [[g["gold"], ", ".join(g["predicted"]) or "**missed**",
                 "; ".join(f"`{m['text']}` {m['start']}-{m['end']}" + (f" → {m['canonical']}" if m["canonical"] else "")
                           for m in g["mentions"]) or "–"] for g in a["gold"]]
        lines += [_md(["gold actor", "predicted as", "mentions (text[start:end], offsets)"], rows), ""]
        lines += [f"Predicted actors that match no gold actor: {', '.join(a['extra']) or 'none'}.", ""]
        s = d["summary"]
        rows = [["gold", s["gold"] or "–", "", ""]]
        for system, title in (("model", "newsdesk"), ("lead1", "Lead-1")):
            sc = s["scores"].get(system) or {}
            rows.append([title, s[system] or "–", _num(sc.get("rougeL")), ", ".join(sc.get("flags") or []) or "none"])
        lines += [_md(["summary", "text", "ROUGE-L", "flags"], rows), ""]
    return lines


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Other --section.key options go to train.py.")
    parser.add_argument("--data-dir", default="../shared/data",
                        help="folder holding acled/, acled_me2018/, insightcrime/, headlines/, muc4/, seed/")
    parser.add_argument("--output-dir", default="runs/quality", help="keeps OUT/model and OUT/reports/<dev set>/")
    parser.add_argument("--model", help="evaluate this model directory (no training; reports still go to OUT)")
    parser.add_argument("--epochs", type=int, help="training epochs (default: configs/acled.yaml's)")
    parser.add_argument("--skip-train", action="store_true", help="reuse the model in OUT/model")
    parser.add_argument("--overwrite", action="store_true", help="let train.py replace a model already in OUT")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"])
    parser.add_argument("--no-summary", action="store_true", help="skip summaries in eval")
    parser.add_argument("--max-records", type=int, help="cap per dev file (quick checks)")
    parser.add_argument("--max-summaries", type=int, default=1000,
                        help="cap per summary-only dev file (insightcrime, agnews, reuters; first N in file order; default 1000)")
    parser.add_argument("--max-train-records", type=int, help="cap per baseline training file (quick checks)")
    parser.add_argument("--sets", help="comma-separated dev sets to run (default: all found): " + ", ".join(
        s.name for s in dev_sets(Path("."))))
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--json", metavar="PATH", help="write every number (all metrics, MUC-4 subset, seed details) to PATH")
    args, extra = parser.parse_known_args(argv)

    data_dir = Path(args.data_dir).expanduser().resolve()
    out = Path(args.output_dir).expanduser().resolve()
    if not data_dir.is_dir():
        print(f"error: --data-dir {data_dir} is not a folder (expected acled/, acled_me2018/, insightcrime/, seed/)", file=sys.stderr)
        return 1
    t0 = time.time()
    if args.skip_train or args.model:
        if extra:
            print(f"error: unknown options {' '.join(extra)} (train.py options need a training run)", file=sys.stderr)
            return 1
    else:
        train(data_dir, out, args.epochs, args.overwrite, extra)
    model_dir = Path(args.model).expanduser().resolve() if args.model else out / "model"

    from newsdesk.eval_run import evaluate_dir, train_setting
    from newsdesk.predictor import ModelDirError, Predictor

    try:
        predictor = Predictor.load(model_dir, device=args.device, dtype=args.dtype)
    except ModelDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    wanted = set(args.sets.split(",")) if args.sets else None
    baselines: dict[tuple[str, ...], object] = {}
    sets: dict[str, dict] = {}
    extras: dict = {}
    for ds in dev_sets(data_dir):
        if wanted is not None and ds.name not in wanted:
            continue
        missing = [p for p in [ds.dev, *ds.train] if not p.is_file()]
        if missing:
            print(f"skipping {ds.name}: missing {', '.join(map(str, missing))}", file=sys.stderr)
            continue
        caps = [c for c in (args.max_records, args.max_summaries if ds.headlines else None) if c is not None]
        key = tuple(map(str, ds.train))
        t = time.time()
        result = evaluate_dir(
            model_dir, [ds.dev], ds.train or None, out / "reports" / ds.name, batch_size=args.batch_size,
            summary=not args.no_summary, max_records=min(caps) if caps else None, max_train_records=args.max_train_records,
            examples=args.examples, predictor=predictor, baseline=baselines.get(key) if ds.train else None,
        )
        if ds.train:
            baselines[key] = result.tfidf
        sets[ds.name] = {"path": str(ds.dev), "records_in_file": records_in_file(ds.dev), "metrics": result.metrics,
                         "seconds": round(time.time() - t, 1)}
        if ds.name == "muc4":
            extras["muc4_with_perpetrator"] = muc4_with_perpetrator(result, predictor.aliases)
        if ds.name == "seed":
            extras["seed"] = seed_details(result, predictor)
        print(f"{ds.name}: {records_cell(sets[ds.name])} records, {time.time() - t:.0f} s -> "
              f"{out / 'reports' / ds.name / 'report.md'}", file=sys.stderr, flush=True)
    if not sets:
        print("error: no dev split found under --data-dir", file=sys.stderr)
        return 1

    n_actors = len(predictor.config.labels["actors"])
    min_count = train_setting(model_dir, "data.actor_min_count")
    actor_info = f"the model's {n_actors} actors" + (f", >= {min_count} training mentions" if min_count else "")
    caps = []
    if args.max_records:
        caps.append(f"every dev file capped at its first {args.max_records} records (--max-records)")
    if args.max_summaries and (args.max_records is None or args.max_summaries < args.max_records):
        caps.append(f"summary-only sets (insightcrime, agnews, reuters) capped at their first {args.max_summaries} "
                    "records in file order (--max-summaries)")
    md: list[str] = [f"Model: `{model_dir}`. Records \"n of N\" = the first n of the file's N records"
                     + (f"; {'; '.join(caps)}." if caps else ".") + tuned_note(sets), ""]
    sections = [
        ("Labels", labels_table(sets, actor_info),
         "TF-IDF = word 1-2 grams + logistic regression fitted on the matching train split (seed: acled_me2018; "
         "samples: data/train.jsonl) with 90% fit / 10% threshold tuning. Per-label cells: F1 (gold records); "
         "n/a = no gold record."),
        ("Summaries", summary_table(sets),
         "ROUGE F1 on lower-cased text. Counters (newsdesk/readability.py, the same for every system, with the "
         "model's summary_vocab.json): share of summaries with a non-word, ending on a function word or with stray "
         "punctuation, with a content word twice (and: one word in two forms, \"Chirac Chirac's\"), with an "
         "unsupported name/place/number; words = mean length. "
         "Lead-1 = first sentence, TextRank = most central sentence of the body."),
        ("Actors", actors_table(sets, extras),
         "Actor names: predicted vs gold names through the model's alias table and normalisation, once per article, "
         "micro P/R/F1, of the `actors` list as served. ACLED gold = catalogue names (a note the model takes for one "
         "is served catalogue names: newsdesk/naming.py). MUC-4 gold = perpetrator organisations only (other actors "
         "the model finds count as wrong). "
         "Gazetteer = alias/gazetteer string matcher with the train split's actor names (muc4/train, data/train, "
         "acled_me2018/train)."),
        ("Event types per label: written samples (data/dev.jsonl)", per_label_table(sets["samples"]) if "samples" in sets else None,
         "TF-IDF fitted on data/train.jsonl." + tuned_note({"samples": sets["samples"]} if "samples" in sets else {})),
    ]
    for title, body, legend in sections:
        if body:
            md += [f"## {title}", "", body, "", legend, ""]
    if extras.get("seed"):
        md += ["## Seed article", ""] + seed_markdown(extras["seed"])
    md += ["Seconds per set: " + ", ".join(f"{n} {s['seconds']:.0f}" for n, s in sets.items())
           + f"; total {time.time() - t0:.0f}.", ""]
    text = "\n".join(md)
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "quality.md").write_text(text, encoding="utf-8")
    (out / "quality.json").write_text(json.dumps({n: s["metrics"]["headline"] for n, s in sets.items()}, indent=1), encoding="utf-8")
    if args.json:
        full = {"model_dir": str(model_dir), "data_dir": str(data_dir), "max_records": args.max_records,
                "max_summaries": args.max_summaries, "sets": sets, **extras, "seconds": round(time.time() - t0, 1)}
        Path(args.json).write_text(json.dumps(full, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\n{time.time() - t0:.0f} s; reports in {out / 'reports'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

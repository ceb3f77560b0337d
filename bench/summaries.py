"""newsdesk summaries next to their references and the lead sentence, for people to read (issue 10).

    python bench/summaries.py --model runs/acled/model --data-dir ../shared/data  # -> runs/summaries.md

For each dev set (InsightCrime, AG News, Reuters-21578, the written samples in data/dev.jsonl) the first
N records by id (default 20; ids in natural order, "dev-2" before "dev-10"; records with a gold summary
only; not picked by hand): the reference, the newsdesk summary (the `infer` path: `Predictor.score` +
`decide`), Lead-1 (the body's first sentence), ROUGE-L of each against the reference (lower-cased), and
the readability / faithfulness flags of newsdesk/readability.py with the model's summary_vocab.json.
The command that wrote the file heads it. The data is read where it lies; only these few headlines and
summaries are quoted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()


def dev_sets(data_dir: Path) -> list[tuple[str, Path]]:
    return [
        ("InsightCrime dev", data_dir / "insightcrime/dev.jsonl"),
        ("AG News dev", data_dir / "headlines/agnews/dev.jsonl"),
        ("Reuters-21578 dev", data_dir / "headlines/reuters21578/dev.jsonl"),
        ("written samples dev", REPO / "data/dev.jsonl"),
    ]


def natural_key(record_id: str) -> list:
    """"dev-2" before "dev-10": digit runs compare as numbers."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(record_id))]


def first_by_id(records: list[dict], n: int) -> list[dict]:
    """The first `n` records with a gold summary, by id in natural order."""
    return sorted((r for r in records if r.get("summary")), key=lambda r: natural_key(r["id"]))[:n]


def _cell(text: str | None) -> str:
    return "–" if not text else " ".join(str(text).split()).replace("|", "\\|")


def section(title: str, path_label: str, total: int, rows: list[dict]) -> list[str]:
    """One dev set: a line of totals over the shown records, then one table row per record."""
    n = len(rows)
    mean = lambda key: sum(r[key] for r in rows) / n if n else 0.0  # noqa: E731
    count = lambda test: sum(1 for r in rows if test(r["model_raw"]))  # noqa: E731
    lines = [f"## {title}", "", f"`{path_label}`: the first {n} of its {total} records with a reference, by id.", ""]
    if n:
        lines += [f"Over these {n}: ROUGE-L newsdesk {mean('model_rl'):.3f}, Lead-1 {mean('lead_rl'):.3f}; mean length "
                  f"newsdesk {mean('model_words'):.1f} words, Lead-1 {mean('lead_words'):.1f}. newsdesk summaries with a "
                  f"non-word: {count(lambda f: f['nonwords'])}; ending on a function word or with stray punctuation: "
                  f"{count(lambda f: f['trailing_function_word'] or f['stray_punctuation'])}; a content word twice (in any form): "
                  f"{count(lambda f: f['repeated'] or f['repeated_forms'])}; an unsupported name/place/number: {count(lambda f: f['unsupported'])}.", ""]
    lines += ["| id | reference | newsdesk | R-L | flags | Lead-1 | R-L | flags |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['id']} | {_cell(r['reference'])} | {_cell(r['model'])} | {r['model_rl']:.2f} | "
                     f"{_cell(', '.join(r['model_flags'])) if r['model_flags'] else ''} | {_cell(r['lead1'])} | "
                     f"{r['lead_rl']:.2f} | {_cell(', '.join(r['lead_flags'])) if r['lead_flags'] else ''} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory")
    parser.add_argument("--data-dir", default="../shared/data", help="folder holding insightcrime/ and headlines/")
    parser.add_argument("--out", default="runs/summaries.md",
                        help="markdown file to write (default runs/summaries.md: it quotes research-use text, keep it out of the repo)")
    parser.add_argument("--n", type=int, default=20, help="records per dev set (the first by id)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"])
    args = parser.parse_args(argv)

    from newsdesk.baselines import lead1
    from newsdesk.data import read_records
    from newsdesk.eval_run import model_summary_words
    from newsdesk.evaluation import predict_records
    from newsdesk.metrics import rouge
    from newsdesk.predictor import ModelDirError, Predictor
    from newsdesk.readability import flag_names, flags

    t0 = time.time()
    data_dir = Path(args.data_dir).expanduser()
    try:
        predictor = Predictor.load(args.model, device=args.device, dtype=args.dtype,
                                   generation={"summary_mode": "abstractive"})  # the decoder's lines (issue 10)
    except ModelDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    words = model_summary_words(args.model)
    command = "python bench/summaries.py " + " ".join(shlex.quote(a) for a in (
        "--model", args.model, "--data-dir", args.data_dir, "--out", args.out, *(["--n", str(args.n)] if args.n != 20 else [])))
    body: list[str] = []
    for title, path in dev_sets(data_dir):
        if not path.is_file():
            print(f"skipping {title}: {path} not found", file=sys.stderr)
            continue
        records = read_records(path)
        chosen = first_by_id(records, args.n)
        _, preds = predict_records(predictor, chosen, batch_size=args.batch_size)
        rows = []
        for r, p in zip(chosen, preds):
            lead = lead1(r["text"])
            model = p.summary or ""
            rl = lambda s: rouge([s.lower()], [r["summary"].lower()])["rougeL"]  # noqa: E731
            raw = flags(model, r["text"], words)
            rows.append({"id": r["id"], "reference": r["summary"], "model": model, "lead1": lead, "model_raw": raw,
                         "model_rl": rl(model), "lead_rl": rl(lead), "model_words": len(model.split()),
                         "lead_words": len(lead.split()),
                         "model_flags": flag_names(raw),
                         "lead_flags": flag_names(flags(lead, r["text"], words))})
        label = str(path.relative_to(REPO)) if path.resolve().is_relative_to(REPO) else f"{args.data_dir.rstrip('/')}/{path.relative_to(data_dir)}"
        body += section(title, label, sum(1 for r in records if r.get("summary")), rows)
        print(f"{title}: {len(rows)} records", file=sys.stderr, flush=True)
    if not body:
        print(f"error: no dev set found under {data_dir}", file=sys.stderr)
        return 1
    head = [
        "# Summaries next to their references",
        "",
        f"Written by `{command}` on {dt.date.today().isoformat()}, model `{args.model}` (`{predictor.name}`), "
        f"{time.time() - t0:.0f} s. Rerun that command to refresh this file.",
        "",
        "For each dev set, the first records by id (natural order; not picked by hand): the reference (the "
        "article's real headline), the newsdesk summary exactly as `infer` writes it, and Lead-1 (the first "
        "sentence of the body). R-L = ROUGE-L F1 against the reference, on lower-cased text. Flags "
        "(`newsdesk/readability.py`, with the model's `summary_vocab.json`): *non-word* = a word that is not the "
        "article's (in any case), nor a known inflection of one, nor in the model's headline vocabulary; *ends on* = "
        "a trailing function word (Lead-1 sentences ending \"..., officials said.\" count); \"?\" the article does "
        "not have, a dangling , : - at the end, unbalanced quotes or brackets, a symbol glued to a word (\"$thirds\"); "
        "*twice* = a content word written twice, or one word in two forms (\"chirac/chirac's\"); *unsupported* = a name, place or number the article does not have.",
        "",
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(head + body).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {out} ({time.time() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

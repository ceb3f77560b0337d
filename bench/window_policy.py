#!/usr/bin/env python
"""Window policy by measurement: window length, overlap and how many windows a long article needs,
accuracy on labelled long articles against cost (issue 15 item 3).

    python bench/window_policy.py --model runs/acled/model
    python bench/window_policy.py --model runs/acled/model --windows 128:32 128:0 256:64 512:128 --summary

Labelled long articles, three sets (each scored on its own and pooled):
  samples    the written samples of data/dev.jsonl longer than one window of the smallest length
  seed       ../shared/data/seed/al_waleed.jsonl (one article: its event set and actors are listed)
  assembled  long articles assembled at run time from ACLED Middle East 2018 dev notes
             (../shared/data/acled_me2018/dev.jsonl): the notes of one date and country
             (--group-by), --min-notes to --max-notes of them as paragraphs, in file order; gold =
             the notes' region, the union of their event types and of their actors. Nothing is
             written to disk. Unlike real news they have no lead: every note is one event, so
             reading fewer windows loses labels by construction -- an upper bound on what "lead + k"
             costs in accuracy.

Window lengths are compared by re-windowing at inference on a copy of the predictor (its
`config.max_length` / `config.stride` overridden; the model was trained on its own length, and
positions up to 512 exist in MiniLM). Policies (newsdesk reads `all` windows today):
  all        every window
  lead+K     the first K+1 windows only (lead = lead+0)
  adaptive   read the lead window, then one more window at a time while the decision (region,
             event-type set, actor set) still changes; stop when one more window changes nothing
  adaptive-events   the same, watching only the region and the event-type set (actors come from the
             mentions of the windows read)
Policies that read fewer windows use the predictor's own option (`Predictor.max_windows`, `infer.py
--max-windows N`: lead+K is `--max-windows K+1`); `adaptive` is emulated on top of it and re-encodes
the windows already read at each round, so its wall time overstates what a real implementation costs:
its cost column is the windows an implementation that keeps window logits would encode.

Cost = encoder windows read per article and the wall time of the labels path
(`Predictor.predict(..., summary=False)`: windows, encoder, heads, mentions, evidence, decisions).
Accuracy = `newsdesk.evaluation.task_metrics` (region macro-F1, event-type macro-F1, actor micro-F1
over the model's actor labels; with --summary also ROUGE-L on the records with a summary).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

from speed import QUALITY, machine, quality  # noqa: E402

SAMPLES = "data/dev.jsonl"
SEED = "../shared/data/seed/al_waleed.jsonl"
ACLED_ME = "../shared/data/acled_me2018/dev.jsonl"
POLICIES = ("all", "lead", "lead+1", "lead+2", "adaptive", "adaptive-events")


# ----------------------------------------------------------------------------- data
def _read(path: str) -> list[dict]:
    import logging

    from newsdesk.cleaning import clean_text
    from newsdesk.data import load_records

    logging.getLogger("newsdesk").setLevel(logging.ERROR)
    out = []
    for r in load_records([Path(path)], None, "benchmark"):
        text = clean_text(r.get("text"))
        if text:
            out.append({**r, "text": text})
    return out


def assemble(notes: list[dict], group_by: tuple[str, ...], min_notes: int, max_notes: int, limit: int | None) -> list[dict]:
    """Long labelled articles from short notes of one group (e.g. date and country), in file order."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in notes:
        meta = r.get("meta") or {}
        key = tuple(meta.get(k) for k in group_by)
        if all(v not in (None, "") for v in key):
            groups[key].append(r)
    out = []
    for key, rs in groups.items():
        if len(rs) < min_notes:
            continue
        rs = rs[:max_notes]
        regions = {r["region"] for r in rs if r.get("region") is not None}
        labelled_ev = [r for r in rs if r.get("event_types") is not None]
        labelled_ac = [r for r in rs if r.get("actors") is not None]
        out.append({
            "id": "assembled-" + "-".join(str(k) for k in key),
            "text": "\n\n".join(r["text"] for r in rs),
            "region": regions.pop() if len(regions) == 1 else None,
            "event_types": sorted({e for r in labelled_ev for e in r["event_types"]}) if len(labelled_ev) == len(rs) else None,
            "actors": sorted({a for r in labelled_ac for a in r["actors"]}) if len(labelled_ac) == len(rs) else None,
            "summary": None, "notes": len(rs),
        })
        if limit and len(out) >= limit:
            break
    return out


def datasets(args, tokenizer, min_tokens: int) -> dict[str, list[dict]]:
    """{"samples": [...], "seed": [...], "assembled": [...]} of labelled long articles (files that are missing are skipped)."""
    out: dict[str, list[dict]] = {}
    if args.samples and Path(args.samples).is_file():
        recs = _read(args.samples)
        lengths = tokenizer([r["text"] for r in recs], add_special_tokens=True, verbose=False)["input_ids"]
        out["samples"] = [r for r, ids in zip(recs, lengths) if len(ids) > min_tokens][: args.limit]
    if args.seed and Path(args.seed).is_file():
        out["seed"] = _read(args.seed)
    if args.acled_me and Path(args.acled_me).is_file():
        from cost_profile import load_raw  # raw JSONL rows: `meta` (date, country) is kept
        from newsdesk.cleaning import clean_text

        notes = [{**r, "text": clean_text(r["text"])} for r in load_raw([args.acled_me])]
        out["assembled"] = assemble([r for r in notes if r["text"]], tuple(args.group_by.split(",")), args.min_notes, args.max_notes, args.limit)
    return {k: v for k, v in out.items() if v}


def names_f1(preds: list, records: list[dict], predictor) -> dict[str, float | None]:
    """Open-set actor names (mention clusters and head actors) against the gold actor names, keyed by
    the alias table and `actors.normalise` (`newsdesk.evaluation.actor_name_metrics`): the seed's and
    the samples' actors are mostly not catalogue names."""
    from newsdesk.evaluation import actor_name_metrics

    m = actor_name_metrics(preds, records, dict(predictor.aliases))
    return {"actor_names_f1": m["f1"] if m else None}


# ----------------------------------------------------------------------------- policies
@contextmanager
def max_windows(predictor, n: int | None):
    """`predictor` reads only the first `n` windows of each article inside the block (None = all): the
    predictor's own option (`Predictor(max_windows=...)`, `infer.py --max-windows`); the region's place
    evidence then reads only the text those windows cover."""
    before = predictor.max_windows
    predictor.max_windows = n
    try:
        yield
    finally:
        predictor.max_windows = before


def rewindowed(predictor, max_length: int, stride: int):
    """A shallow copy of `predictor` that splits articles into windows of `max_length` (stride `stride`)."""
    p = copy.copy(predictor)
    p.config = copy.copy(predictor.config)
    p.config.max_length, p.config.stride = max_length, stride
    return p


def decision(pred, actors: bool = True) -> tuple:
    return pred.region, tuple(sorted(pred.event_types or [])), tuple(sorted(pred.actors or [])) if actors else ()


def window_counts(predictor, texts: list[str]) -> list[int]:
    from newsdesk.data import tokenize_windows

    c = predictor.config
    return [len(d["windows"]) for d in tokenize_windows(predictor.tokenizer, texts, c.max_length, c.stride)]


def run_policy(predictor, texts: list[str], policy: str, batch_size: int, summary: bool) -> tuple[list, float, list[int]]:
    """(predictions, wall seconds, windows read per article)."""
    total = window_counts(predictor, texts)
    start = time.perf_counter()
    if policy == "all":
        preds = predictor.predict(texts, batch_size=batch_size, summary=summary)
        read = total
    elif policy.startswith("lead"):
        k = int(policy.split("+")[1]) if "+" in policy else 0
        with max_windows(predictor, k + 1):
            preds = predictor.predict(texts, batch_size=batch_size, summary=summary)
        read = [min(n, k + 1) for n in total]
    elif policy in ("adaptive", "adaptive-events"):
        watch_actors = policy == "adaptive"
        with max_windows(predictor, 1):
            preds = predictor.predict(texts, batch_size=batch_size, summary=summary)
        read = [1] * len(texts)
        open_ = [i for i in range(len(texts)) if total[i] > 1]
        r = 1
        while open_:
            r += 1
            with max_windows(predictor, r):
                more = predictor.predict([texts[i] for i in open_], batch_size=batch_size, summary=summary)
            still = []
            for i, p in zip(open_, more):
                changed = decision(p, watch_actors) != decision(preds[i], watch_actors)
                preds[i], read[i] = p, r
                if changed and total[i] > r:
                    still.append(i)
            open_ = still
    else:
        raise ValueError(f"unknown policy {policy!r}; choose from {', '.join(POLICIES)}")
    return preds, time.perf_counter() - start, read


# ----------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="runs/default/model", help="trained model directory")
    p.add_argument("--windows", nargs="+", default=["128:32", "256:64"], metavar="LEN:STRIDE",
                   help="window lengths and overlaps to compare (default 128:32 256:64)")
    p.add_argument("--policies", default=",".join(POLICIES), help=f"comma-separated subset of {','.join(POLICIES)}")
    p.add_argument("--samples", default=SAMPLES, help=f"written samples (default {SAMPLES}; '' to skip)")
    p.add_argument("--seed", default=SEED, help=f"the seed article (default {SEED}; '' to skip)")
    p.add_argument("--acled-me", default=ACLED_ME, help=f"notes to assemble long articles from (default {ACLED_ME}; '' to skip)")
    p.add_argument("--group-by", default="event_date,country", help="meta keys of one assembled article (default event_date,country)")
    p.add_argument("--min-notes", type=int, default=6, help="notes per assembled article, at least (default 6)")
    p.add_argument("--max-notes", type=int, default=12, help="notes per assembled article, at most (default 12)")
    p.add_argument("--limit", type=int, default=None, help="articles per set, at most")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--dtype", default="fp32")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--summary", action="store_true", help="also write summaries (ROUGE-L on the records with one; slower)")
    p.add_argument("--tolerance", type=float, default=0.005, help="F1 drop still counted as equal to `all` (default 0.005)")
    p.add_argument("--json", help="write all figures and per-article decisions to this file")
    args = p.parse_args(argv)
    os.chdir(REPO)
    import warnings

    import torch

    warnings.filterwarnings("ignore", message="A single label was found")  # sklearn, sets with one region

    if args.threads:
        torch.set_num_threads(args.threads)
    from newsdesk.predictor import Predictor

    policies = [x.strip() for x in args.policies.split(",") if x.strip()]
    bad = [x for x in policies if x not in POLICIES and not (x.startswith("lead+") and x[5:].isdigit())]
    if bad:
        p.error(f"unknown policy {', '.join(bad)}; choose from {', '.join(POLICIES)} (or lead+K)")
    grid = []
    for w in args.windows:
        try:
            length, stride = (int(x) for x in w.split(":"))
        except ValueError:
            p.error(f"--windows takes LEN:STRIDE, got {w!r}")
        if not (8 <= length <= 512 and 0 <= stride <= length // 2):
            p.error(f"--windows {w}: length 8-512 and stride 0..length/2")
        grid.append((length, stride))
    base = Predictor.load(args.model, device=args.device, dtype=args.dtype)
    sets = datasets(args, base.tokenizer, min(length for length, _ in grid))
    if not sets:
        print("no labelled long articles found (--samples / --seed / --acled-me)", file=sys.stderr)
        return 1
    pooled = [r for rs in sets.values() for r in rs]
    lines = [f"machine: {machine()}",
             f"model {args.model} (trained with windows of {base.config.max_length}:{base.config.stride}), dtype {base.dtype}, "
             f"batch size {args.batch_size}, torch threads {torch.get_num_threads()}",
             "articles: " + ", ".join(f"{k} {len(v)} (mean {sum(len(r['text'].split()) for r in v) / len(v):.0f} words)"
                                      for k, v in sets.items()), ""]
    print("\n".join(lines), flush=True)
    base.predict([pooled[0]["text"]], batch_size=1, summary=args.summary)  # warm-up
    results: dict[str, dict[str, Any]] = {}
    for length, stride in grid:
        pred = rewindowed(base, length, stride)
        for policy in policies:
            name = f"{length}:{stride} {policy}"
            preds, wall, read = run_policy(pred, [r["text"] for r in pooled], policy, args.batch_size, args.summary)
            res: dict[str, Any] = {"wall_s": wall, "windows_read": sum(read) / len(read), "sets": {}, "read": {}}
            start = 0
            for set_name, rs in sets.items():
                part = preds[start : start + len(rs)]
                res["sets"][set_name] = {**quality(part, rs, pred), **names_f1(part, rs, pred)}
                res["read"][set_name] = sum(read[start : start + len(rs)]) / len(rs)
                if set_name == "seed":
                    res["seed"] = [{"event_types": x.event_types, "actors": x.actors} for x in part]
                start += len(rs)
            res["sets"]["pooled"] = {**quality(preds, pooled, pred), **names_f1(preds, pooled, pred)}
            res["read"]["pooled"] = res["windows_read"]
            res["decisions"] = [decision(x) for x in preds]
            results[name] = res
            print(f"{name}: {wall:.1f} s, {res['windows_read']:.2f} windows/article", file=sys.stderr, flush=True)
    keys = [(k, h) for k, h in QUALITY if args.summary or k != "rougeL"] + [("actor_names_f1", "actor names F1 (open set)")]
    out = list(lines)
    for set_name in list(sets) + ["pooled"]:
        n = len(pooled) if set_name == "pooled" else len(sets[set_name])
        timed = set_name == "pooled"  # one timed run over all sets
        out += [f"**{set_name}** ({n} articles)", "",
                "| windows | policy | windows read / article | " + ("labels s | articles/s | " if timed else "")
                + " | ".join(h for _, h in keys) + " | vs all (same length) |",
                "|---|---|---:|" + ("---:|---:|" if timed else "") + "---:|" * len(keys) + "---|"]
        for name, res in results.items():
            length_stride, policy = name.split(" ", 1)
            q = res["sets"][set_name]
            ref = results.get(f"{length_stride} all", {}).get("sets", {}).get(set_name, {})
            low = [h for k, h in keys if q.get(k) is not None and ref.get(k) is not None and q[k] < ref[k] - args.tolerance]
            vs = "-" if policy == "all" else (", ".join(f"{h} lower" for h in low) or "equal or better")
            cost = f"{res['wall_s']:.1f} | {len(pooled) / res['wall_s']:.1f} | " if timed else ""
            out.append(f"| {length_stride} | {policy} | {res['read'][set_name]:.2f} | {cost}"
                       + " | ".join("-" if q.get(k) is None else f"{q[k]:.3f}" for k, _ in keys) + f" | {vs} |")
        out.append("")
    if "seed" in sets:
        gold = sets["seed"][0]
        out += [f"seed article: gold event types {gold.get('event_types')}", ""]
        for name, res in results.items():
            out.append(f"- {name}: event types {res['seed'][0]['event_types']}, actors {res['seed'][0]['actors']}")
        out.append("")
    # the cheapest policy that loses nothing against `all` at the model's own window length (pooled)
    own = f"{base.config.max_length}:{base.config.stride}"
    ref = results.get(f"{own} all", {}).get("sets", {}).get("pooled")
    if ref:
        ok = [(res["windows_read"], name) for name, res in results.items()
              if not [k for k, _ in keys if res["sets"]["pooled"].get(k) is not None and ref.get(k) is not None
                      and res["sets"]["pooled"][k] < ref[k] - args.tolerance]]
        if ok:
            out.append(f"cheapest setting not below `{own} all` on any pooled score (tolerance {args.tolerance}): "
                       f"{min(ok)[1]} ({min(ok)[0]:.2f} windows/article vs {results[own + ' all']['windows_read']:.2f})")
    print("\n".join(out[len(lines):]))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    if args.json:
        Path(args.json).write_text(json.dumps({"header": lines, "results": results}, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

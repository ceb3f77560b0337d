#!/usr/bin/env python
"""Where inference time goes, per article type, and how close the encoder runs to a bare forward.

    python bench/cost_profile.py --model runs/acled/model --data ../shared/data/acled/dev.jsonl ../shared/data/insightcrime/dev.jsonl
    python bench/cost_profile.py --model runs/acled/model --dtype bf16 --limit 64 --torch-profile

Articles are split by length into **short notes** (at most --short-words words, e.g. ACLED notes)
and **long articles** (at least --long-words words, e.g. InsightCrime articles); each type is run
separately through `Predictor.predict` (the `newsdesk infer` path from raw text: cleaning, windows,
length-sorted batches, one encoder pass, heads, mentions, evidence, summary, decisions, bounds).

Nothing in newsdesk/ is changed: the functions and methods of the loaded predictor and model are
wrapped with wall-clock timers (bench/timers.py; nested calls counted exclusively), so every stage
below is the time spent inside that function minus the wrapped calls it makes. "glue" rows are the
time of a wrapped function outside the wrapped calls it makes (Python, and small tensor ops of the
decoding loop); their sum is reported as Python overhead. The timer wrappers themselves cost about a
microsecond per call.

Encoder efficiency (issue 15): the token batches the labels-only path sends to the encoder are
recorded; newsdesk labels tokens/s (real tokens / wall time of `predict(..., summary=False)`, the
whole labels path) is divided by the tokens/s of a bare `transformers.AutoModel` forward (the same
encoder weights, a fresh module) on exactly those batches, under the same dtype. 100% = newsdesk adds
nothing to the encoder's own cost; the gap is everything else of the labels path.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

from timers import Timers  # noqa: E402

DEFAULT_DATA = ["../shared/data/acled/dev.jsonl", "../shared/data/insightcrime/dev.jsonl"]
FALLBACK_DATA = ["data/dev.jsonl", "data/train.jsonl"]

# stage name -> what it is (the table's row order)
STAGES = {
    "cleaning": "clean_text (unicode, boilerplate lines)",
    "tokenisation": "tokenize_windows (fast tokenizer, overlapping windows)",
    "batching": "pack_windows, pack_bags, lexical_bag (padding, bags of word pieces)",
    "encoder": "NewsdeskModel.encode (the transformer encoder)",
    "heads": "classify on windows (+ lexical layer), mention head",
    "forward glue": "NewsdeskModel.forward outside encode/heads (pooling, tensors)",
    "mention decoding": "actors.decode_mentions (tag probabilities -> spans)",
    "evidence: sentences": "split_sentences, sentence_slots (token positions of sentences)",
    "evidence: pooling + heads": "sentence pooling, heads + lexical on sentences, few-shot probes",
    "evidence: glue": "evidence.sentence_rows outside the above",
    "summary: constraint build": "SummaryVocabulary.constraint per batch, outside the three rows below",
    "constraint: allowed words": "SummaryVocabulary.allowed_words (surface forms, inflections, lexicon) per article",
    "constraint: word pieces": "SummaryVocabulary.pieces (cached word-piece tokenisation of the allowed words)",
    "constraint: trie tables": "WordConstraint.build (trie of the allowed words, per-article tables)",
    "decoder: transformer": "decoder layers with KV cache, one call per step",
    "decoder: output layer": "output layer (NewsdeskModel._vocab_logits: the whole vocabulary since 91b7dc5, subset columns read)",
    "decoder: copy head": "copy attention and gate",
    "decoder: constraint mask": "WordConstraint.mask per step",
    "decoder: constraint advance": "WordConstraint.advance per step",
    "decoder: loop glue": "generate_summary outside the above (log-softmax, copy mixture, argmax, cat, setup)",
    "summary: rendering": "WordConstraint.render / decode (+ lead_words fallback)",
    "summary: glue": "Predictor._summaries outside the above",
    "decide: calibration": "calibrate, probabilities (Platt, temperature, few-shot fusion)",
    "decide: actors": "_actors: mention clustering, catalogue linking",
    "decide: evidence choice": "Predictor.evidence (best sentence per label)",
    "faithfulness": "faithfulness.check of the summary",
    "decide: glue": "Predictor.decide outside the above (thresholds, scores dict, Prediction)",
    "bounds": "limits.bound (row size caps)",
    "score glue": "Predictor.score outside the above (window bookkeeping, .cpu(), per-article loops)",
    "predict glue": "Predictor.predict outside score/decide (argument checks, cleaning loop)",
}
ALIAS = {"generate_summary": "decoder: loop glue", "output_rows": "decoder: loop glue"}  # timer name -> stage
SUMMARY_ONLY = ("summary: constraint build", "constraint: allowed words", "constraint: word pieces", "constraint: trie tables",
                "decoder: transformer", "decoder: output layer", "decoder: copy head",
                "decoder: constraint mask", "decoder: constraint advance", "decoder: loop glue", "summary: rendering",
                "summary: glue", "faithfulness")  # stages the labels path (summary off) does not run
GLUE = ("forward glue", "evidence: glue", "decoder: loop glue", "summary: glue", "decide: glue", "score glue", "predict glue")


# ----------------------------------------------------------------------------- data
def load_raw(paths: list[str]) -> list[dict]:
    """Records with their raw text (cleaning is part of what is profiled): JSONL lines as they are;
    other formats through newsdesk.data.load_records (which cleans)."""
    import logging

    from newsdesk.data import load_records

    logging.getLogger("newsdesk").setLevel(logging.ERROR)
    out = []
    for p in map(Path, paths):
        if p.suffix == ".jsonl":
            rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
            out += [{**r, "id": str(r.get("id", f"{p.stem}-{k}"))} for k, r in enumerate(rows)
                    if isinstance(r.get("text"), str) and r["text"].strip()]
        else:
            out += load_records([p], None, "benchmark")
    return out


def split_types(records: list[dict], short_words: int, long_words: int, limit: int) -> dict[str, list[dict]]:
    """{"short note": [...], "long article": [...]}: the first `limit` of each, round-robin over sources."""
    from itertools import zip_longest

    by_source: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_source[str(r.get("source") or r["id"].split("-")[0])].append(r)
    mixed = [r for group in zip_longest(*by_source.values()) for r in group if r is not None]
    words = lambda r: len(r["text"].split())  # noqa: E731
    return {"short note": [r for r in mixed if words(r) <= short_words][:limit],
            "long article": [r for r in mixed if words(r) >= long_words][:limit]}


# ----------------------------------------------------------------------------- instrumentation
def instrument(t: Timers, predictor) -> None:
    """Wrap every stage of the prediction path of `predictor` (this process only)."""
    import newsdesk.evidence as evidence
    import newsdesk.predictor as pmod
    import newsdesk.summary as summary

    model = predictor.model
    t.wrap(pmod, "clean_text", "cleaning")
    t.wrap(pmod, "tokenize_windows", "tokenisation")
    for name in ("pack_windows", "pack_bags", "lexical_bag"):
        t.wrap(pmod, name, "batching")
    t.wrap(evidence, "pack_bags", "batching")
    t.wrap(model, "forward", "forward glue")
    t.wrap(model, "encode", "encoder")
    t.wrap(model, "classify", "heads")
    t.wrap(model, "lexical_logits", "heads")
    if getattr(model, "mention_head", None) is not None:
        t.wrap(model.mention_head, "forward", "heads")
    t.wrap(pmod, "decode_mentions", "mention decoding")
    t.wrap(pmod, "sentence_rows", "evidence: glue")
    t.wrap(evidence, "split_sentences", "evidence: sentences")
    t.wrap(evidence, "sentence_slots", "evidence: sentences")
    t.wrap(model, "pool_segments", "evidence: pooling + heads")
    t.wrap(model, "fewshot_scores", "evidence: pooling + heads")
    t.wrap(predictor, "_summaries", "summary: glue")
    if predictor.vocab is not None:
        t.wrap(predictor.vocab, "constraint", "summary: constraint build")
        t.wrap(predictor.vocab, "allowed_words", "constraint: allowed words")
        t.wrap(predictor.vocab, "pieces", "constraint: word pieces")
    t.wrap(summary.WordConstraint, "build", "constraint: trie tables")
    t.wrap(model, "generate_summary", "generate_summary")
    t.wrap(model, "_decoder_states", "decoder: transformer")
    t.wrap(model, "_vocab_logits", "decoder: output layer")
    t.wrap(model, "_output_rows", "output_rows")
    if getattr(model, "copy_head", None) is not None:
        t.wrap(model.copy_head, "forward", "decoder: copy head")
    t.wrap(summary.WordConstraint, "mask", "decoder: constraint mask")
    t.wrap(summary.WordConstraint, "advance", "decoder: constraint advance")
    t.wrap(summary.WordConstraint, "render", "summary: rendering")
    t.wrap(pmod, "lead_words", "summary: rendering")
    t.wrap(predictor.tokenizer, "decode", "summary: rendering")
    t.wrap(predictor, "decide", "decide: glue")
    t.wrap(predictor, "probabilities", "decide: calibration")
    t.wrap(predictor, "calibrate", "decide: calibration")
    t.wrap(predictor, "_actors", "decide: actors")
    t.wrap(predictor, "evidence", "decide: evidence choice")
    t.wrap(pmod, "check_faithfulness", "faithfulness")
    t.wrap(pmod, "bound", "bounds")
    t.wrap(predictor, "score", "score glue")
    t.wrap(predictor, "predict", "predict glue")


def stage_of(path: tuple[str, ...]) -> str:
    """A path's stage: its innermost name, except heads inside evidence (sentence heads) and the
    calibration done while choosing evidence."""
    name = ALIAS.get(path[-1], path[-1])
    if name == "heads" and any(p.startswith("evidence") for p in path[:-1]):
        return "evidence: pooling + heads"
    if name == "batching" and any(p.startswith("evidence") for p in path[:-1]):
        return "evidence: pooling + heads"
    if name == "decide: calibration" and "decide: evidence choice" in path[:-1]:
        return "decide: evidence choice"
    return name


class StepClock:
    """Per-step wall time of the decoding loop: from one decoder call to the next (the whole step:
    decoder, output layer, copy head, mask, argmax, advance)."""

    def __init__(self, t: Timers):
        self.marks: list[float] = []
        self.sums: dict[int, float] = defaultdict(float)
        self.counts: dict[int, int] = defaultdict(int)
        self.loops = 0
        t.on_enter["generate_summary"].append(self.start)
        t.on_enter["decoder: transformer"].append(self.marks.append)
        t.on_exit["generate_summary"].append(self.stop)

    def start(self, now: float) -> None:
        self.marks.clear()

    def stop(self, now: float) -> None:
        marks = self.marks + [now]
        for k in range(len(marks) - 1):
            self.sums[k] += marks[k + 1] - marks[k]
            self.counts[k] += 1
        self.loops += 1
        self.marks.clear()

    def rows(self) -> list[str]:
        if not self.counts:
            return []
        steps = sorted(self.counts)
        bands = [(0, 0), (1, 7), (8, 15), (16, 31), (32, 10**9)]
        out = [f"decoding loops: {self.loops}, mean steps per loop {sum(self.counts.values()) / max(self.loops, 1):.1f}",
               "", "| decoder step | loops reaching it | ms per step (mean) |", "|---|---:|---:|"]
        for a, b in bands:
            ks = [k for k in steps if a <= k <= b]
            if ks:
                n = sum(self.counts[k] for k in ks)
                label = f"{a + 1}" if a == b else f"{a + 1}-{min(b, steps[-1]) + 1}"
                out.append(f"| {label} | {self.counts[ks[0]]} | {1000 * sum(self.sums[k] for k in ks) / n:.2f} |")
        return out


def row_steps(loops: list[tuple[int, list[int]]]) -> list[str]:
    """How much of the decoder's batch work goes to rows that have already ended (greedy decoding
    runs every row until the last one ends or max_new_tokens)."""
    total = sum(n * len(rows) for n, rows in loops)
    if not total:
        return []
    useful = sum(min(length + 1, n) for n, rows in loops for length in rows)  # +1: the step that wrote the end token
    lengths = [length for _, rows in loops for length in rows]
    return ["", f"summary tokens per article: mean {sum(lengths) / len(lengths):.1f}, max {max(lengths)}; "
                f"row-steps spent on rows that had already ended: {100 * (1 - useful / total):.0f}% "
                f"({total - useful} of {total})"]


# ----------------------------------------------------------------------------- encoder efficiency
def bare_encoder(predictor):
    """A fresh `AutoModel` with the predictor's encoder weights (the quantised module itself under int8)."""
    import torch
    from transformers import AutoModel

    enc = predictor.model.encoder()
    if predictor.dtype == "int8":
        return enc, "the predictor's own (int8-quantised) encoder module"
    cfg = enc.config
    kwargs = {"add_pooling_layer": False} if cfg.model_type == "bert" else {}
    bare = AutoModel.from_config(cfg, **kwargs)
    state = {k: v for k, v in enc.state_dict().items() if not k.startswith("pooler.")}  # the labels never use the pooler
    missing, unexpected = bare.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "pooler" not in m]:
        raise RuntimeError(f"bare AutoModel does not match the encoder: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return bare.to(predictor.device).eval().to(torch.float32), f"transformers.AutoModel.from_config({type(bare).__name__}), same weights"


def encoder_efficiency(predictor, texts: list[str], batch_size: int, repeats: int = 1) -> dict[str, Any]:
    import torch

    from newsdesk.device import autocast

    batches: list[tuple[torch.Tensor, torch.Tensor]] = []
    model = predictor.model
    encode = model.encode  # the bound class method
    inside = [0.0]

    def record(ids, mask):
        batches.append((ids, mask))
        start = time.perf_counter()
        try:
            return encode(ids, mask)
        finally:
            inside[0] += time.perf_counter() - start

    model.encode = record
    try:
        best_labels, enc_inside = float("inf"), 0.0
        for _ in range(repeats):
            batches.clear()
            inside[0] = 0.0
            start = time.perf_counter()
            predictor.predict(texts, batch_size=batch_size, summary=False)
            wall = time.perf_counter() - start
            if wall < best_labels:
                best_labels, enc_inside = wall, inside[0]
    finally:
        del model.encode  # the instance attribute; the class method shows through again
    bare, what = bare_encoder(predictor)
    real = sum(int(m.sum()) for _, m in batches)
    padded = sum(m.numel() for _, m in batches)
    best_bare = float("inf")
    with torch.no_grad():
        for ids, mask in batches[:1]:  # warm-up
            with autocast(predictor.device, predictor.dtype):
                bare(input_ids=ids, attention_mask=mask)
        for _ in range(repeats):
            start = time.perf_counter()
            for ids, mask in batches:
                with autocast(predictor.device, predictor.dtype):
                    bare(input_ids=ids, attention_mask=mask).last_hidden_state
            best_bare = min(best_bare, time.perf_counter() - start)
    return {"batches": len(batches), "real_tokens": real, "padded_tokens": padded,
            "labels_s": best_labels, "encoder_inside_s": enc_inside, "bare_s": best_bare, "bare": what,
            "labels_tok_s": real / best_labels, "bare_tok_s": real / best_bare,
            "efficiency": best_bare / best_labels, "encoder_share_of_labels": enc_inside / best_labels,
            "inside_vs_bare": best_bare / max(enc_inside, 1e-9)}


# ----------------------------------------------------------------------------- one article type
def profile_type(predictor, records: list[dict], batch_size: int, summary: bool, torch_profile: bool) -> dict[str, Any]:
    texts = [r["text"] for r in records]
    model = predictor.model
    generate = model.generate_summary  # the bound class method
    loops: list[tuple[int, list[int]]] = []  # per decoding loop: (steps run, tokens each row wrote before its end token)

    def generate_and_count(*args, **kwargs):
        out = generate(*args, **kwargs)
        ids = out[0] if isinstance(out, tuple) else out  # (ids, confidence) with return_confidence
        loops.append((len(steps.marks), (ids != model._end_id).sum(1).tolist()))  # marks: one per decoder call of this loop
        return out

    t = Timers(sync=predictor.device.type == "cuda")
    model.generate_summary = generate_and_count
    instrument(t, predictor)
    steps = StepClock(t)
    try:
        start = time.perf_counter()
        preds = predictor.predict(texts, batch_size=batch_size, summary=summary)
        wall = time.perf_counter() - start
    finally:
        t.restore()
        del model.generate_summary
    stages = t.grouped(stage_of)
    from newsdesk.cleaning import clean_text

    tok = predictor.tokenizer([clean_text(x) for x in texts], add_special_tokens=False, verbose=False)["input_ids"]
    windows = [int(next((w.split(":")[1] for w in p.warnings if w.startswith("windows:")), 1)) for p in preds]
    result = {
        "articles": len(texts), "wall_s": wall, "timed_s": t.total(), "stages": stages, "missing": t.missing,
        "mean_words": sum(len(x.split()) for x in texts) / max(len(texts), 1),
        "mean_tokens": sum(len(x) for x in tok) / max(len(tok), 1),
        "mean_windows": sum(windows) / max(len(windows), 1),
        "steps": steps.rows() + row_steps(loops),
        "calls": {"/".join(p): n for p, n in t.calls.items()},
    }
    if torch_profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            predictor.predict(texts[:batch_size], batch_size=batch_size, summary=summary)
        result["torch_ops"] = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20)
    return result


def stage_table(name: str, r: dict[str, Any]) -> list[str]:
    n = max(r["articles"], 1)
    total = sum(r["stages"].values()) or 1e-9
    rows = [f"**{name}**: {r['articles']} articles, {r['mean_words']:.0f} words, {r['mean_tokens']:.0f} tokens, "
            f"{r['mean_windows']:.2f} windows per article; {r['wall_s']:.2f} s wall, {n / r['wall_s']:.2f} articles/s",
            "", "| stage | ms per article | share | share of the labels stages | what |", "|---|---:|---:|---:|---|"]
    labels_total = sum(v for k, v in r["stages"].items() if k not in SUMMARY_ONLY) or 1e-9
    lab = lambda stage, s: "" if stage in SUMMARY_ONLY else f"{100 * s / labels_total:.1f}%"  # noqa: E731
    for stage, what in STAGES.items():
        s = r["stages"].get(stage, 0.0)
        if s > 0:
            rows.append(f"| {stage} | {1000 * s / n:.2f} | {100 * s / total:.1f}% | {lab(stage, s)} | {what} |")
    for stage in sorted(set(r["stages"]) - set(STAGES)):
        s = r["stages"][stage]
        rows.append(f"| {stage} | {1000 * s / n:.2f} | {100 * s / total:.1f}% | {lab(stage, s)} | |")
    glue = sum(r["stages"].get(g, 0.0) for g in GLUE)
    glue_l = sum(r["stages"].get(g, 0.0) for g in GLUE if g not in SUMMARY_ONLY)
    rows.append(f"| **Python overhead** (the glue rows) | {1000 * glue / n:.2f} | {100 * glue / total:.1f}% | "
                f"{100 * glue_l / labels_total:.1f}% | |")
    rows.append(f"| untimed (outside predict) | {1000 * max(r['wall_s'] - total, 0) / n:.2f} | "
                f"{100 * max(r['wall_s'] - total, 0) / r['wall_s']:.1f}% of wall | | |")
    return rows


def efficiency_rows(effs: dict[str, dict]) -> list[str]:
    rows = ["| articles | encoder batches | real tokens | padding | newsdesk labels tok/s | bare AutoModel tok/s | "
            "efficiency | encoder share of labels time | encoder inside newsdesk, tok/s vs bare |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, e in effs.items():
        rows.append(f"| {name} | {e['batches']} | {e['real_tokens']} | {100 * (1 - e['real_tokens'] / max(e['padded_tokens'], 1)):.1f}% "
                    f"| {e['labels_tok_s']:.0f} | {e['bare_tok_s']:.0f} | **{100 * e['efficiency']:.0f}%** "
                    f"| {100 * e['encoder_share_of_labels']:.0f}% | {100 * e['inside_vs_bare']:.0f}% |")
    return rows


# ----------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="runs/default/model", help="trained model directory")
    p.add_argument("--data", nargs="+", help=f"JSONL/CSV/Parquet files (default: {' '.join(DEFAULT_DATA)} when present, "
                   f"else {' '.join(FALLBACK_DATA)})")
    p.add_argument("--limit", type=int, default=128, help="articles per type (default 128)")
    p.add_argument("--short-words", type=int, default=80, help="short notes have at most this many words (default 80)")
    p.add_argument("--long-words", type=int, default=300, help="long articles have at least this many words (default 300)")
    p.add_argument("--batch-size", type=int, default=16, help="articles per batch (Predictor.score; default 16)")
    p.add_argument("--dtype", default="fp32", help="fp32 | bf16 | int8 | auto (default fp32)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    p.add_argument("--no-summary", action="store_true", help="profile the labels path only")
    p.add_argument("--repeats", type=int, default=1, help="encoder-efficiency timings: best of N (default 1)")
    p.add_argument("--torch-profile", action="store_true", help="also print torch.profiler's top ops for one batch per type")
    p.add_argument("--json", help="write the raw figures to this file")
    args = p.parse_args(argv)
    os.chdir(REPO)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from speed import machine

    from newsdesk.predictor import Predictor

    data = args.data or ([d for d in DEFAULT_DATA if Path(d).is_file()] or FALLBACK_DATA)
    types = split_types(load_raw(data), args.short_words, args.long_words, args.limit)
    # the decoder's path is what this profiles (summary_mode "lead" does no decoding)
    predictor = Predictor.load(args.model, device=args.device, dtype=args.dtype, generation={"summary_mode": "abstractive"})
    warm = [r["text"] for rs in types.values() for r in rs[:2]]
    if warm:
        predictor.predict(warm, batch_size=args.batch_size)
    header = [f"machine: {machine()}",
              f"model {args.model}, dtype {predictor.dtype}, batch size {args.batch_size} articles, torch threads {torch.get_num_threads()}, "
              f"windows of {predictor.config.max_length} tokens (stride {predictor.config.stride}); data {' '.join(data)}", ""]
    print("\n".join(header), flush=True)
    results, effs, out = {}, {}, list(header)
    for name, records in types.items():
        if not records:
            print(f"{name}: no articles in the data", file=sys.stderr)
            continue
        r = profile_type(predictor, records, args.batch_size, not args.no_summary, args.torch_profile)
        results[name] = r
        lines = stage_table(name, r) + [""] + r["steps"] + [""]
        if r.get("torch_ops"):
            lines += ["torch.profiler, one batch:", "```", r["torch_ops"], "```", ""]
        print("\n".join(lines), flush=True)
        out += lines
        effs[name] = encoder_efficiency(predictor, [x["text"] for x in records], args.batch_size, args.repeats)
    if results and results[next(iter(results))]["missing"]:
        print("not found (not timed): " + ", ".join(sorted(set(results[next(iter(results))]["missing"]))), file=sys.stderr)
    if effs:
        lines = ["Encoder efficiency (labels path, summary off): " + next(iter(effs.values()))["bare"], ""] + efficiency_rows(effs)
        print("\n".join(lines))
        out += lines
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    if args.json:
        Path(args.json).write_text(json.dumps({"header": header, "types": results, "encoder_efficiency": effs}, indent=1, default=str),
                                   encoding="utf-8")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())

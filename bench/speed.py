#!/usr/bin/env python
"""Speed benchmark: articles/s for labels (+ one-line summary), a plain Hugging Face baseline vs newsdesk.

    python bench/speed.py                                   # data/dev.jsonl + data/train.jsonl (210 records)
    python bench/speed.py --data ../shared/data/acled/dev.jsonl ../shared/data/insightcrime/dev.jsonl --limit 1000
    python bench/speed.py --train-timing                    # also time the default training run, fp32 vs bf16

Every mode runs in its own subprocess on the same cleaned articles (so peak RSS is per mode):

  baseline  what a user would write without newsdesk: a `transformers.pipeline("text-classification",
            top_k=None)` over the trained encoder+heads (wrapped as a sequence-classification model;
            the article truncated to the model's max_length), then a text2text-style `generate` on the
            same seq2seq weights (`model.backbone`), one article at a time (batch size 1), fp32, no
            article-bound vocabulary. Its logits go through the model's own calibration/thresholds.
  fp32      newsdesk `Predictor.score` + `decide` (the code path of `newsdesk infer`): overlapping
            windows, length-sorted batches, one encoder pass for labels and summary
  int8      the same with dynamic int8 quantisation of every Linear layer (CPU)
  bf16      the same under bf16 autocast: only on CPUs with native bf16 (AVX512-BF16/AMX) or a GPU;
            elsewhere it is emulated and many times slower, and is skipped unless --force-bf16 N
  fp16      the same under fp16 autocast (GPU only: --device cuda)
  DTYPE/lead+K  a newsdesk mode reading only the first K+1 windows of each article (DTYPE/lead: the
            first window), e.g. fp32/lead+1, bf16/lead: a window policy (bench/window_policy.py), the
            predictor's `max_windows` option (`infer.py --max-windows K+1`)

Summaries: the newsdesk modes write what the model serves (its `summary_mode`: the decoder, or the
lead clause with no decoding, then the table says "lead summaries"); `--summary-mode abstractive`
measures the decoder whatever the model serves.

The table gives articles/s with and without summaries, the ratio to the baseline (within this run,
on the same articles), peak RSS, the **accuracy** of every mode against the gold labels of the
records that have them (`newsdesk.evaluation.task_metrics`, as `newsdesk eval`: region macro-F1,
event-type macro-F1, actor micro-F1 over the model's actor labels, ROUGE-L F1 of the summaries of
the records with a reference summary), the tasks where a mode scores below the baseline, and the
agreement with newsdesk fp32 (share of article x task decisions -- region, event-type set, actor
set -- identical to fp32's). The machine line names the CPU and whether it has AVX512-BF16 / AMX.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from itertools import zip_longest
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

MODES = ("baseline", "fp32", "int8", "bf16", "fp16")
DEFAULT_MODES = {"cpu": "baseline,fp32,int8,bf16", "cuda": "baseline,fp32,bf16,fp16"}
DEFAULT_DATA = [REPO / "data" / "dev.jsonl", REPO / "data" / "train.jsonl"]
from newsdesk.tasks import TASKS  # noqa: E402


# ----------------------------------------------------------------------------- data
def load_articles(data: list[str] | None, limit: int | None) -> list[dict]:
    """Cleaned labelled records, round-robin over the given files, first `limit`."""
    import logging

    from newsdesk.cleaning import clean_text
    from newsdesk.data import load_records

    logging.getLogger("newsdesk").setLevel(logging.ERROR)
    paths = [Path(p) for p in data] if data else DEFAULT_DATA
    per_file = [load_records([p], None, "benchmark") for p in paths]
    out = []
    for group in zip_longest(*per_file):
        for r in group:
            if r is not None:
                text = clean_text(r.get("text"))
                if text:
                    out.append({**r, "text": text})
    return out[:limit] if limit else out


# ----------------------------------------------------------------------------- the baseline
class Baseline:
    """Two plain Hugging Face calls per article, batch size 1, fp32 (see the module docstring)."""

    def __init__(self, model_dir: str, device: str = "cpu"):
        import torch
        from transformers import PreTrainedModel, pipeline
        from transformers.modeling_outputs import SequenceClassifierOutput

        from newsdesk.predictor import Predictor

        torch.set_grad_enabled(False)
        self.predictor = Predictor.load(model_dir, device=device, dtype="fp32")  # also for calibration + thresholds
        model, tok, cfg = self.predictor.model, self.predictor.tokenizer, self.predictor.config
        self.sizes = [len(cfg.labels[t]) for t in TASKS]
        names = [f"{t}:{l}" for t in TASKS for l in cfg.labels[t]]
        self.device = dev = self.predictor.device
        special = torch.tensor(sorted(tok.all_special_ids), device=dev)

        class NewsdeskForSequenceClassification(PreTrainedModel):
            """The trained encoder + heads (+ lexical layer) as one sequence classifier: all logits concatenated."""

            config_class = type(cfg)

            def __init__(self, inner):
                super().__init__(inner.config)
                self.inner = inner

            def forward(self, input_ids, attention_mask=None, token_type_ids=None, **_):
                lex = input_ids[0][~torch.isin(input_ids[0], special)].unique()
                out = self.inner(input_ids, attention_mask, lexical_ids=lex, lexical_offsets=torch.zeros(1, dtype=torch.long, device=dev))
                return SequenceClassifierOutput(logits=torch.cat([out.logits[t] for t in TASKS], 1))

        from transformers.utils import logging as hf_logging

        clf_model = NewsdeskForSequenceClassification(model).eval()
        clf_model.config.id2label = dict(enumerate(names))
        clf_model.config.label2id = {n: i for i, n in enumerate(names)}
        level = hf_logging.get_verbosity()
        hf_logging.set_verbosity(hf_logging.CRITICAL)  # "model ... is not supported for text-classification": a wrapper
        self.classify = pipeline("text-classification", model=clf_model, tokenizer=tok, device=dev, top_k=None,
                                 function_to_apply="none")
        hf_logging.set_verbosity(level)
        self.seq2seq, self.tok = model.backbone.eval(), tok
        g = model.summary_settings  # the model's generation_config.json
        self.gen = dict(max_new_tokens=int(g.max_new_tokens), min_new_tokens=int(g.min_new_tokens or 0),
                        num_beams=int(g.num_beams), do_sample=False)
        self.max_length = cfg.max_length

    def labels(self, texts: list[str]) -> list:
        import numpy as np

        from newsdesk.predictor import Scored

        index = {n: i for i, n in self.classify.model.config.id2label.items()}
        out = []
        for i, text in enumerate(texts):  # one article at a time, as a user's loop would
            (scores,) = self.classify([text], batch_size=1, truncation=True, max_length=self.max_length)
            logits = np.zeros(sum(self.sizes), dtype=np.float32)
            for s in scores:
                logits[index[s["label"]]] = s["score"]
            r, e = self.sizes[0], self.sizes[0] + self.sizes[1]
            out.append(self.predictor.decide(Scored(dict(zip(TASKS, (logits[:r], logits[r:e], logits[e:]))), 1), str(i)))
        return out

    def summaries(self, texts: list[str]) -> list[str]:
        out = []
        for text in texts:  # what transformers' text2text-generation pipeline did (removed in transformers 5)
            enc = self.tok(text, return_tensors="pt", truncation=True, max_length=self.max_length)
            ids = self.seq2seq.generate(input_ids=enc["input_ids"].to(self.device),
                                        attention_mask=enc["attention_mask"].to(self.device), **self.gen)
            out.append(self.tok.decode(ids[0], skip_special_tokens=True, clean_up_tokenization_spaces=True).strip())
        return out


def lead_windows(policy: str) -> int | None:
    """"lead" -> 1, "lead+K" -> K + 1 windows per article; None for anything else."""
    if policy == "lead":
        return 1
    if policy.startswith("lead+") and policy[5:].isdigit():
        return int(policy[5:]) + 1
    return None


# ----------------------------------------------------------------------------- one mode (subprocess)
def worker(args) -> None:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    records = load_articles(args.data, args.limit)
    if args.mode.partition("/")[0] == "bf16" and args.force_bf16:
        records = records[: args.force_bf16]
    texts = [r["text"] for r in records]
    warm = texts[:2]
    t0 = time.perf_counter()
    if args.mode == "baseline":
        base = Baseline(args.model, args.device)
        load_s = time.perf_counter() - t0
        summary_mode = "abstractive"  # the baseline's generate
        base.summaries(warm)
        base.labels(warm)
        t = time.perf_counter()
        preds = base.labels(texts)
        labels_s = time.perf_counter() - t
        t = time.perf_counter()
        summaries = base.summaries(texts)
        full_s = labels_s + (time.perf_counter() - t)  # the two pipelines, one after the other
        for p, s in zip(preds, summaries):
            p.summary = s
    else:
        from newsdesk.predictor import Predictor

        from contextlib import nullcontext

        from window_policy import max_windows

        dtype, _, policy = args.mode.partition("/")
        # --summary-mode model: what the model directory serves (generation_config.json's summary_mode);
        # abstractive: the decoder writes every summary; lead: the lead clause, no decoding
        gen = None if args.summary_mode == "model" else {"summary_mode": args.summary_mode}
        pred = Predictor.load(args.model, device=args.device, dtype=dtype, generation=gen)
        load_s = time.perf_counter() - t0
        summary_mode = pred.summary_mode

        def label(summary: bool):
            with max_windows(pred, lead_windows(policy)) if policy else nullcontext():
                scored = pred.score(texts, batch_size=args.batch_size, summary=summary, clean=False)
            return [pred.decide(s, str(i)) for i, s in enumerate(scored)]

        pred.score(warm, batch_size=args.batch_size, summary=True, clean=False)
        t = time.perf_counter()
        label(False)
        labels_s = time.perf_counter() - t
        t = time.perf_counter()
        preds = label(True)
        full_s = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None
    result = {
        "mode": args.mode, "n": len(texts), "load_s": load_s, "labels_s": labels_s, "full_s": full_s, "rss_mb": rss_mb, "gpu_mb": gpu_mb,
        "summary_mode": summary_mode, "threads": torch.get_num_threads(), "quality": quality(preds, records, base.predictor if args.mode == "baseline" else pred),
        "preds": [{"region": p.region, "event_types": sorted(p.event_types or []), "actors": sorted(p.actors or []),
                   "summary": p.summary} for p in preds],
    }
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")


# ----------------------------------------------------------------------------- the table
def agreement(a: list[dict], b: list[dict], tasks=TASKS) -> float:
    same = sum(x[t] == y[t] for x, y in zip(a, b) for t in tasks)
    return 100 * same / max(1, len(a) * len(tasks))


# quality columns: (key in `quality()`, header)
QUALITY = (("region_macro_f1", "region macro-F1"), ("event_types_macro_f1", "event-type macro-F1"),
           ("actors_micro_f1", "actor micro-F1"), ("rougeL", "ROUGE-L"))


def quality(preds: list, records: list[dict], predictor) -> dict[str, float | int | None]:
    """Accuracy against the gold labels of the records that carry them, with `newsdesk eval`'s metric
    code (`task_metrics`): multi-label scores over the model's label sets (event types with the
    few-shot labels, actors = the catalogue the heads know), gold actors through the model's alias
    table. None where no record is labelled for the task; `n_*` = records scored."""
    from newsdesk.data import LabelMaps
    from newsdesk.evaluation import task_metrics

    labels = {t: list(predictor.labels[t]) for t in TASKS}
    canonical = LabelMaps({}, dict(predictor.aliases)).canonical_actor
    m = task_metrics(preds, records, labels, canonical, per_label=False)
    out: dict[str, float | int | None] = {}
    for key, (task, metric) in {"region_macro_f1": ("region", "macro_f1"), "event_types_macro_f1": ("event_types", "macro_f1"),
                                "actors_micro_f1": ("actors", "micro_f1"), "rougeL": ("summary", "rougeL")}.items():
        out[key] = float(m[task][metric]) if task in m else None
        out[f"n_{key}"] = int(m[task]["n"]) if task in m else 0
    return out


def below(q: dict, base: dict, tol: float = 0.0) -> list[str]:
    """Headers of the quality columns where `q` is lower than `base` by more than `tol`."""
    return [h for k, h in QUALITY if q.get(k) is not None and base.get(k) is not None and q[k] < base[k] - tol]


def cpu_info() -> dict[str, Any]:
    """CPU model name (lscpu, /proc/cpuinfo), cores, and the instruction sets that decide the dtype."""
    from newsdesk.device import cpu_has_native_bf16

    name, flags = platform.processor() or "?", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name") and name in ("?", "x86_64", ""):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                name = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"name": name, "cores": os.cpu_count(), "avx2": "avx2" in flags, "avx512f": "avx512f" in flags,
            "avx512_bf16": "avx512_bf16" in flags, "amx": bool(flags & {"amx_bf16", "amx_tile"}),
            "native_bf16": cpu_has_native_bf16()}


def machine() -> str:
    import torch

    c = cpu_info()
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (f"CPU {c['name']}, {c['cores']} cores, AVX2 {yes(c['avx2'])}, AVX-512 {yes(c['avx512f'])}, "
            f"AVX512-BF16 {yes(c['avx512_bf16'])}, AMX {yes(c['amx'])} (native bf16: {yes(c['native_bf16'])}), "
            f"{mem:.0f} GiB RAM{gpu}, torch {torch.__version__}; load average at start {os.getloadavg()[0]:.1f}")


def table(results: dict[str, dict], records: list[dict]) -> list[str]:
    """The markdown table: speed, ratios to the baseline of this run, accuracy, agreement with fp32."""
    base = results.get("baseline")
    ref = results.get("fp32")
    head = " | ".join(h for _, h in QUALITY)
    rows = [f"| mode | articles | labels art/s | x baseline | labels+summary art/s | x baseline | peak RSS MB | {head} "
            "| below baseline | agreement vs fp32 (region / events / actors) |",
            "|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(QUALITY) + "---|---:|"]
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for mode, r in results.items():
        lab, full = r["n"] / r["labels_s"], r["n"] / r["full_s"]
        n = r["n"]
        same = base is not None and base["n"] == n  # ratios and comparisons only on the same articles
        xb_l = f"{lab / (base['n'] / base['labels_s']):.1f}x" if same else "-"
        xb_f = f"{full / (base['n'] / base['full_s']):.1f}x" if same else "-"
        agree = "-"
        if ref:
            per = " / ".join(f"{agreement(r['preds'], ref['preds'][:n], (t,)):.1f}" for t in TASKS)
            agree = f"{agreement(r['preds'], ref['preds'][:n]):.1f}% ({per})"
        q = r.get("quality") or {}
        low = "-" if mode == "baseline" or not same else (", ".join(below(q, base.get("quality") or {})) or "none")
        sm = "" if mode == "baseline" or r.get("summary_mode", "abstractive") == "abstractive" else f", {r['summary_mode']} summaries"
        rows.append(f"| {mode}{' (first %d)' % n if ref and n < ref['n'] else ''}{sm} | {n} | {lab:.1f} | {xb_l} | {full:.2f} | {xb_f} "
                    f"| {r['rss_mb']:.0f} | " + " | ".join(fmt(q.get(k)) for k, _ in QUALITY) + f" | {low} | {agree} |")
    any_q = next((r.get("quality") for r in results.values() if r.get("quality")), None)
    if any_q:
        rows.append("")
        rows.append("Gold records scored: " + ", ".join(f"{h} {any_q.get('n_' + k, 0)}" for k, h in QUALITY)
                    + " (actor micro-F1 over the model's actor labels; ROUGE-L over the records with a reference summary).")
    return rows


# ----------------------------------------------------------------------------- training timing
def train_timing(args) -> list[str]:
    from newsdesk.device import cpu_has_native_bf16

    rows = ["| training (configs/default.yaml) | precision | steps | examples/s | train s | wall s |", "|---|---|---:|---:|---:|---:|"]
    full = Path(args.model) / "metrics.json"
    if full.is_file():
        t = json.loads(full.read_text(encoding="utf-8"))["train"]
        rows.append(f"| full run that made {args.model} | {t['mixed_precision']} | {t['steps']} | {t['train_examples_per_s']:.2f} "
                    f"| {t['train_seconds']:.0f} | - |")
    precisions = ['"no"']  # quoted: a bare `no` is YAML for False
    if cpu_has_native_bf16() or args.force_bf16:
        precisions.append("bf16")
    else:
        print("bf16 training: skipped, no native bf16 on this CPU (emulated bf16 is ~20x slower than fp32 here; "
              "--force-bf16 N to time it anyway)", file=sys.stderr)
    for mp in precisions:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "train.py", "--config", "configs/default.yaml", "--output_dir", tmp,
                   "--train.max_steps", str(args.train_steps), "--train.epochs", "1", "--data.dev", "[]",
                   "--train.mixed_precision", mp]
            print("$ " + " ".join(cmd[1:]), file=sys.stderr)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                rows.append(f"| {args.train_steps} steps | {mp} | failed | | | {wall:.0f} |")
                continue
            t = json.loads((Path(tmp) / "model" / "metrics.json").read_text(encoding="utf-8"))["train"]
            label = "fp32" if mp == '"no"' else mp
            rows.append(f"| {args.train_steps} steps, no dev eval | {label} | {t['steps']} "
                        f"| {t['train_examples_per_s']:.2f} | {t['train_seconds']:.1f} | {wall:.0f} |")
    if not (cpu_has_native_bf16() or args.force_bf16):
        rows.append("| bf16 | bf16 | skipped: no native bf16 on this CPU | | | |")
    return rows


# ----------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="runs/default/model", help="trained model directory (default runs/default/model)")
    p.add_argument("--data", nargs="+", help="labelled JSONL/CSV/Parquet files (default: data/dev.jsonl data/train.jsonl); "
                   "several files are interleaved")
    p.add_argument("--limit", type=int, help="use the first N articles (e.g. 1000)")
    p.add_argument("--batch-size", type=int, default=16, help="newsdesk windows per forward pass (default 16)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device of every mode, the baseline's included (default cpu)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads per mode (default: torch's choice, one per core); use 1 when other jobs share the cores")
    p.add_argument("--modes", help="comma-separated subset of " + ",".join(MODES) + " (default: "
                   + "; ".join(f"{k}: {v}" for k, v in DEFAULT_MODES.items()) + ")")
    p.add_argument("--force-bf16", type=int, default=0, metavar="N",
                   help="run bf16 on the first N articles even without native bf16 (emulated: slow)")
    p.add_argument("--train-timing", action="store_true", help="also time a few steps of the default training, fp32 vs bf16")
    p.add_argument("--train-steps", type=int, default=4, help="training steps per precision for --train-timing (default 4)")
    p.add_argument("--summary-mode", default="model", choices=["model", "abstractive", "lead"],
                   help="summaries of the newsdesk modes: the model's own summary_mode (default), the decoder "
                        "(abstractive) or the lead clause (lead, no decoding); the baseline always decodes")
    p.add_argument("--json", help="write all results (with per-article predictions) to this file")
    p.add_argument("--mode", help=argparse.SUPPRESS)  # internal: run one mode
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    os.chdir(REPO)
    if args.mode:
        worker(args)
        return 0

    from newsdesk.device import cpu_has_native_bf16

    modes = [m.strip() for m in (args.modes or DEFAULT_MODES[args.device]).split(",") if m.strip()]
    bad = [m for m in modes if m.partition("/")[0] not in MODES or (
        "/" in m and (m.startswith("baseline") or lead_windows(m.partition("/")[2]) is None))]
    if bad:
        p.error(f"unknown mode(s) {', '.join(bad)}; choose from {', '.join(MODES)}, or DTYPE/lead, DTYPE/lead+K")
    for m in list(modes):
        base = m.partition("/")[0]
        if base == "bf16" and args.device == "cpu" and not cpu_has_native_bf16() and not args.force_bf16:
            print(f"{m}: skipped, no native bf16 on this CPU (emulated bf16 is ~20x slower than fp32; "
                  "--force-bf16 N times it on N articles)", file=sys.stderr)
            modes.remove(m)
        elif (base == "fp16" and args.device != "cuda") or (base == "int8" and args.device != "cpu"):
            print(f"{m}: skipped, {'GPU' if base == 'fp16' else 'CPU'} only", file=sys.stderr)
            modes.remove(m)
    records = load_articles(args.data, args.limit)
    print(f"machine: {machine()}", file=sys.stderr)
    print(f"articles: {len(records)} from {', '.join(args.data or [str(p.relative_to(REPO)) for p in DEFAULT_DATA])}; "
          f"model {args.model}", file=sys.stderr)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            out = Path(tmp) / f"{mode.replace('/', '_')}.json"
            cmd = [sys.executable, __file__, "--mode", mode, "--result", str(out), "--model", args.model,
                   "--batch-size", str(args.batch_size), "--device", args.device, "--force-bf16", str(args.force_bf16), "--threads", str(args.threads),
                   "--summary-mode", args.summary_mode]
            cmd += (["--data", *args.data] if args.data else []) + (["--limit", str(args.limit)] if args.limit else [])
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                print(f"{mode}: failed\n{proc.stderr[-4000:]}", file=sys.stderr)
                continue
            results[mode] = json.loads(out.read_text(encoding="utf-8"))
            r = results[mode]
            print(f"{mode}: {r['n']} articles, labels {r['labels_s']:.1f} s, labels+summary {r['full_s']:.1f} s, "
                  f"load {r['load_s']:.1f} s, peak RSS {r['rss_mb']:.0f} MB"
                  + (f", peak GPU memory {r['gpu_mb']:.0f} MB" if r.get("gpu_mb") else "")
                  + f" ({time.perf_counter() - t0:.0f} s in all)",
                  file=sys.stderr)
    lines = [f"machine: {machine()}", f"articles: {len(records)}, batch size {args.batch_size} (newsdesk modes), "
             f"torch threads {next(iter(results.values()))['threads'] if results else '?'}", ""] + table(results, records)
    if args.train_timing:
        lines += [""] + train_timing(args)
    print("\n".join(lines))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "results": results}, indent=1), encoding="utf-8")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())

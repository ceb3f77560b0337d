"""The summary phase: decoder epochs on headline pairs with the (label-trained) encoder frozen.

    best model of the label epochs ──encoder (frozen, once)──▶ first-window states of every summary
    record, kept in memory ──▶ epochs of decoder + copy-head training on them (a capped sample per
    epoch) ──▶ dev ROUGE-L each epoch ──▶ the best decoder is saved with the encoder it was trained on

Why a phase: summary pairs (InsightCrime, Reuters, AG News, ~20k) outnumber the labelled notes and
cost a decoder pass each; with the encoder frozen they cost no encoder backward and each article is
encoded once for all epochs, and the label heads are untouched by them (`train.summary_epochs`).
Runs on the main process (other processes wait); a resumed run restarts the phase from the best
model saved so far (the decoder's optimiser state is not kept).
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from newsdesk.config import NonFiniteLoss
from newsdesk.data import pack_windows, summary_target, tokenize_windows

log = logging.getLogger("newsdesk")


@torch.no_grad()
def encode_sources(model, tokenizer, texts: list[str], max_length: int, batch_size: int, device, dtype, desc: str):
    """First-window token ids and encoder states of each text (states in `dtype`, on the CPU)."""
    from newsdesk.device import autocast

    toks = tokenize_windows(tokenizer, texts, max_length, 0)
    windows = [t["windows"][0] for t in toks]
    states: list[torch.Tensor | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(windows[i]))
    pad = tokenizer.pad_token_id or 0
    model.eval()
    with tqdm(total=len(texts), desc=desc, unit="art", dynamic_ncols=True) as bar:
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            ids, mask = pack_windows([windows[i] for i in idx], pad)
            with autocast(device, dtype):
                h = model.encode(ids.to(device), mask.to(device))
            for k, i in enumerate(idx):
                states[i] = h[k, : len(windows[i])].to(torch.bfloat16 if dtype == "bf16" else torch.float32).cpu()
            bar.update(len(idx))
    return windows, states


def train_summary_phase(accelerator, cfg, state, model_dir: Path, tokenizer, train_records, dev_records, maps, words,
                        checkpoint, evaluate, save, dtype: str) -> None:
    """`checkpoint(state)`, `evaluate(model, tokenizer, records, maps, cfg, words, n_summaries=...)` (dev
    metrics) and `save(model, tokenizer, model_dir, words)` come from newsdesk.training; `dtype` is the
    evaluation dtype (auto | fp32 | bf16 | fp16)."""
    from transformers import get_linear_schedule_with_warmup

    from newsdesk.device import autocast, resolve_dtype
    from newsdesk.model import NewsdeskModel

    if not accelerator.is_main_process:
        return
    t_cfg = cfg.train
    device = accelerator.device
    dtype = resolve_dtype(dtype, device)
    model = NewsdeskModel.from_pretrained(model_dir).to(device)
    for p in model.encoder().parameters():
        p.requires_grad_(False)
    start_id = model.backbone.config.decoder_start_token_id
    pairs = [r for r in train_records if r.get("summary")]
    if not pairs:
        log.warning("train.summary_epochs is set but no training record has a summary: the summary phase is skipped")
        return
    unique = list({id(r): r for r in pairs}.values())
    position = {id(r): k for k, r in enumerate(unique)}
    log.info("summary phase: %d headline pairs (%d with repeats), encoder frozen; encoding their first windows once",
             len(unique), len(pairs))
    windows, states = encode_sources(model, tokenizer, [r["text"] for r in unique], cfg.model.max_length,
                                     t_cfg.batch_size * 2, device, dtype, "encoding summary sources")
    targets = [summary_target(tokenizer, r["summary"], cfg.data.summary_max_tokens, start_id) for r in unique]
    sample = [position[id(r)] for r in pairs]  # repeats stay repeats
    per_epoch = t_cfg.summary_per_epoch or len(sample)
    bs = t_cfg.summary_batch_size
    steps = math.ceil(min(per_epoch, len(sample)) / bs) * t_cfg.summary_epochs
    params = [p for p in model.decoder_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=t_cfg.summary_lr or t_cfg.decoder_lr, weight_decay=t_cfg.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(t_cfg.warmup_ratio * steps), steps)
    rng = random.Random(t_cfg.seed)
    pad = tokenizer.pad_token_id or 0
    dev_pairs = [r for r in dev_records if r.get("summary")][: t_cfg.eval_summaries]
    while state.epoch < t_cfg.summary_epochs:
        rng.seed(t_cfg.seed + 1000 + state.epoch)
        chosen = rng.sample(sample, min(per_epoch, len(sample)))
        chosen.sort(key=lambda i: len(windows[i]))  # length groups, shuffled batches
        batches = [chosen[i : i + bs] for i in range(0, len(chosen), bs)]
        rng.shuffle(batches)
        model.train()
        t0, loss_sum = time.time(), 0.0
        bar = tqdm(batches, desc=f"summary epoch {state.epoch + 1}/{t_cfg.summary_epochs}", dynamic_ncols=True)
        for b in bar:
            ids, mask = pack_windows([windows[i] for i in b], pad)
            width = ids.shape[1]
            hidden = torch.zeros((len(b), width, states[b[0]].shape[-1]), dtype=states[b[0]].dtype)
            for k, i in enumerate(b):
                hidden[k, : states[i].shape[0]] = states[i]
            tw = max(len(targets[i]) for i in b)
            labels = torch.tensor([targets[i] + [-100] * (tw - len(targets[i])) for i in b])
            with autocast(device, dtype):
                loss = model.summary_loss(hidden.to(device), mask.to(device), ids.to(device), labels.to(device))
            if not torch.isfinite(loss):
                raise NonFiniteLoss(f"summary loss is {loss.item()} in the summary phase: lower train.summary_lr")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, t_cfg.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            loss_sum += loss.item()
            bar.set_postfix(loss=f"{loss.item():.3f}", ex_s=f"{len(b) * (bar.n + 1) / max(time.time() - t0, 1e-9):.1f}")
        bar.close()
        seconds = time.time() - t0
        state.train_seconds += seconds
        state.examples_seen += len(chosen)
        state.epoch += 1
        row = {"epoch": state.epoch, "train_loss": round(loss_sum / max(len(batches), 1), 4),
               "examples": len(chosen), "seconds": round(seconds, 1)}
        if dev_pairs:
            m = evaluate(model, tokenizer, dev_pairs, maps, cfg, words, n_summaries=len(dev_pairs))
            row.update({f"summary/{k}": round(float(v), 4) for k, v in m.get("summary", {}).items()
                        if isinstance(v, (int, float))})
        value = row.get("summary/rougeL", state.epoch)
        state.summary_history.append(row)
        log.info("summary epoch %d: %s", state.epoch, json.dumps(row))
        if value > state.summary_best:
            state.summary_best, state.summary_best_epoch = value, state.epoch
            save(model, tokenizer, model_dir, words)
        checkpoint(state)
    state.phase = "done"

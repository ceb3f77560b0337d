"""The training loop: one multi-task run with accelerate (CPU or GPU, one or many processes).

    setup(cfg)  -> accelerator, logging, seed          (litgpt style: setup() then main())
    main(...)   -> data, label maps, model, optimiser
                -> epochs: masked multi-task loss, checkpoints, dev eval, early stopping
                -> best model: calibration + thresholds on dev, metrics.json, model card

Run it with `python train.py --config configs/default.yaml` (or `newsdesk train ...`), or on
several processes with `accelerate launch --num_processes N train.py --config ...`.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from newsdesk import __version__
from newsdesk.calibration import fit_platt, fit_temperature, tune_thresholds, apply_platt
from newsdesk.config import Config, ConfigError, resolve_data_path, save_config
from newsdesk.data import (
    DataError, Example, LabelMaps, collate, length_grouped_batches, load_aliases, load_records, make_examples,
)
from newsdesk.device import mixed_precision_for_training, resolve_device
from newsdesk.evaluation import headline_table, task_metrics
from newsdesk.model import NewsdeskModel, create_model, idf_from_documents, pos_weight_from_counts, resolve_model_name

log = logging.getLogger("newsdesk")


@dataclass
class TrainState:
    """What a checkpoint needs besides weights and optimiser: where we are and what we have seen."""

    epoch: int = 0  # epochs finished
    step: int = 0  # optimizer steps done
    batch_in_epoch: int = 0  # batches of the current epoch already trained
    best: float = -math.inf
    best_epoch: int = -1
    bad_epochs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    train_seconds: float = 0.0
    examples_seen: int = 0


def setup(cfg: Config, resume: bool = False, overwrite: bool = False, command: str | None = None) -> Path:
    """Prepare accelerate, logging and seeds, then run `main`. Returns the model directory."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs, set_seed

    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO, datefmt="%H:%M:%S")
    device = resolve_device(cfg.train.device)
    mp = mixed_precision_for_training(cfg.train.mixed_precision, device)
    accelerator = Accelerator(
        cpu=device.type == "cpu",
        mixed_precision=mp,
        gradient_accumulation_steps=cfg.train.grad_accum,
        # batches without summaries leave the decoder unused: DDP must allow that
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
    )
    if not accelerator.is_main_process:
        logging.getLogger().setLevel(logging.WARNING)
    # accelerate logs every checkpoint file and warns about the decoder's tied output weights
    # (expected: they are re-tied on load); rouge_score logs its tokenizer choice
    logging.getLogger("accelerate").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.WARNING)
    set_seed(cfg.train.seed)
    return main(accelerator, cfg, resume=resume, overwrite=overwrite, command=command or " ".join(sys.argv))


def _check_output_dir(out: Path, resume: bool, overwrite: bool) -> None:
    ckpt = out / "checkpoint" / "trainer_state.json"
    if resume:
        if not ckpt.is_file():
            raise ConfigError(f"--resume: no checkpoint in {out} (expected {ckpt}); start without --resume")
        return
    if ckpt.is_file() and not overwrite:
        raise ConfigError(
            f"{out} holds an unfinished run (checkpoint at {ckpt.parent}): pass --resume to continue it, "
            "--overwrite to start over, or choose another --output_dir"
        )
    if (out / "model" / "config.json").is_file() and not overwrite:
        raise ConfigError(f"{out} already holds a trained model: pass --overwrite to replace it or choose another --output_dir")


def read_data(cfg: Config) -> tuple[list[dict], list[dict]]:
    d = cfg.data
    if not d.train:
        raise ConfigError("data.train is empty: give at least one training file")
    unknown = set(d.repeat) - set(d.train)
    if unknown:
        raise ConfigError(f"data.repeat names {', '.join(sorted(unknown))}, which is not in data.train")
    for entry in [*d.train, *d.dev]:
        if not resolve_data_path(entry, d.root).is_file():
            raise DataError(f"data file not found: {resolve_data_path(entry, d.root)} "
                            "(set --data.root to the folder holding it, or fix data.train/data.dev)")
    train = []
    for entry in d.train:
        train += load_records([resolve_data_path(entry, d.root)], d.max_train_records, "training") * d.repeat.get(entry, 1)
    for label, texts in d.label_descriptions.items():
        for k, text in enumerate(texts):
            train.append({"id": f"description:{label}:{k}", "text": text, "title": None, "region": None,
                          "event_types": [label], "actors": None, "summary": None})
    dev = load_records([resolve_data_path(p, d.root) for p in d.dev], d.max_dev_records, "dev") if d.dev else []
    return train, dev


def main(accelerator, cfg: Config, resume: bool = False, overwrite: bool = False, command: str = "") -> Path:
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    out = Path(cfg.output_dir)
    model_dir, ckpt_dir = out / "model", out / "checkpoint"
    _check_output_dir(out, resume, overwrite)
    t_cfg = cfg.train

    # ---- data and labels
    train_records, dev_records = read_data(cfg)
    aliases = load_aliases(resolve_data_path(cfg.data.actor_aliases, "{repo}") if cfg.data.actor_aliases else None)
    unique = list({id(r): r for r in train_records}.values())  # data.repeat repeats the same dicts
    maps = LabelMaps.build(unique, cfg.data.event_types, cfg.data.actor_min_count, aliases)
    log.info("training records %d (%d with repeats), dev records %d; labels: %d regions, %d event types, %d actors",
             len(unique), len(train_records), len(dev_records), len(maps.region), len(maps.event_types), len(maps.actors))

    # ---- model
    hf_logging.set_verbosity_error()  # warm-starting a decoder reports every new cross-attention weight
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_name(cfg.model.name))
    model = create_model(
        cfg.model.name, tokenizer, {"region": maps.region, "event_types": maps.event_types, "actors": maps.actors},
        summary=cfg.model.summary, lexical=cfg.model.lexical, pooling=cfg.model.pooling, dropout=cfg.model.dropout,
        max_length=cfg.model.max_length, stride=cfg.model.stride, generation=vars(cfg.generation).copy(),
        tiny=vars(cfg.model.tiny).copy(), newsdesk_version=__version__,
    )
    hf_logging.set_verbosity_warning()
    start_id = model.backbone.config.decoder_start_token_id if model.has_summary else None
    examples = make_examples(
        train_records, tokenizer, maps, cfg.model.max_length, cfg.model.stride, t_cfg.max_windows,
        cfg.data.summary_max_tokens, start_id,
    )
    if model.lexical is not None:
        model.idf.copy_(idf_from_documents([set(ex.lexical) for ex in examples], model.config.lexical_size))
    pos_weights = _pos_weights(examples, maps, cfg)

    # ---- optimiser
    groups = _param_groups(model, t_cfg)
    optimizer = torch.optim.AdamW(groups)
    world = accelerator.num_processes
    batches_per_epoch = len(examples) // (t_cfg.batch_size * world) or 1
    steps_per_epoch = max(1, batches_per_epoch // t_cfg.grad_accum)
    total_steps = t_cfg.max_steps or steps_per_epoch * t_cfg.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(t_cfg.warmup_ratio * total_steps), total_steps)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)

    state = TrainState()
    if resume:
        state = _load_checkpoint(accelerator, ckpt_dir, maps)
        log.info("resumed from %s: epoch %d, step %d", ckpt_dir, state.epoch, state.step)
    elif accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        if overwrite:
            shutil.rmtree(model_dir, ignore_errors=True)
            shutil.rmtree(ckpt_dir, ignore_errors=True)
    if accelerator.is_main_process:
        save_config(cfg, out / "train_config.yaml", command)

    device = accelerator.device
    pw = {k: (v.to(device) if v is not None else None) for k, v in pos_weights.items()}
    loss_weights = vars(t_cfg.loss)
    pad = tokenizer.pad_token_id or 0
    done = False
    while state.epoch < t_cfg.epochs and not done:
        batches = length_grouped_batches([ex.length for ex in examples], t_cfg.batch_size, t_cfg.seed + state.epoch)
        # each process takes every world-th batch; all take the same number of steps (DDP)
        batches = batches[: len(batches) // world * world or len(batches)][accelerator.process_index :: world]
        model.train()
        bar = tqdm(total=len(batches), initial=state.batch_in_epoch, desc=f"epoch {state.epoch + 1}/{t_cfg.epochs}",
                   disable=not accelerator.is_main_process, dynamic_ncols=True)
        t0, seen, running, loss_sum, loss_n = time.time(), 0, {}, 0.0, 0
        for b in range(state.batch_in_epoch, len(batches)):
            batch = collate([examples[i] for i in batches[b]], pad, len(maps.event_types), len(maps.actors))
            batch = {k: v.to(device) for k, v in batch.items()}
            with accelerator.accumulate(model):
                with accelerator.autocast():
                    output = model(**batch, event_pos_weight=pw["event_types"], actor_pos_weight=pw["actors"],
                                   loss_weights=loss_weights)
                accelerator.backward(output.loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), t_cfg.max_grad_norm)
                    state.step += 1
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            seen += len(batches[b]) * world
            loss_sum, loss_n = loss_sum + output.loss.item(), loss_n + 1
            state.batch_in_epoch = b + 1
            for k, v in output.losses.items():
                running[k] = 0.9 * running.get(k, v.item()) + 0.1 * v.item()
            rate = seen / max(time.time() - t0, 1e-9)
            bar.set_postfix(loss=f"{output.loss.item():.3f}", ex_s=f"{rate:.1f}")
            bar.update(1)
            if accelerator.is_main_process and state.step % t_cfg.log_every == 0 and accelerator.sync_gradients:
                log.info("step %d loss %.4f (%s) lr %.2e %.1f examples/s", state.step, output.loss.item(),
                         " ".join(f"{k} {v:.3f}" for k, v in running.items()), scheduler.get_last_lr()[0], rate)
            if t_cfg.checkpoint_every and state.step % t_cfg.checkpoint_every == 0 and accelerator.sync_gradients:
                _save_checkpoint(accelerator, ckpt_dir, state, maps, extra_seconds=time.time() - t0, extra_examples=seen)
            if t_cfg.max_steps and state.step >= t_cfg.max_steps:
                done = True
                break
        bar.close()
        state.train_seconds += time.time() - t0
        state.examples_seen += seen
        state.epoch += 1
        state.batch_in_epoch = 0
        # ---- dev evaluation, best model, early stopping
        stop = [done]
        if accelerator.is_main_process:
            unwrapped = accelerator.unwrap_model(model)
            # without dev data the last epoch is kept
            metrics = evaluate_model(unwrapped, tokenizer, dev_records, maps, cfg) if dev_records else {"score": state.epoch}
            row = {"epoch": state.epoch, "step": state.step, "train_loss": round(loss_sum / max(loss_n, 1), 4),
                   **headline_table(metrics),
                   "train_examples_per_s": round(seen / max(time.time() - t0, 1e-9), 2)}
            state.history.append(row)
            log.info("epoch %d dev: %s", state.epoch, json.dumps(row))
            value = headline_table(metrics).get(t_cfg.early_stopping_metric)
            if value is None and dev_records:
                raise ConfigError(
                    f"train.early_stopping_metric {t_cfg.early_stopping_metric!r} is not a dev metric; "
                    f"use 'score' or one of {', '.join(headline_table(metrics))}"
                )
            if value is None:
                value = state.epoch
            if value > state.best:
                state.best, state.best_epoch, state.bad_epochs = value, state.epoch, 0
                save_model(unwrapped, tokenizer, model_dir)
            else:
                state.bad_epochs += 1
                if state.bad_epochs >= t_cfg.patience:
                    log.info("early stopping: no dev improvement in %d epochs (best epoch %d)", t_cfg.patience, state.best_epoch)
                    stop[0] = True
            model.train()
        if world > 1:
            from accelerate.utils import broadcast_object_list

            broadcast_object_list(stop)
        done = stop[0]
        _save_checkpoint(accelerator, ckpt_dir, state, maps)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        finish(model_dir, tokenizer, dev_records, maps, cfg, state, command, accelerator)
        shutil.rmtree(ckpt_dir, ignore_errors=True)
    accelerator.wait_for_everyone()
    return model_dir


# ----------------------------------------------------------------------------- pieces
def _pos_weights(examples: list[Example], maps: LabelMaps, cfg: Config) -> dict[str, torch.Tensor | None]:
    out: dict[str, torch.Tensor | None] = {}
    loss = cfg.train.loss
    for task, mode, clip in (("event_types", loss.event_pos_weight, loss.event_pos_weight_clip),
                             ("actors", loss.actor_pos_weight, loss.actor_pos_weight_clip)):
        rows = [getattr(ex, task) for ex in examples if getattr(ex, task) is not None]
        if not rows or not maps.get(task):
            out[task] = None
            continue
        pos = torch.tensor(rows).sum(0)
        out[task] = pos_weight_from_counts(pos, len(rows), mode, clip)
    return out


def _param_groups(model: NewsdeskModel, t) -> list[dict[str, Any]]:
    """Encoder, heads, lexical layer and decoder each get their own learning rate."""
    part_of: dict[int, str] = {id(p): "encoder" for p in model.encoder().parameters()}
    for head in (model.region_head, model.event_head, model.actor_head):
        part_of.update({id(p): "heads" for p in head.parameters()})
    if model.lexical is not None:
        part_of.update({id(p): "lexical" for p in model.lexical.parameters()})
    groups: dict[tuple[str, bool], list] = {}
    for p in model.parameters():
        if p.requires_grad:
            part = part_of.get(id(p), "decoder")
            groups.setdefault((part, p.ndim >= 2 and part != "lexical"), []).append(p)
    lr = {"encoder": t.lr, "heads": t.head_lr, "lexical": t.lexical_lr, "decoder": t.decoder_lr}
    return [{"params": ps, "lr": lr[part], "weight_decay": t.weight_decay if decay else 0.0}
            for (part, decay), ps in groups.items()]


def _save_checkpoint(accelerator, ckpt_dir: Path, state: TrainState, maps: LabelMaps,
                     extra_seconds: float = 0.0, extra_examples: int = 0) -> None:
    accelerator.wait_for_everyone()
    accelerator.save_state(str(ckpt_dir / "state"), safe_serialization=True)
    if accelerator.is_main_process:
        snap = dict(vars(state))
        snap["train_seconds"] += extra_seconds
        snap["examples_seen"] += extra_examples
        payload = {"state": snap, "labels": {"region": maps.region, "event_types": maps.event_types, "actors": maps.actors}}
        tmp = ckpt_dir / "trainer_state.json.tmp"
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        tmp.replace(ckpt_dir / "trainer_state.json")
    accelerator.wait_for_everyone()


def _load_checkpoint(accelerator, ckpt_dir: Path, maps: LabelMaps) -> TrainState:
    payload = json.loads((ckpt_dir / "trainer_state.json").read_text(encoding="utf-8"))
    labels = payload["labels"]
    if labels != {"region": maps.region, "event_types": maps.event_types, "actors": maps.actors}:
        raise ConfigError(f"--resume: the label maps built from the data differ from the checkpoint's in {ckpt_dir}; "
                          "resume with the same data and config as the interrupted run")
    accelerator.load_state(str(ckpt_dir / "state"))
    return TrainState(**payload["state"])


def save_model(model: NewsdeskModel, tokenizer, model_dir: Path) -> None:
    """Weights (safetensors), config with labels/thresholds/generation settings, tokenizer."""
    model_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(model_dir, safe_serialization=True)
    tokenizer.save_pretrained(model_dir)


# ----------------------------------------------------------------------------- evaluation
def _gold_matrix(records: list[dict], task: str, labels: list[str], norm=lambda x: x) -> tuple[list[int], np.ndarray]:
    idx = [i for i, r in enumerate(records) if r.get(task) is not None]
    index = {l: j for j, l in enumerate(labels)}
    gold = np.zeros((len(idx), len(labels)), dtype=np.int64)
    for row, i in enumerate(idx):
        for label in records[i][task]:
            j = index.get(norm(label))
            if j is not None:
                gold[row, j] = 1
    return idx, gold


def fit_decisions(model: NewsdeskModel, scored: list, records: list[dict], maps: LabelMaps, cfg: Config) -> None:
    """Calibrate the heads and tune thresholds on dev; written into `model.config`."""
    c = model.config
    idx = [i for i, r in enumerate(records) if r.get("region") in maps.region]
    if cfg.train.calibrate and idx:
        logits = np.stack([scored[i].region_logits for i in idx])
        c.region_temperature = fit_temperature(logits, np.array([maps.region.index(records[i]["region"]) for i in idx]))
    for task, attr, cal_attr in (("event_types", "event_thresholds", "event_calibration"), ("actors", "actor_thresholds", "actor_calibration")):
        labels = maps.get(task)
        if not labels:
            continue
        idx, gold = _gold_matrix(records, task, labels, maps.canonical_actor if task == "actors" else (lambda x: x))
        logit_attr = "event_logits" if task == "event_types" else "actor_logits"
        logits = np.stack([getattr(scored[i], logit_attr) for i in idx]) if idx else np.zeros((0, len(labels)))
        calibration = fit_platt(logits, gold) if cfg.train.calibrate else [[1.0, 0.0]] * len(labels)
        setattr(c, cal_attr, calibration)
        thresholds = tune_thresholds(apply_platt(logits, calibration), gold) if cfg.train.tune_thresholds else [0.5] * len(labels)
        setattr(c, attr, thresholds)


def evaluate_model(model: NewsdeskModel, tokenizer, records: list[dict], maps: LabelMaps, cfg: Config,
                   n_summaries: int | None = None, per_label: bool = False) -> dict[str, Any]:
    """Dev metrics with calibration and thresholds fitted on the same dev data (as the saved model will be)."""
    from newsdesk.predictor import Predictor

    predictor = Predictor(model, tokenizer, device=str(next(model.parameters()).device.type),
                          dtype=resolve_dtype_for_eval(cfg))
    scored = predictor.score([r["text"] for r in records], batch_size=cfg.train.batch_size * 2, summary=False, clean=False)
    fit_decisions(model, scored, records, maps, cfg)
    preds = [predictor.decide(s, r["id"]) for s, r in zip(scored, records)]
    n = cfg.train.eval_summaries if n_summaries is None else n_summaries
    with_summary = [i for i, r in enumerate(records) if r.get("summary")][:n]
    if with_summary and model.has_summary:
        gen = predictor.score([records[i]["text"] for i in with_summary], batch_size=cfg.train.batch_size, summary=True, clean=False)
        for i, s in zip(with_summary, gen):
            preds[i].summary = s.summary
    labels = {"region": maps.region, "event_types": maps.event_types, "actors": maps.actors}
    return task_metrics(preds, records, labels, maps.canonical_actor, per_label=per_label)


def resolve_dtype_for_eval(cfg: Config) -> str:
    return {"no": "fp32", "auto": "auto"}.get(cfg.train.mixed_precision, cfg.train.mixed_precision)


def finish(model_dir: Path, tokenizer, dev_records, maps, cfg: Config, state: TrainState, command: str, accelerator) -> None:
    """Reload the best model, fit calibration/thresholds on dev, write metrics.json and the model card."""
    from newsdesk.card import write_model_card

    model = NewsdeskModel.from_pretrained(model_dir)
    final = evaluate_model(model, tokenizer, dev_records, maps, cfg, n_summaries=10**9, per_label=True) if dev_records else {}
    save_model(model, tokenizer, model_dir)
    save_config(cfg, model_dir / "train_config.yaml", command)
    info = {
        "newsdesk_version": __version__,
        "command": command,
        "best_epoch": state.best_epoch,
        "epochs_run": state.epoch,
        "steps": state.step,
        "train_seconds": round(state.train_seconds, 1),
        "train_examples_per_s": round(state.examples_seen / max(state.train_seconds, 1e-9), 2),
        "mixed_precision": accelerator.mixed_precision,
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "data": {"train": cfg.data.train, "dev": cfg.data.dev, "root": cfg.data.root},
        "labels": {"region": len(maps.region), "event_types": len(maps.event_types), "actors": len(maps.actors)},
    }
    payload = {"dev": final, "dev_headline": headline_table(final) if final else {}, "history": state.history, "train": info}
    (model_dir / "metrics.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    write_model_card(model_dir, model.config, payload, cfg)
    log.info("model saved to %s; dev: %s", model_dir, json.dumps(payload["dev_headline"]))

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

import torch
from tqdm.auto import tqdm

from newsdesk import __version__
from newsdesk.actors import weak_spans
from newsdesk.calibration import fit_article_thresholds, fit_decisions, tune_mention_threshold
from newsdesk.config import Config, ConfigError, NonFiniteLoss, resolve_data_path, save_config
from newsdesk.data import (
    DataError, Example, LabelMaps, collate, length_grouped_batches, load_aliases, load_records, make_examples, to_device,
)
from newsdesk.device import mixed_precision_for_training, resolve_device
from newsdesk.evaluation import headline_table, task_metrics
from newsdesk.model import NewsdeskModel, create_model, idf_from_documents, pos_weight_from_counts, resolve_model_name
from newsdesk.summary import SummaryWords
from newsdesk.tasks import MULTI_LABEL, TASKS
from newsdesk.triggers import trigger_spec
from newsdesk.truecase import case_forms

log = logging.getLogger("newsdesk")


@dataclass
class TrainState:
    """What a checkpoint needs besides weights and optimiser: where we are and what we have seen."""

    phase: str = "labels"  # "labels" (multi-task epochs), then "summary" (decoder epochs, encoder frozen)
    epoch: int = 0  # epochs finished (of the current phase)
    step: int = 0  # optimizer steps done
    batch_in_epoch: int = 0  # batches of the current epoch already trained
    epoch_loss_sum: float = 0.0  # summed batch losses of the current epoch so far (a resumed epoch reports its whole mean)
    epoch_loss_n: int = 0
    best: float = -math.inf
    best_epoch: int = -1
    bad_epochs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    train_seconds: float = 0.0
    examples_seen: int = 0
    summary_history: list[dict[str, Any]] = field(default_factory=list)
    summary_best: float = -math.inf
    summary_best_epoch: int = -1


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


CHECKPOINTS_KEPT = 2


def _checkpoints(ckpt_root: Path) -> list[Path]:
    """Complete checkpoints (their trainer_state.json written last), oldest first."""
    if not ckpt_root.is_dir():
        return []
    done = [p for p in ckpt_root.glob("step-*") if p.is_dir() and not p.name.endswith(".tmp") and (p / "trainer_state.json").is_file()]
    return sorted(done, key=lambda p: (json.loads((p / "trainer_state.json").read_text(encoding="utf-8"))["state"].get("phase") == "summary",
                                       int(p.name.split("-")[1].split(".")[0])))


def _check_output_dir(out: Path, resume: bool, overwrite: bool) -> None:
    ckpts = _checkpoints(out / "checkpoint")
    if resume:
        if not ckpts:
            raise ConfigError(f"--resume: no complete checkpoint in {out / 'checkpoint'}; start without --resume")
        return
    if ckpts and not overwrite:
        raise ConfigError(
            f"{out} holds an unfinished run (checkpoint at {ckpts[-1]}): pass --resume to continue it, "
            "--overwrite to start over, or choose another --output_dir"
        )
    if (out / "model" / "config.json").is_file() and not overwrite:
        raise ConfigError(f"{out} already holds a trained model: pass --overwrite to replace it or choose another --output_dir")


def read_data(cfg: Config) -> tuple[list[dict], list[dict]]:
    """Training records (files repeated as `data.repeat` says, label descriptions appended, weak
    mention spans for `data.mention_spans` files) and dev records."""
    d = cfg.data
    for entry in [*d.train, *d.dev]:
        if not resolve_data_path(entry, d.root).is_file():
            raise DataError(f"data file not found: {resolve_data_path(entry, d.root)} "
                            "(set --data.root to the folder holding it, or fix data.train/data.dev)")
    aliases = load_aliases(resolve_data_path(d.actor_aliases, "{repo}") if d.actor_aliases else None)
    train = []
    for entry in d.train:
        records = load_records([resolve_data_path(entry, d.root)], d.max_train_records, "training")
        if d.mention_spans.get(entry) == "match":
            for r in tqdm(records, desc=f"matching actor mentions in {entry}", unit="rec", dynamic_ncols=True):
                if r.get("actor_mentions") is None and r.get("actors"):
                    spans = weak_spans(r["text"], r["actors"], aliases)
                    if spans:
                        r["actor_mentions"], r["mentions_partial"] = spans, True
        train += records * d.repeat.get(entry, 1)
    dropped = set(d.drop_event_types)
    for label, texts in d.label_descriptions.items():
        for k, text in enumerate(texts):
            train.append({"id": f"description:{label}:{k}", "text": text, "title": None, "region": None,
                          "event_types": [label], "actors": None, "summary": None, "actor_mentions": None})
    dev = load_records([resolve_data_path(p, d.root) for p in d.dev], d.max_dev_records, "dev") if d.dev else []
    if dropped:
        for r in list({id(r): r for r in train}.values()) + dev:
            if r.get("event_types") is not None:
                r["event_types"] = [e for e in r["event_types"] if e not in dropped]
    return train, dev


def main(accelerator, cfg: Config, resume: bool = False, overwrite: bool = False, command: str = "") -> Path:
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    out = Path(cfg.output_dir)
    model_dir, ckpt_root = out / "model", out / "checkpoint"
    _check_output_dir(out, resume, overwrite)
    t_cfg = cfg.train

    # ---- data and labels
    train_records, dev_records = read_data(cfg)
    aliases = load_aliases(resolve_data_path(cfg.data.actor_aliases, "{repo}") if cfg.data.actor_aliases else None)
    unique = list({id(r): r for r in train_records}.values())  # data.repeat repeats the same dicts
    taxonomy = [e for e in cfg.data.event_types if e not in set(cfg.data.drop_event_types)]
    maps = LabelMaps.build(unique, taxonomy, cfg.data.actor_min_count, aliases)
    log.info("training records %d (%d with repeats), dev records %d; labels: %s", len(unique), len(train_records),
             len(dev_records), ", ".join(f"{len(maps.get(t))} {t}" for t in TASKS))
    _check_data_for_config(cfg, unique, dev_records)
    words = SummaryWords.learn([r["summary"] for r in unique if r.get("summary")], [r["text"] for r in unique])

    # ---- model
    hf_logging.set_verbosity_error()  # warm-starting a decoder reports every new cross-attention weight
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_name(cfg.model.name))
    places = sorted({p for r in unique for p in r.get("places") or []})
    model = create_model(cfg.model, tokenizer, maps.labels, generation=vars(cfg.generation).copy(), aliases=aliases, places=places,
                         newsdesk_version=__version__)
    from newsdesk.places import build_table, load_extra

    extra = load_extra(resolve_data_path(cfg.data.place_regions, "{repo}") if cfg.data.place_regions else None)
    model.config.place_regions = {"table": build_table(unique, extra), "beta": 0.0}  # beta: fitted on dev
    model.config.truecase = case_forms(r["text"] for r in unique)
    log.info("truecasing: %d cased word forms learnt from the training texts", len(model.config.truecase))
    model.config.triggers = {label: trigger_spec(spec) for label, spec in cfg.data.label_triggers.items()
                             if label in maps.labels["event_types"]}  # not a type dropped by data.drop_event_types
    hf_logging.set_verbosity_warning()
    phased = t_cfg.summary_epochs > 0 and model.has_summary
    start_id = model.backbone.config.decoder_start_token_id if model.has_summary else None
    label_records = [r for r in train_records if not phased or _has_labels(r)]
    examples = make_examples(
        [{**r, "summary": None} if phased else r for r in label_records], tokenizer, maps, cfg.model.max_length,
        cfg.model.stride, t_cfg.max_windows, cfg.data.summary_max_tokens, start_id,
    )
    if model.lexical is not None:
        model.idf.copy_(idf_from_documents([set(ex.lexical) for ex in examples], model.config.lexical_size))
    pos_weights = _pos_weights(examples, maps, cfg)

    # ---- optimiser; the schedule counts the optimizer steps one process takes (each process steps
    # the scheduler once per optimizer step, so N processes end where one process would)
    groups = _param_groups(model, t_cfg)
    optimizer = torch.optim.AdamW(groups)
    world, rank = accelerator.num_processes, accelerator.process_index
    lengths = [ex.length for ex in examples]
    steps_per_epoch = len(epoch_batches(lengths, t_cfg, 0, world, rank)) // t_cfg.grad_accum
    total_steps = steps_per_epoch * t_cfg.epochs
    if t_cfg.max_steps:
        total_steps = min(total_steps, t_cfg.max_steps)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(t_cfg.warmup_ratio * total_steps), total_steps)
    model, optimizer = accelerator.prepare(model, optimizer)
    accelerator.register_for_checkpointing(scheduler)

    state = TrainState()
    if resume:
        if accelerator.is_main_process:
            recover_model_dir(model_dir)
        state = _load_checkpoint(accelerator, ckpt_root, maps)
        log.info("resumed from %s: %s phase, epoch %d, step %d", ckpt_root, state.phase, state.epoch, state.step)
    elif accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        if overwrite:
            for path in (model_dir, model_dir.with_name("model.tmp"), model_dir.with_name("model.old"), ckpt_root):
                shutil.rmtree(path, ignore_errors=True)
    if accelerator.is_main_process:
        save_config(cfg, out / "train_config.yaml", command)

    device = accelerator.device
    pw = {k: (v.to(device) if v is not None else None) for k, v in pos_weights.items()}
    loss_weights = vars(t_cfg.loss)
    pad = tokenizer.pad_token_id or 0
    sizes = {t: len(maps.get(t)) for t in TASKS}
    done = state.phase != "labels"
    while state.epoch < t_cfg.epochs and not done:
        batches = epoch_batches(lengths, t_cfg, state.epoch, world, rank)
        model.train()
        bar = tqdm(total=len(batches), initial=state.batch_in_epoch, desc=f"epoch {state.epoch + 1}/{t_cfg.epochs}",
                   disable=not accelerator.is_main_process, dynamic_ncols=True)
        t0, seen, running, loss_sum, loss_n = time.time(), 0, {}, state.epoch_loss_sum, state.epoch_loss_n
        for b in range(state.batch_in_epoch, len(batches)):
            if t_cfg.max_steps and state.step >= t_cfg.max_steps:  # resumed from a checkpoint taken at max_steps
                done = True
                break
            batch = to_device(collate([examples[i] for i in batches[b]], pad, sizes), device)
            with accelerator.accumulate(model):
                with accelerator.autocast():
                    output = model(**batch, pos_weight=pw, loss_weights=loss_weights)
                if not torch.isfinite(output.loss):
                    raise NonFiniteLoss(
                        f"training loss is {output.loss.item()} in optimizer step {state.step + 1} (epoch {state.epoch + 1}, "
                        f"batch {b + 1}; losses: { {k: round(v.item(), 4) for k, v in output.losses.items()} }): lower the "
                        "learning rates (train.lr, train.head_lr, train.lexical_lr, train.decoder_lr) or check the data; "
                        "nothing was saved from this step")
                accelerator.backward(output.loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), t_cfg.max_grad_norm)
                optimizer.step()
                if accelerator.sync_gradients:
                    scheduler.step()
                    state.step += 1
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
                state.epoch_loss_sum, state.epoch_loss_n = loss_sum, loss_n
                _save_checkpoint(accelerator, ckpt_root, state, maps, extra_seconds=time.time() - t0, extra_examples=seen)
            if t_cfg.max_steps and state.step >= t_cfg.max_steps:
                done = True
                break
        bar.close()
        state.train_seconds += time.time() - t0
        state.examples_seen += seen
        state.epoch += 1
        state.batch_in_epoch, state.epoch_loss_sum, state.epoch_loss_n = 0, 0.0, 0
        # ---- dev evaluation, best model, early stopping
        stop = [done]
        if accelerator.is_main_process:
            unwrapped = accelerator.unwrap_model(model)
            # without dev data the last epoch is kept
            n_sum = 0 if phased else None
            metrics = evaluate_model(unwrapped, tokenizer, dev_records, maps, cfg, words, n_summaries=n_sum) if dev_records else {"score": state.epoch}
            row = {"epoch": state.epoch, "step": state.step, "lr": scheduler.get_last_lr()[0],
                   "train_loss": round(loss_sum / max(loss_n, 1), 4), **headline_table(metrics),
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
                save_model(unwrapped, tokenizer, model_dir, words)
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
        if done or state.epoch >= t_cfg.epochs:
            state.phase, state.epoch, done = ("summary" if phased else "done"), 0, True
        _save_checkpoint(accelerator, ckpt_root, state, maps)
    accelerator.wait_for_everyone()
    if phased and state.phase == "summary":
        from newsdesk.summary_phase import train_summary_phase

        train_summary_phase(accelerator, cfg, state, model_dir, tokenizer, train_records, dev_records, maps, words,
                            lambda st: _save_checkpoint(accelerator, ckpt_root, st, maps), evaluate=evaluate_model,
                            save=save_model, dtype=resolve_dtype_for_eval(cfg))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        finish(model_dir, tokenizer, dev_records, maps, cfg, state, command, accelerator, words)
        shutil.rmtree(ckpt_root, ignore_errors=True)
    accelerator.wait_for_everyone()
    return model_dir


def _has_labels(r: dict) -> bool:
    return any(r.get(k) is not None for k in (*TASKS, "actor_mentions"))


def epoch_batches(lengths: list[int], t, epoch: int, world: int = 1, rank: int = 0) -> list[list[int]]:
    """The batches process `rank` of `world` trains in `epoch` (length-grouped, seeded by seed + epoch).

    Every process takes the same number of batches (DDP needs it), a multiple of train.grad_accum,
    so each epoch ends on an optimizer step: no gradients are carried over an epoch's end (a checkpoint
    there would lose them) and the step count is known before training."""
    batches = length_grouped_batches(lengths, t.batch_size, t.seed + epoch)
    per = len(batches) // world
    per -= per % t.grad_accum
    if per == 0:
        raise ConfigError(
            f"{len(lengths)} training examples make {len(batches)} batches of train.batch_size {t.batch_size}: too few for "
            f"{world} process(es) x train.grad_accum {t.grad_accum}; lower train.batch_size or train.grad_accum")
    return batches[: per * world][rank::world]


def _check_data_for_config(cfg: Config, train: list[dict], dev: list[dict]) -> None:
    """Config checks that need the data, before the first step: the early-stopping metric must be
    measurable on dev, and label epochs need labelled records."""
    t = cfg.train
    task = t.early_stopping_metric.split("/")[0]
    if dev and task != "score" and not any(r.get(task) is not None for r in dev):
        raise ConfigError(f"train.early_stopping_metric {t.early_stopping_metric!r} cannot be measured: no dev record "
                          f"has a {task!r} label; use 'score' or a metric of a task the dev data labels")
    if not any(_has_labels(r) for r in train) and not (cfg.model.summary and t.summary_epochs == 0):
        raise DataError("no training record carries a region, event_types, actors or actor_mentions label "
                        + ("and model.summary is false: nothing to train" if not cfg.model.summary else
                           "for the label epochs (train.summary_epochs > 0 trains summaries after them): "
                           "set train.summary_epochs 0 to train the summaries with the label epochs"))


# ----------------------------------------------------------------------------- pieces
def _pos_weights(examples: list[Example], maps: LabelMaps, cfg: Config) -> dict[str, torch.Tensor | None]:
    out: dict[str, torch.Tensor | None] = {}
    loss = cfg.train.loss
    modes = {"event_types": (loss.event_pos_weight, loss.event_pos_weight_clip),
             "actors": (loss.actor_pos_weight, loss.actor_pos_weight_clip)}
    for task in MULTI_LABEL:
        mode, clip = modes[task]
        rows = [ex.labels[task] for ex in examples if task in ex.labels]
        if not rows or not maps.get(task):
            out[task] = None
            continue
        out[task] = pos_weight_from_counts(torch.tensor(rows).sum(0), len(rows), mode, clip)
    return out


def _param_groups(model: NewsdeskModel, t) -> list[dict[str, Any]]:
    """Encoder, heads (label and mention heads), lexical layer and decoder each get their own learning rate."""
    part_of: dict[int, str] = {id(p): "encoder" for p in model.encoder().parameters()}
    part_of.update({id(p): "heads" for p in model.heads.parameters()})
    if model.mention_head is not None:
        part_of.update({id(p): "heads" for p in model.mention_head.parameters()})
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


def _save_checkpoint(accelerator, ckpt_root: Path, state: TrainState, maps: LabelMaps,
                     extra_seconds: float = 0.0, extra_examples: int = 0) -> None:
    """Atomic: everything goes to `step-N.tmp`, which is renamed to `step-N` once complete (its
    trainer_state.json last); the newest CHECKPOINTS_KEPT complete checkpoints are kept."""
    accelerator.wait_for_everyone()
    name = f"step-{state.step:07d}" + ("-summary" if state.phase == "summary" else "")
    tmp, final = ckpt_root / f"{name}.tmp", ckpt_root / name
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp / "state"), safe_serialization=True)
    if accelerator.is_main_process:
        snap = dict(vars(state))
        snap["train_seconds"] += extra_seconds
        snap["examples_seen"] += extra_examples
        payload = {"state": snap, "labels": maps.labels}
        (tmp / "trainer_state.json").write_text(json.dumps(payload, indent=1, default=float), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        for old in _checkpoints(ckpt_root)[:-CHECKPOINTS_KEPT]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()


def _load_checkpoint(accelerator, ckpt_root: Path, maps: LabelMaps) -> TrainState:
    ckpt = _checkpoints(ckpt_root)[-1]
    payload = json.loads((ckpt / "trainer_state.json").read_text(encoding="utf-8"))
    if payload["labels"] != maps.labels:
        raise ConfigError(f"--resume: the label maps built from the data differ from the checkpoint's in {ckpt}; "
                          "resume with the same data and config as the interrupted run")
    accelerator.load_state(str(ckpt / "state"))
    return TrainState(**payload["state"])


def save_model(model: NewsdeskModel, tokenizer, model_dir: Path, words: SummaryWords | None = None) -> None:
    """Weights (safetensors), config with labels/thresholds, generation settings, tokenizer, summary words.

    Atomic: written to `<model_dir>.tmp`, then swapped in (the previous one kept as `<model_dir>.old`
    until the swap is done): a kill never leaves a half-written model directory behind."""
    model_dir = Path(model_dir)
    tmp, old = model_dir.with_name(model_dir.name + ".tmp"), model_dir.with_name(model_dir.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if model_dir.is_dir():  # files other steps wrote there (metrics.json, the card, ...) are kept; weights are rewritten
        for f in model_dir.iterdir():
            if f.is_file() and f.suffix not in (".safetensors", ".bin"):
                shutil.copy2(f, tmp / f.name)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    if words is not None:
        words.save(tmp)
    shutil.rmtree(old, ignore_errors=True)
    if model_dir.is_dir():
        model_dir.rename(old)
    tmp.rename(model_dir)
    shutil.rmtree(old, ignore_errors=True)


def recover_model_dir(model_dir: Path) -> None:
    """After a kill during `save_model`'s swap: put the complete previous model directory back."""
    old = model_dir.with_name(model_dir.name + ".old")
    if not model_dir.is_dir() and (old / "config.json").is_file():
        old.rename(model_dir)


# ----------------------------------------------------------------------------- evaluation
def evaluate_model(model: NewsdeskModel, tokenizer, records: list[dict], maps: LabelMaps, cfg: Config,
                   words: SummaryWords | None = None, n_summaries: int | None = None, per_label: bool = False,
                   decisions: dict | None = None) -> dict[str, Any]:
    """Dev metrics with calibration and thresholds fitted on the same dev data (as the saved model
    will be). The fitted decisions go into `decisions` (when given); the model is not modified."""
    from newsdesk.evaluation import predict_records
    from newsdesk.predictor import Predictor

    predictor = Predictor(model, tokenizer, device=str(next(model.parameters()).device.type),
                          dtype=resolve_dtype_for_eval(cfg), summary_words=words, evidence=False)
    n = cfg.train.eval_summaries if n_summaries is None else n_summaries
    want = {i for i, r in enumerate(records) if r.get("summary")}
    want = set(sorted(want)[:n])
    # the dev pass shows a progress bar with records/s; the steps after it log their time and rate
    scored, _ = predict_records(predictor, records, batch_size=cfg.train.batch_size * 2, summary_for=want,
                                progress=True, decide=False)
    t0 = time.time()
    fitted = fit_decisions({t: [s.logits[t] for s in scored] for t in TASKS}, records, maps,
                           calibrate=cfg.train.calibrate, tune=cfg.train.tune_thresholds)
    predictor.calibration, predictor.threshold_of = fitted["calibration"], fitted["thresholds"]
    if any(r.get("actor_mentions") is not None for r in records) and model.mention_head is not None:
        predictor.threshold_of["mentions"] = tune_mention_threshold(predictor, scored, records)
        fitted["thresholds"]["mentions"] = predictor.threshold_of["mentions"]
    if predictor.place_index is not None:
        fitted["place_beta"] = predictor.place_beta = fit_place_beta(predictor, scored, records)
    article = fit_article_thresholds(predictor, scored, records)
    if article is not None:
        fitted["thresholds"]["article"] = predictor.threshold_of["article"] = article
    _log_rate("calibration and thresholds fitted on dev", len(records), t0)
    if decisions is not None:
        decisions.update(fitted)
    t0 = time.time()
    preds = [predictor.decide(s, r["id"]) for s, r in zip(scored, records)]
    metrics = task_metrics(preds, records, maps.labels, maps.canonical_actor, per_label=per_label, summary_words=words)
    _log_rate("dev metrics computed", len(records), t0)
    return metrics


def fit_actor_naming(predictor, dev_records: list[dict], train_records: list[dict] = ()) -> dict | None:
    """Which naming the actors of an article follow, catalogue or as written (`newsdesk.naming`), fitted on
    the dev records with gold actors and sentences of the as-written ones of dev and train; None (names
    as written everywhere) when there are too few of either."""
    from newsdesk.naming import examples, fit

    records = examples(dev_records, train_records)
    scored = predictor.score([r["text"] for r in records], summary=False, evidence=False) if records else []
    entry = fit([s.article_vector for s in scored], records)
    if entry is None:
        log.info("actor naming: dev has too few records of either convention (catalogue / as written): "
                 "every article's actors are served as written")
    else:
        log.info("actor naming: catalogue vs as written fitted on %d dev records (%d catalogue), "
                 "cross-validated balanced accuracy %.3f", entry["dev"]["records"], entry["dev"]["catalogue"],
                 entry["dev"]["cv_balanced_accuracy"])
    return entry


def fit_place_beta(predictor, scored: list, records: list[dict]) -> float:
    """The weight of the place evidence in the region decision (`newsdesk.places.fit_beta`) on the dev
    records with a region the model knows; ACLED notes (records with place fields) and articles weigh
    as two groups."""
    from newsdesk.places import fit_beta

    regions = predictor.labels["region"]
    rows = [i for i, r in enumerate(records) if r.get("region") in regions]
    if not rows:
        return 0.0
    saved, predictor.place_beta = predictor.place_beta, 0.0
    probs = [predictor.probabilities(scored[i])["region"] for i in rows]
    predictor.place_beta = saved
    beta, scores = fit_beta(probs, [predictor.place_index.evidence(scored[i].text) for i in rows],
                            [regions.index(records[i]["region"]) for i in rows],
                            ["notes" if records[i].get("places") else "articles" for i in rows])
    log.info("place evidence weight for the region: beta %s (dev region accuracy, mean of notes and articles: %s)",
             beta, ", ".join(f"{b}: {v:.4f}" for b, v in scores.items()))
    return beta


MIN_MODE_RECORDS = 10  # dev articles with labels and a summary needed to choose the summary mode


def choose_summary_mode(model: NewsdeskModel, tokenizer, records: list[dict], words: SummaryWords | None = None,
                        dtype: str = "auto") -> dict[str, Any] | None:
    """Resolve summary_mode "auto" of `model` (its generation settings are set in place): "lead" when the
    lead-clause summaries (`newsdesk.summary.lead_clause`) score a higher ROUGE-L than the decoder's on
    the dev articles that carry labels (a region) and a reference summary, the articles newsdesk labels;
    else "abstractive". Headline-only sets (no labels) do not vote. Returns what was measured, or None
    when the mode was not "auto"."""
    from newsdesk.metrics import rouge
    from newsdesk.predictor import Predictor
    from newsdesk.summary import lead_clause

    gen = model.summary_settings
    if not model.has_summary or getattr(gen, "summary_mode", "abstractive") != "auto":
        return None
    recs = [r for r in records if r.get("summary") and r.get("region") is not None]
    if len(recs) < MIN_MODE_RECORDS:
        gen.summary_mode = "abstractive"
        return {"chosen": "abstractive", "records": len(recs),
                "reason": f"fewer than {MIN_MODE_RECORDS} dev articles with labels and a summary: the decoder is kept"}
    predictor = Predictor(model, tokenizer, device=str(next(model.parameters()).device.type), dtype=dtype,
                          summary_words=words, evidence=False)
    predictor.summary_mode = "abstractive"
    t0 = time.time()
    scored = predictor.score([r["text"] for r in recs], summary=True, evidence=False)
    refs = [r["summary"].lower() for r in recs]  # as newsdesk eval scores summaries
    scores = {"abstractive": rouge([(s.summary or "").lower() for s in scored], refs)["rougeL"],
              "lead": rouge([lead_clause(r["text"]).lower() for r in recs], refs)["rougeL"]}
    gen.summary_mode = "lead" if scores["lead"] > scores["abstractive"] else "abstractive"
    _log_rate(f"summary mode chosen on dev: {gen.summary_mode} (ROUGE-L decoder {scores['abstractive']:.3f}, "
              f"lead clause {scores['lead']:.3f})", len(recs), t0)
    return {"chosen": gen.summary_mode, "records": len(recs), "rougeL": {k: round(v, 4) for k, v in scores.items()}}


def _log_rate(what: str, n: int, t0: float) -> None:
    seconds = time.time() - t0
    log.info("%s: %d records in %.1f s (%.1f records/s)", what, n, seconds, n / max(seconds, 1e-9))


def _train_records_for_probes(cfg: Config) -> list[dict]:
    """The labelled training records, read again (cheap next to training) for the few-shot sentence bank."""
    train, _ = read_data(cfg)
    return [r for r in train if r.get("event_types") is not None and not r["id"].startswith("description:")]


def resolve_dtype_for_eval(cfg: Config) -> str:
    return {"no": "fp32", "auto": "auto"}.get(cfg.train.mixed_precision, cfg.train.mixed_precision)


def finish(model_dir: Path, tokenizer, dev_records, maps, cfg: Config, state: TrainState, command: str, accelerator,
           words: SummaryWords | None = None) -> None:
    """Reload the best model, fit calibration/thresholds on dev, write metrics.json and the model card."""
    from newsdesk.card import write_model_card

    log.info("final dev evaluation of the best model (calibration, thresholds, metrics) ...")
    model = NewsdeskModel.from_pretrained(model_dir)
    from newsdesk.fewshot import fit_training_probes
    from newsdesk.predictor import Predictor

    train_records = _train_records_for_probes(cfg)
    fit_training_probes(model, tokenizer, words, train_records, dev_records,
                        cfg.train.fewshot_labels, cfg.data.label_descriptions, model_dir, resolve_dtype_for_eval(cfg),
                        cfg.data.label_triggers)
    t0 = time.time()
    model.config.actor_naming = fit_actor_naming(
        Predictor(model, tokenizer, device=str(next(model.parameters()).device.type), dtype=resolve_dtype_for_eval(cfg),
                  summary_words=words, evidence=False),
        dev_records, train_records)
    _log_rate("actor naming fitted", len(dev_records), t0)
    decisions: dict = {}
    final = evaluate_model(model, tokenizer, dev_records, maps, cfg, words, n_summaries=10**9, per_label=True,
                           decisions=decisions) if dev_records else {}
    if decisions:
        model.config.calibration, model.config.thresholds = decisions["calibration"], decisions["thresholds"]
        if model.config.place_regions and "place_beta" in decisions:
            model.config.place_regions["beta"] = decisions["place_beta"]
    summary_mode = choose_summary_mode(model, tokenizer, dev_records, words, resolve_dtype_for_eval(cfg))
    save_model(model, tokenizer, model_dir, words)
    save_config(cfg, model_dir / "train_config.yaml", command)
    info = {
        "newsdesk_version": __version__,
        "command": command,
        "best_epoch": state.best_epoch,
        "epochs_run": len(state.history),
        "steps": state.step,
        "train_seconds": round(state.train_seconds, 1),
        "train_examples_per_s": round(state.examples_seen / max(state.train_seconds, 1e-9), 2),
        "mixed_precision": accelerator.mixed_precision,
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "data": {"train": cfg.data.train, "dev": cfg.data.dev, "root": cfg.data.root},
        "labels": {t: len(maps.get(t)) for t in TASKS},
        "summary_phase": {"epochs": len(state.summary_history), "best_epoch": state.summary_best_epoch,
                          "history": state.summary_history} if state.summary_history else None,
        "summary_mode": summary_mode,
    }
    payload = {"dev": final, "dev_headline": headline_table(final) if final else {}, "history": state.history, "train": info}
    (model_dir / "metrics.json").write_text(json.dumps(payload, indent=1, default=float), encoding="utf-8")
    t0 = time.time()
    write_model_card(model_dir, model, payload)
    log.info("model card written to %s in %.1f s", model_dir / "README.md", time.time() - t0)
    log.info("model saved to %s; dev: %s", model_dir, json.dumps(payload["dev_headline"]))

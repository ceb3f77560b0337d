"""The real training CLI on the tiny model (and one short run on the embedded MiniLM)."""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_cli

MODEL_FILES = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
               "train_config.yaml", "metrics.json", "README.md"}


def test_tiny_run_writes_a_complete_model_dir_and_loss_goes_down(tiny_run):
    model = tiny_run / "model"
    assert MODEL_FILES <= {p.name for p in model.iterdir()}
    assert not (tiny_run / "checkpoint").exists()  # removed once the run finished
    metrics = json.loads((model / "metrics.json").read_text())
    losses = [row["train_loss"] for row in metrics["history"]]
    assert len(losses) == 4 and losses[-1] < losses[0] * 0.9, losses
    assert {"region", "event_types", "actors", "summary"} <= set(metrics["dev"])
    for key in ("region/accuracy", "region/macro_f1", "event_types/micro_f1", "event_types/macro_f1",
                "actors/micro_f1", "actors/macro_f1", "summary/rouge1", "summary/rouge2", "summary/rougeL"):
        assert 0.0 <= metrics["dev_headline"][key] <= 1.0, key
    cfg = json.loads((model / "config.json").read_text())
    assert cfg["schema_version"] == 2 and cfg["model_type"] == "newsdesk"
    assert len(cfg["thresholds"]["event_types"]) == len(cfg["labels"]["event_types"]) == 11
    assert len(cfg["calibration"]["actors"]) == len(cfg["labels"]["actors"]) > 0
    # data.label_triggers travel with the model (evidence reads them)
    assert cfg["triggers"] == {"capture": {"match": ["seiz\\w*", "captur\\w*", "took (?:control|over)"], "except": []}}
    assert json.loads((model / "generation_config.json").read_text())["max_new_tokens"] == 8
    resolved = yaml.safe_load((model / "train_config.yaml").read_text())
    assert resolved["train"]["epochs"] == 4 and resolved["model"]["name"] == "tiny"
    card = (model / "README.md").read_text()
    assert "python train.py --config configs/tiny.yaml" in card and "event_types/macro_f1" in card
    # the card says how the region is decided: the place table's size and its fitted weight
    places = cfg["place_regions"]
    assert f"({len(places['table'])} place names" in card and f"weight beta {places['beta']} fitted on dev" in card
    # data/dev.jsonl names its actors as written only: no actor-naming probe, and the card says why
    assert cfg.get("actor_naming") is None and "- actor naming: every article's actors as the article names them" in card
    # the truecasing table learnt from the training texts, and the card's line on it
    assert f"from {len(cfg['truecase'])} cased word forms learnt from the training texts" in card and len(cfg["truecase"]) > 50
    # 76 written dev articles of more than one 64-token window: article cuts were tried, the card says the outcome
    art = cfg["thresholds"]["article"]
    assert art["records"] == 76 and art["event_types"] is None or len(art["event_types"]) == 11
    assert f"on 76 dev articles {art['cv_macro_f1']:.3f} with article cuts vs {art['pooled_macro_f1']:.3f}" in card


def test_refuses_to_overwrite_a_finished_run(tiny_run):
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--output_dir", str(tiny_run), check=False)
    assert proc.returncode == 1
    assert "already holds a trained model: pass --overwrite" in proc.stderr


def test_config_errors_exit_1_with_the_message(tmp_path):
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--train.epoch", "1", check=False)
    assert proc.returncode == 1 and "unknown config key 'train.epoch' (did you mean 'train.epochs'?)" in proc.stderr
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--data.train", "nope.jsonl",
                   "--output_dir", str(tmp_path / "x"), check=False)
    assert proc.returncode == 1 and "data file not found:" in proc.stderr and "nope.jsonl" in proc.stderr


# A small run: 48 records in batches of 4 with gradient accumulation 2 = 6 optimizer steps an epoch.
SMALL = ["train.py", "--config", "configs/tiny.yaml", "--data.max_train_records", "48", "--data.max_dev_records", "8",
         "--train.epochs", "2", "--train.batch_size", "4", "--train.grad_accum", "2", "--train.checkpoint_every", "2",
         "--train.eval_summaries", "2"]


def weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(model_dir / "model.safetensors")


def test_resume_after_a_kill_ends_exactly_where_an_uninterrupted_run_ends(tmp_path):
    """Killed mid-run, resumed from the newest complete checkpoint (a torn newer one is ignored): the
    final weights and every dev metric equal an uninterrupted run's, bit for bit (weights, optimiser,
    scheduler, RNG streams for dropout, data order, step and accumulation counters all restored)."""
    import torch

    whole, out = tmp_path / "whole", tmp_path / "run"
    run_cli(*SMALL, "--output_dir", str(whole))
    proc = subprocess.Popen([sys.executable, *SMALL, "--output_dir", str(out)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not list(out.glob("checkpoint/step-*/trainer_state.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # interrupted: no chance to clean up
    proc.wait()
    complete = sorted(out.glob("checkpoint/step-*/trainer_state.json"))
    assert 1 <= len(complete) <= 2  # the newest two are kept
    saved = json.loads(complete[-1].read_text())["state"]
    assert 0 < saved["step"] < 12 and saved["phase"] == "labels"  # mid-run
    # a save torn by a kill: a newer .tmp folder, and a newer folder without its trainer_state.json
    (out / "checkpoint" / "step-0009999.tmp" / "state").mkdir(parents=True)
    (out / "checkpoint" / "step-0009999.tmp" / "trainer_state.json").write_text("{")
    (out / "checkpoint" / "step-0009998" / "state").mkdir(parents=True)
    refused = run_cli(*SMALL, "--output_dir", str(out), check=False)
    assert refused.returncode == 1 and "holds an unfinished run" in refused.stderr and "--resume" in refused.stderr
    resumed = run_cli(*SMALL, "--output_dir", str(out), "--resume")
    assert f"resumed from {out / 'checkpoint'}" in resumed.stderr and f"step {saved['step']}" in resumed.stderr
    got, want = (json.loads((d / "model" / "metrics.json").read_text()) for d in (out, whole))
    assert got["train"]["steps"] == want["train"]["steps"] == 12 and got["train"]["epochs_run"] == 2
    assert got["dev"] == want["dev"]
    drop = ("train_examples_per_s",)  # timing
    assert [{k: v for k, v in r.items() if k not in drop} for r in got["history"]] == \
           [{k: v for k, v in r.items() if k not in drop} for r in want["history"]]
    a, b = weights(out / "model"), weights(whole / "model")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not (out / "checkpoint").exists()


def test_the_model_directory_is_replaced_atomically(tmp_path):
    """save_model writes a complete directory next to the old one and swaps it in; after a kill in the
    swap, --resume puts the previous complete directory back (recover_model_dir)."""
    import torch
    from transformers import AutoTokenizer

    from newsdesk.config import ModelConfig, TinyModelConfig
    from newsdesk.model import create_model, embedded_model_path
    from newsdesk.training import recover_model_dir, save_model

    tok = AutoTokenizer.from_pretrained(embedded_model_path())
    torch.manual_seed(0)
    model = create_model(ModelConfig(name="tiny", tiny=TinyModelConfig(hidden_size=32, num_hidden_layers=2,
                                                                        num_attention_heads=2, intermediate_size=64)),
                         tok, {"region": ["A"], "event_types": ["x"], "actors": []})
    model_dir = tmp_path / "model"
    save_model(model, tok, model_dir)
    (model_dir / "metrics.json").write_text("{}")
    first = weights(model_dir)
    with torch.no_grad():
        next(model.parameters()).add_(1.0)
    save_model(model, tok, model_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no .tmp / .old left behind
    assert (model_dir / "metrics.json").read_text() == "{}"  # files other steps wrote are kept
    second = weights(model_dir)
    assert any(not torch.equal(first[k], second[k]) for k in first)
    # killed in the swap: the old directory moved aside, the new one half written
    model_dir.rename(tmp_path / "model.old")
    (tmp_path / "model.tmp").mkdir()
    (tmp_path / "model.tmp" / "model.safetensors").write_bytes(b"torn")
    recover_model_dir(model_dir)
    assert all(torch.equal(second[k], v) for k, v in weights(model_dir).items())


@pytest.mark.parametrize("args, message", [
    (["--train.lr", "-1"], "error: config key 'train.lr' must be at least 0, got -1.0"),
    (["--train.lr", "nan"], "error: config key 'train.lr' must be a finite number, got nan"),
    (["--train.max_steps", "-5"], "error: config key 'train.max_steps' must be at least 1, got -5"),
    (["--train.early_stopping_metric", "rougeL"], "error: config key 'train.early_stopping_metric' must be one of score,"),
    (["--data.repeat", "{data/trian.jsonl: 4}"], "error: config key 'data.repeat' names 'data/trian.jsonl', which is not in data.train"),
])
def test_a_bad_value_fails_at_once_before_anything_is_written(tmp_path, args, message):
    """Issue 14 item 11 / issue 12 item 4: rejected when the config is read (no torch, no data, no model),
    where they used to train (a NaN model saved with exit 0) or fail after an epoch."""
    out = tmp_path / "run"
    t0 = time.time()
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--output_dir", str(out), *args, check=False)
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and not out.exists()
    assert time.time() - t0 < 10  # the interpreter start and the config; a run takes minutes


def test_unusable_training_data_is_one_clear_error(tmp_path):
    """Issue 14 item 11: an empty train file ("could not read …: " with nothing after the colon) and a file
    with no label for any task (a warning, then an IndexError)."""
    empty, plain = tmp_path / "empty.jsonl", tmp_path / "plain.jsonl"
    empty.write_text("")
    plain.write_text('{"id": "a", "text": "Some words."}\n{"id": "b", "text": "More words."}\n')
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--data.train", str(empty), "--output_dir",
                   str(tmp_path / "a"), check=False)
    assert proc.returncode == 1 and f"error: could not read {empty}: the file is empty (no records)" in proc.stderr
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--data.train", str(plain), "--output_dir",
                   str(tmp_path / "b"), check=False)
    assert proc.returncode == 1 and f"error: {plain}: none of its 2 records carries a label for any task" in proc.stderr
    assert "Traceback" not in proc.stderr and "WARNING" not in proc.stderr


def test_a_non_finite_loss_stops_training_with_a_clear_error(tmp_path):
    """Issue 14 item 11: learning rates that blow the weights up made a NaN loss and a saved model, exit 0."""
    out = tmp_path / "run"
    lrs = [x for key in ("lr", "head_lr", "lexical_lr", "decoder_lr") for x in (f"--train.{key}", "1e30")]
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--data.max_train_records", "32", "--data.max_dev_records", "4",
                   "--output_dir", str(out), *lrs, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert re.search(r"error: training loss is (nan|inf) in optimizer step \d+ \(epoch 1, batch \d+; losses: ", proc.stderr)
    assert "lower the learning rates (train.lr, train.head_lr, train.lexical_lr, train.decoder_lr)" in proc.stderr
    assert not (out / "model").exists()


def test_every_long_step_shows_progress_and_throughput(tmp_path):
    """Dev evaluation after each epoch, calibration, metrics and the model card (and the summary phase's
    encoding and epochs) each show a progress bar with a rate or log their time and rate."""
    out = tmp_path / "run"
    proc = run_cli("train.py", "--config", "configs/tiny.yaml", "--data.max_train_records", "32", "--data.max_dev_records", "8",
                   "--train.epochs", "2", "--train.summary_epochs", "1", "--train.summary_batch_size", "8",
                   "--train.eval_summaries", "4", "--output_dir", str(out))
    err = proc.stderr
    label_epochs, summary_epochs, final = 2, 1, 1
    dev_passes = re.findall(r"predicting: 100%\|[^|\r\n]*\| 8/8 \[[^\]]*rec/s\]", err)
    assert len(dev_passes) >= label_epochs + final, err[-3000:]
    assert len(re.findall(r"predicting: 100%\|[^|\r\n]*\| (\d+)/\1 \[[^\]]*rec/s\]", err)) >= label_epochs + summary_epochs + final
    assert len(re.findall(r"calibration and thresholds fitted on dev: 8 records in [\d.]+ s \([\d.]+ records/s\)", err)) >= 3
    assert len(re.findall(r"dev metrics computed: 8 records in [\d.]+ s \([\d.]+ records/s\)", err)) >= 3
    assert re.search(r"encoding summary sources: 100%\|[^|\r\n]*\| (\d+)/\1 \[[^\]]*art/s\]", err)
    assert re.search(r"summary epoch 1/1: 100%.*ex_s=", err)
    assert re.search(r"model card written to .*README.md in [\d.]+ s", err)
    metrics = json.loads((out / "model" / "metrics.json").read_text())
    assert metrics["train"]["summary_phase"]["epochs"] == 1 and len(metrics["history"]) == 2


def test_short_run_on_the_embedded_minilm(tmp_path):
    out = tmp_path / "minilm"
    run_cli("train.py", "--config", "configs/default.yaml", "--output_dir", str(out), "--train.epochs", "1",
            "--train.max_steps", "2", "--data.max_train_records", "32", "--data.max_dev_records", "8",
            "--model.max_length", "64", "--model.stride", "16", "--train.batch_size", "8", "--train.eval_summaries", "4",
            "--data.drop_event_types", "bombing")
    cfg = json.loads((out / "model" / "config.json").read_text())
    assert cfg["base_model"] == "embedded" and cfg["backbone_kind"] == "bert2bert"
    # the config's trigger patterns travel with the model, but not a dropped type's (the model-dir check
    # that newsdesk.load runs below refuses patterns of a type the head does not have)
    assert "bombing" not in cfg["labels"]["event_types"] and "capture" in cfg["triggers"] and "bombing" not in cfg["triggers"]
    assert cfg["backbone"]["encoder"]["hidden_size"] == 384 and cfg["backbone"]["encoder"]["num_hidden_layers"] == 6
    import newsdesk

    pred = newsdesk.load(out / "model").predict("Iraqi forces captured the al-Waleed border crossing from IS on Saturday.")
    assert pred.region in cfg["labels"]["region"] and pred.error is None
    assert isinstance(pred.summary, str) and "\n" not in pred.summary

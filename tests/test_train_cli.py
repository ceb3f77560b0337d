"""The real training CLI on the tiny model (and one short run on the embedded MiniLM)."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    assert json.loads((model / "generation_config.json").read_text())["max_new_tokens"] == 8
    resolved = yaml.safe_load((model / "train_config.yaml").read_text())
    assert resolved["train"]["epochs"] == 4 and resolved["model"]["name"] == "tiny"
    card = (model / "README.md").read_text()
    assert "python train.py --config configs/tiny.yaml" in card and "event_types/macro_f1" in card


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


def test_resume_continues_an_interrupted_run(tmp_path):
    out = tmp_path / "run"
    args = ["train.py", "--config", "configs/tiny.yaml", "--output_dir", str(out), "--train.epochs", "3",
            "--train.checkpoint_every", "4"]
    proc = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not list(out.glob("checkpoint/step-*/trainer_state.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)  # interrupted: no chance to clean up
    proc.wait()
    saved = json.loads(sorted(out.glob("checkpoint/step-*/trainer_state.json"))[-1].read_text())["state"]
    steps = 3 * (sum(1 for _ in open(REPO / "data/train.jsonl")) // 16)  # 3 epochs of 16-record batches
    assert 0 < saved["step"] < steps  # mid-run
    refused = run_cli(*args, check=False)
    assert refused.returncode == 1 and "holds an unfinished run" in refused.stderr and "--resume" in refused.stderr
    resumed = run_cli(*args, "--resume")
    assert "resumed from" in resumed.stderr
    metrics = json.loads((out / "model" / "metrics.json").read_text())
    assert metrics["train"]["steps"] == steps and metrics["train"]["epochs_run"] == 3
    assert not (out / "checkpoint").exists()


def test_short_run_on_the_embedded_minilm(tmp_path):
    out = tmp_path / "minilm"
    run_cli("train.py", "--config", "configs/default.yaml", "--output_dir", str(out), "--train.epochs", "1",
            "--train.max_steps", "2", "--data.max_train_records", "32", "--data.max_dev_records", "8",
            "--model.max_length", "64", "--model.stride", "16", "--train.batch_size", "8", "--train.eval_summaries", "4")
    cfg = json.loads((out / "model" / "config.json").read_text())
    assert cfg["base_model"] == "embedded" and cfg["backbone_kind"] == "bert2bert"
    assert cfg["backbone"]["encoder"]["hidden_size"] == 384 and cfg["backbone"]["encoder"]["num_hidden_layers"] == 6
    import newsdesk

    pred = newsdesk.load(out / "model").predict("Iraqi forces captured the al-Waleed border crossing from IS on Saturday.")
    assert pred.region in cfg["labels"]["region"] and pred.error is None
    assert isinstance(pred.summary, str) and "\n" not in pred.summary

"""Scale-out: 2-process DDP training with `accelerate launch`, 2-worker batch inference with Ray."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import newsdesk
from newsdesk.inference import ROW_KEYS, run
from tests.conftest import REPO


def rows(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SMALL = ["--config", "configs/tiny.yaml", "--train.device", "cpu", "--data.max_train_records", "100",
         "--data.max_dev_records", "8", "--train.epochs", "3", "--train.warmup_ratio", "0", "--train.eval_summaries", "2"]


def test_accelerate_launch_two_cpu_processes_follows_the_single_process_schedule_and_predicts(tmp_path):
    """`accelerate launch --num_processes 2` (gloo on CPU) runs train.py unchanged; the learning rate after
    each epoch (metrics.json history "lr") is the single-process one, so the last step ends the schedule
    as one process would (before the fix, the prepared scheduler stepped once per process: with 2
    processes the LR reached 0 halfway); the result loads and predicts."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    single = tmp_path / "single"
    proc = subprocess.run([sys.executable, "train.py", *SMALL, "--output_dir", str(single)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-5000:]
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--main_process_port", str(free_port()), "--mixed_precision", "no", "--dynamo_backend", "no",
           "train.py", *SMALL, "--output_dir", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-5000:]
    one, two = (json.loads((d / "model" / "metrics.json").read_text()) for d in (single, out))
    # 100 records = 7 batches of 16 an epoch: one process takes 7 steps, each of 2 processes 3 (6 batches)
    assert one["train"]["processes"] == 1 and one["train"]["steps"] == 21
    assert two["train"]["processes"] == 2 and two["train"]["steps"] == 9
    lr_one, lr_two = [r["lr"] for r in one["history"]], [r["lr"] for r in two["history"]]
    assert lr_one == pytest.approx([1e-3 * 2 / 3, 1e-3 / 3, 0.0], abs=1e-12)  # linear decay, no warmup, 0 at the end
    assert lr_two == pytest.approx(lr_one, abs=1e-12), (lr_one, lr_two)
    model = newsdesk.load(out / "model", device="cpu", dtype="fp32")
    a, b = model.predict(["Rebels seized the town after heavy clashes.", "A truce held in the capital."], batch_size=2)
    assert a.error is None and a.region in model.config.labels["region"] and isinstance(a.summary, str)
    assert b.region is not None


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'newsdesk[ray]'")
    pytest.importorskip("ray.data")
    os.environ.pop("RAY_ADDRESS", None)
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


def make_inputs(folder: Path) -> set[str]:
    folder.mkdir()
    for i in range(20):
        (folder / f"a{i:02d}.txt").write_text(
            f"Story {i}\n\nRebels seized the town of Ras {i} after clashes with government forces, officials said "
            f"on day {i}. A truce was announced in the north.", encoding="utf-8")
    (folder / "wire.jsonl").write_text('{"id": "w1", "text": "Troops advanced toward the border."}\n'
                                       '{"id": "w2", "text": ""}\n', encoding="utf-8")
    return {f"a{i:02d}.txt" for i in range(20)} | {"w1", "w2"}


def test_ray_two_workers_label_every_input_exactly_once_and_resume(tiny_model, tmp_path, local_ray, capsys):
    expected = make_inputs(tmp_path / "in")
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    code, local = run(tiny_model, [tmp_path / "in"], local_out, device="cpu", dtype="fp32")
    assert code == 2 and local.errors == 1  # w2 is empty: an error row, as with any engine
    # an interrupted earlier run: 5 rows written, then a torn line
    done = rows(local_out)[:5]
    ray_out.write_text("".join(json.dumps(r) + "\n" for r in done) + '{"id": "a0', encoding="utf-8")

    code, summary = run(tiny_model, [tmp_path / "in"], ray_out, device="cpu", dtype="fp32", engine="ray", workers=2)
    got = rows(ray_out)
    ids = [r["id"] for r in got]
    assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids))  # every input exactly once
    assert summary.skipped_done == 5 and summary.done == len(expected) - 5 and code == 2
    for r in got:
        assert tuple(r) == ROW_KEYS
    key = lambda r: (r["id"], r["region"], r["event_types"], r["actors"], r["summary"], r["error"])
    assert sorted(map(key, got)) == sorted(map(key, rows(local_out)))  # same rows as the local engine

    from newsdesk.cli import infer_main

    code = infer_main([str(tiny_model), str(tmp_path / "in"), "--out", str(ray_out), "--engine", "ray", "--workers", "2",
                       "--device", "cpu", "--dtype", "fp32"])
    err = capsys.readouterr().err
    assert code == 2 and "labelled 0 articles" in err and f"{len(expected)} already in the output" in err
    assert len(rows(ray_out)) == len(expected)

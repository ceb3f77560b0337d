"""Shared fixtures: offline environment, a tiny model trained once through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.env import offline_defaults

offline_defaults()

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path = REPO, timeout: int = 600, check: bool = True) -> subprocess.CompletedProcess:
    """Run `python <args>` in the repo as a user would; return the finished process."""
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}\nSTDOUT:\n{proc.stdout[-3000:]}\nSTDERR:\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """`python train.py --config configs/tiny.yaml` once per session; returns its output dir."""
    out = tmp_path_factory.mktemp("tiny_run")
    run_cli("train.py", "--config", "configs/tiny.yaml", "--output_dir", str(out), "--train.epochs", "4")
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_run) -> Path:
    return tiny_run / "model"


@pytest.fixture(scope="session")
def tiny_predictor(tiny_model):
    import newsdesk

    return newsdesk.load(tiny_model, device="cpu", dtype="fp32")

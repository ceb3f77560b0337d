"""Exit codes mean one thing, for every command, through the real command line (subprocesses):
0 ok; 2 some inputs became error rows (infer only); 1 fatal, argparse usage errors included."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, run_cli

EVAL = ("-m", "newsdesk.cli", "eval")


@pytest.mark.parametrize("args", [
    ("infer.py",),                                        # missing MODEL_DIR, PATH, --out
    ("infer.py", "m", "p", "--out", "o.jsonl", "--bogus"),  # unknown option
    ("infer.py", "m", "p", "--out", "o.jsonl", "--dtype", "int4"),  # bad choice
    ("infer.py", "m", "p", "--out", "o.jsonl", "--batch-size", "many"),  # bad type
    ("train.py", "--config"),                             # option without its value
    ("-m", "newsdesk.cli", "train", "--config"),
    (*EVAL,),                                             # missing MODEL_DIR, DATA, --report
    (*EVAL, "m", "d.jsonl", "--report", "r", "--device", "tpu"),
    ("-m", "newsdesk.cli", "infer", "--out"),
], ids=lambda a: " ".join(a))
def test_usage_errors_exit_1(args):
    proc = run_cli(*args, check=False, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert "usage:" in proc.stderr and "error:" in proc.stderr


def test_the_dispatcher():
    for args, code in ((("-m", "newsdesk.cli"), 1), (("-m", "newsdesk.cli", "bogus"), 1), (("-m", "newsdesk.cli", "--help"), 0)):
        proc = run_cli(*args, check=False, timeout=120)
        assert proc.returncode == code and "usage: newsdesk {train,infer,eval" in proc.stderr, args
    for args in (("infer.py", "--help"), ("-m", "newsdesk.cli", "eval", "-h"), ("train.py", "-h")):
        proc = run_cli(*args, check=False, timeout=120)
        assert proc.returncode == 0 and "usage:" in proc.stdout, args


def test_infer_exit_codes(tiny_model, tmp_path):
    good = tmp_path / "in" / "good.txt"
    good.parent.mkdir()
    good.write_text("Rebels seized the town of Goma on Monday after heavy fighting with the army.")
    proc = run_cli("infer.py", str(tiny_model), str(good), "--out", str(tmp_path / "a.jsonl"), "--no-summary", check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (tmp_path / "in" / "empty.txt").write_text("")
    proc = run_cli("infer.py", str(tiny_model), str(tmp_path / "in"), "--out", str(tmp_path / "b.jsonl"), "--no-summary",
                   check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]  # one error row, the rest labelled
    proc = run_cli("infer.py", str(tmp_path / "no-model"), str(good), "--out", str(tmp_path / "c.jsonl"), check=False)
    assert proc.returncode == 1 and "model directory not found" in proc.stderr


def test_eval_exit_codes(tiny_model, tmp_path):
    proc = run_cli(*EVAL, str(tiny_model), str(REPO / "data/dev.jsonl"), "--max-records", "2", "--no-summary",
                   "--report", str(tmp_path / "ok"), "--device", "cpu", check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "ok" / "metrics.json").is_file()
    # Records with no gold label for any task: nothing can be scored.
    bare = tmp_path / "bare.jsonl"
    bare.write_text("".join(json.dumps({"id": f"b{i}", "text": "Troops entered the town at dawn."}) + "\n" for i in range(3)))
    proc = run_cli(*EVAL, str(tiny_model), str(bare), "--report", str(tmp_path / "bare"), "--device", "cpu", check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "nothing could be scored" in proc.stderr and "0.0000" not in proc.stdout
    assert not (tmp_path / "bare" / "metrics.json").exists()
    # Summaries only, with --no-summary: nothing left to score either.
    summaries = tmp_path / "summaries.jsonl"
    summaries.write_text(json.dumps({"id": "s", "text": "Troops entered the town.", "summary": "Troops enter town"}) + "\n")
    proc = run_cli(*EVAL, str(tiny_model), str(summaries), "--no-summary", "--report", str(tmp_path / "s"), check=False)
    assert proc.returncode == 1 and "nothing could be scored" in proc.stderr


def test_train_fatal_errors_exit_1(tmp_path):
    proc = run_cli("train.py", "--config", str(tmp_path / "missing.yaml"), check=False, timeout=120)
    assert proc.returncode == 1 and "error:" in proc.stderr

"""Batch inference (infer.py) and the Python API on a tiny model trained through the CLI.

Tests named after an issue 14 item failed on the code before its fix (checked against the parent
commit, or by the reason given in the test)."""

import csv
import hashlib
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import newsdesk
from newsdesk.cli import infer_main
from newsdesk.inference import ROW_KEYS, FatalError, run
from newsdesk.limits import MAX_ACTORS, MAX_MENTIONS
from newsdesk.predictor import EVIDENCE_CHARS, ModelDirError, Prediction, Predictor, check_model_dir
from tests.bad_inputs import (BAD_PREDICT_CALLS, BAD_PREDICT_TEXTS, GOOD_IDS, HIDDEN_FILES, MAX_BYTES, SKIPPED_FILES,
                              make_bad_inputs, make_bad_model_dirs, make_foreign_outputs, one_mb_line)
from tests.conftest import REPO, run_cli

ARTICLES = REPO / "data" / "articles"


def rows(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def test_sample_folder_cli(tiny_model, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = run_cli("infer.py", str(tiny_model), str(ARTICLES), "--out", str(out), "--print")
    got = rows(out)
    assert len(got) == 13  # 9 single-article files + 4 jsonl records
    for r in got:
        assert tuple(r) == ROW_KEYS
        assert r["error"] is None and isinstance(r["region"], str)
        assert isinstance(r["summary"], str) and "\n" not in r["summary"] and r["summary"]
        assert set(r["scores"]) == {"region", "event_types", "actors"}
        assert r["model"] == "model@schema2" and r["schema_version"] == 2
    ids = {r["id"] for r in got}
    assert "mali_labbezanga_border.txt" in ids and "wire-001" in ids
    assert "labelled 13 articles, 0 error rows" in proc.stderr
    assert "region:" in proc.stdout and "summary:" in proc.stdout


def test_bad_inputs_give_error_rows_and_exit_2(tiny_model, tmp_path):
    expected = make_bad_inputs(tmp_path / "in")
    out = tmp_path / "out.jsonl"
    proc = run_cli("infer.py", str(tiny_model), str(tmp_path / "in"), "--out", str(out),
                   "--max-bytes", str(MAX_BYTES), "--no-summary", check=False)
    assert proc.returncode == 2, proc.stderr
    got = {r["id"]: r for r in rows(out)}
    for rid, message in expected.items():
        assert message in (got[rid]["error"] or ""), (rid, got[rid])
        assert got[rid]["region"] is None and got[rid]["event_types"] is None and got[rid]["scores"] is None
    for rid in GOOD_IDS:
        assert got[rid]["error"] is None and got[rid]["summary"] is None  # --no-summary
    assert not any(SKIPPED_FILES[0] in r["source"] for r in got.values())
    assert not any(h in r["source"] for r in got.values() for h in HIDDEN_FILES)
    assert f"{len(expected)} error rows" in proc.stderr
    assert f"{1 + len(HIDDEN_FILES)} files skipped (unsupported type: .pdf x1; hidden: {len(HIDDEN_FILES)})" in proc.stderr
    assert len(got) == len(rows(out))  # ids unique
    assert got["utf16le_no_bom.txt"]["warnings"] == ["encoding:utf_16_le"]
    long_line = got["one_long_line.txt"]
    assert all(len(e["sentence"]) <= EVIDENCE_CHARS + 2 for task in long_line["evidence"].values() for e in task.values())


def test_interrupted_run_then_rerun_gives_each_id_once(tiny_model, tmp_path):
    src = tmp_path / "many"
    src.mkdir()
    body = (ARTICLES / "yemen_marib_clash.txt").read_text(encoding="utf-8")
    for i in range(60):
        (src / f"a{i:03d}.txt").write_text(f"Story number {i}\n\n{body}", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = [sys.executable, "infer.py", str(tiny_model), str(src), "--out", str(out), "--batch-size", "4"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and (not out.exists() or len(rows(out)) < 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with out.open("a", encoding="utf-8") as f:
        f.write('{"id": "a05')  # a torn line, as a kill mid-write leaves it
    partial = len(out.read_text().splitlines()) - 1
    assert 0 < partial < 60
    second = run_cli(*args[1:])
    got = rows(out)
    assert sorted(r["id"] for r in got) == sorted(f"a{i:03d}.txt" for i in range(60))
    assert "already in the output" in second.stderr
    third = run_cli(*args[1:])
    assert "labelled 0 articles" in third.stderr and "60 already in the output" in third.stderr


def test_csv_and_parquet_outputs(tiny_model, tmp_path):
    code, summary = run(tiny_model, [ARTICLES / "wire_items.jsonl"], tmp_path / "o.csv", summary=False)
    assert code == 0 and summary.done == 4
    df = pd.read_csv(tmp_path / "o.csv")
    assert list(df.columns) == list(ROW_KEYS) and len(df) == 4
    assert isinstance(json.loads(df["event_types"][0]), list)
    code, _ = run(tiny_model, [ARTICLES / "wire_items.jsonl"], tmp_path / "o.parquet", summary=False)
    assert len(pd.read_parquet(tmp_path / "o.parquet")) == 4


def test_fatal_problems_exit_1(tiny_model, tmp_path):
    proc = run_cli("infer.py", str(tmp_path / "nope"), str(ARTICLES), "--out", str(tmp_path / "o.jsonl"), check=False)
    assert proc.returncode == 1 and "model directory not found" in proc.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny_model.iterdir():
        if f.name != "model.safetensors":
            (broken / f.name).write_bytes(f.read_bytes())
    proc = run_cli("infer.py", str(broken), str(ARTICLES), "--out", str(tmp_path / "o.jsonl"), check=False)
    assert proc.returncode == 1 and "is missing model.safetensors" in proc.stderr
    proc = run_cli("infer.py", str(tiny_model), str(ARTICLES), "--out", "/proc/nope/o.jsonl", check=False)
    assert proc.returncode == 1 and "cannot write output" in proc.stderr


def test_incompatible_schema_version_is_named(tiny_model, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for f in tiny_model.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    cfg = json.loads((old / "config.json").read_text())
    cfg["schema_version"] = 99
    (old / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelDirError, match="saved with newsdesk schema_version 99"):
        newsdesk.load(old)


def test_predict_on_str_and_list_keeps_order(tiny_predictor):
    texts = [(ARTICLES / n).read_text(encoding="utf-8") for n in ("kashmir_loc_shelling.txt", "yemen_marib_clash.txt")]
    texts = [texts[0], "Protesters marched in the capital.", texts[1]]
    one = tiny_predictor.predict(texts[1])
    assert isinstance(one, Prediction) and one.error is None and one.to_dict()["id"] == "0"
    many = tiny_predictor.predict(texts, batch_size=2)
    assert [p.id for p in many] == ["0", "1", "2"]
    singles = [tiny_predictor.predict(t) for t in texts]
    for a, b in zip(many, singles):  # length-sorted batches give the same answer as one at a time
        assert (a.region, a.event_types, a.actors, a.summary) == (b.region, b.event_types, b.actors, b.summary)
    assert tiny_predictor.predict(["", "Troops advanced."])[0].error.startswith("empty")


def test_long_text_is_windowed_not_truncated(tiny_predictor):
    long_text = " ".join((ARTICLES / "yemen_marib_clash.txt").read_text(encoding="utf-8").split()) + " "
    pred = tiny_predictor.predict(long_text * 6)
    windows = [w for w in pred.warnings if w.startswith("windows:")]
    assert windows and int(windows[0].split(":")[1]) > 3
    assert "truncated" not in pred.warnings


def test_cli_and_api_agree(tiny_model, tiny_predictor, tmp_path):
    out = tmp_path / "o.jsonl"
    run_cli("infer.py", str(tiny_model), str(ARTICLES / "mali_labbezanga_border.txt"), "--out", str(out),
            "--device", "cpu", "--dtype", "fp32")
    (row,) = rows(out)
    from newsdesk.ingest import iter_articles

    (article,) = list(iter_articles([ARTICLES / "mali_labbezanga_border.txt"]))
    api = newsdesk.predict(article.text, model=tiny_predictor)
    assert (row["region"], row["event_types"], row["actors"], row["summary"]) == (api.region, api.event_types, api.actors, api.summary)
    assert row["scores"] == api.scores


def test_one_call_predict_loads_a_model_dir(tiny_model):
    (a, b) = newsdesk.predict(["Rebels seized the town.", "A truce held."], model=tiny_model, summary=False)
    assert a.summary is None and b.region is not None


def test_cli_generation_and_evidence_options(tiny_model, tmp_path):
    out = tmp_path / "o.jsonl"
    one = ARTICLES / "mali_labbezanga_border.txt"
    run_cli("infer.py", str(tiny_model), str(one), "--out", str(out), "--device", "cpu", "--dtype", "fp32",
            "--num-beams", "2", "--max-summary-tokens", "4", "--no-evidence")
    (row,) = rows(out)
    assert row["evidence"] == {"region": {}, "event_types": {}, "actors": {}}
    from newsdesk.ingest import iter_articles

    (article,) = list(iter_articles([one]))
    api = newsdesk.load(tiny_model, device="cpu", dtype="fp32", generation={"num_beams": 2, "max_summary_tokens": 4})
    pred = api.predict(article.text)
    assert row["summary"] == pred.summary and pred.evidence["region"]  # the API kept its evidence
    assert len(api.tokenizer(row["summary"], add_special_tokens=False)["input_ids"]) <= 4
    bad = run_cli("infer.py", str(tiny_model), str(one), "--out", str(out), "--num-beams", "0", check=False)
    assert bad.returncode == 1 and "--num-beams must be at least 1, got 0" in bad.stderr  # a usage error: fatal


def test_int8_quantises_the_transformer_and_keeps_the_heads_fp32(tiny_model):
    import torch

    p = newsdesk.load(tiny_model, device="cpu", dtype="int8")
    dynamic = torch.ao.nn.quantized.dynamic.Linear
    quantised = [n for n, m in p.model.named_modules() if isinstance(m, dynamic)]
    assert quantised and all(n.startswith("backbone.") for n in quantised)
    assert all(type(p.model.heads[t]) is torch.nn.Linear for t in ("region", "event_types", "actors"))
    pred = p.predict("Rebels seized the town of Goma on Monday after heavy fighting.")
    assert pred.error is None and pred.region is not None and "\n" not in pred.summary

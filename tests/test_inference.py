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

import numpy as np
import pandas as pd
import pytest

import newsdesk
from newsdesk.cli import infer_main
from newsdesk.inference import FORMULA_START, ROW_KEYS, FatalError, convert, run
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
    assert windows and int(windows[0].split(":")[1]) > 3  # read in windows (there is no truncation path left)


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


def test_predict_reads_a_path_as_infer_does(tiny_model, tiny_predictor, tmp_path):
    # A Path is an article file: same body as `newsdesk infer` reads (headline split off), same answer.
    path = ARTICLES / "mali_labbezanga_border.txt"
    out = tmp_path / "o.jsonl"
    run_cli("infer.py", str(tiny_model), str(path), "--out", str(out), "--device", "cpu", "--dtype", "fp32")
    (row,) = rows(out)
    by_path = tiny_predictor.predict(path)
    assert by_path.error is None and by_path.source == str(path)
    assert (row["region"], row["event_types"], row["actors"], row["summary"]) == (
        by_path.region, by_path.event_types, by_path.actors, by_path.summary)
    (jsonl := tmp_path / "two.jsonl").write_text('{"text": "Rebels seized the town."}\n{"text": "A truce held."}\n')
    folder, missing, text = tmp_path, tmp_path / "nope.txt", "Rebels seized the town."
    rows_ = tiny_predictor.predict([jsonl, folder, missing, text])
    assert rows_[0].error == (f"{jsonl} holds 2 articles; predict() gives one row per input: pass their texts, "
                              f"or run `newsdesk infer {jsonl} --out labels.jsonl`")
    assert rows_[1].error.startswith("a folder, not an article file: run `newsdesk infer")
    assert rows_[2].error == f"no such file: {missing}"
    assert rows_[3].error is None and rows_[3].source is None


def test_one_call_predict_loads_a_model_dir(tiny_model):
    (a, b) = newsdesk.predict(["Rebels seized the town.", "A truce held."], model=tiny_model, summary=False)
    assert a.summary is None and b.region is not None


def test_cli_generation_and_evidence_options(tiny_model, tmp_path):
    out = tmp_path / "o.jsonl"
    one = ARTICLES / "mali_labbezanga_border.txt"
    run_cli("infer.py", str(tiny_model), str(one), "--out", str(out), "--device", "cpu", "--dtype", "fp32",
            "--num-beams", "2", "--max-summary-tokens", "4", "--no-evidence", "--summary-mode", "abstractive")
    (row,) = rows(out)
    assert row["evidence"] == {"region": {}, "event_types": {}, "actors": {}}
    from newsdesk.ingest import iter_articles

    (article,) = list(iter_articles([one]))
    api = newsdesk.load(tiny_model, device="cpu", dtype="fp32", generation={"num_beams": 2, "max_summary_tokens": 4,
                                                                                "summary_mode": "abstractive"})
    pred = api.predict(article.text)
    assert row["summary"] == pred.summary and pred.evidence["region"]  # the API kept its evidence
    assert len(api.tokenizer(row["summary"], add_special_tokens=False)["input_ids"]) <= 4
    bad = run_cli("infer.py", str(tiny_model), str(one), "--out", str(out), "--num-beams", "0", check=False)
    assert bad.returncode == 1 and "--num-beams must be at least 1, got 0" in bad.stderr  # a usage error: fatal


def test_max_windows_reads_the_lead_windows_only(tiny_model, tmp_path):
    """`--max-windows N` / `max_windows=N`: the first N windows of each article, the place evidence of
    the text they cover, and a warning saying how many windows were left unread."""
    one = ARTICLES / "mali_labbezanga_border.txt"
    from newsdesk.ingest import iter_articles

    (article,) = list(iter_articles([one]))
    full = newsdesk.load(tiny_model, device="cpu", dtype="fp32")
    (all_read,) = full.score([article.text], summary=False)
    assert all_read.windows > 2 and all_read.unread == 0 and all_read.read_end is None
    lead = newsdesk.load(tiny_model, device="cpu", dtype="fp32", max_windows=2)
    (two,) = lead.score([article.text], summary=False)
    assert (two.windows, two.unread) == (2, all_read.windows - 2) and 0 < two.read_end < len(two.text)
    # the labels of the two windows read: the same as reading an article that ends where they end
    (cut,) = full.score([two.text[: two.read_end]], summary=False)
    assert cut.windows == 2 and all(np.allclose(cut.logits[t], two.logits[t], atol=1e-4) for t in two.logits)
    out = tmp_path / "o.jsonl"
    run_cli("infer.py", str(tiny_model), str(one), "--out", str(out), "--max-windows", "2", "--no-summary")
    (row,) = rows(out)
    assert f"windows_unread:{all_read.windows - 2}" in row["warnings"] and "windows:2" in row["warnings"]
    assert row["event_types"] == lead.predict(article.text, summary=False).event_types
    bad = run_cli("infer.py", str(tiny_model), str(one), "--out", str(out), "--max-windows", "0", check=False)
    assert bad.returncode == 1 and "--max-windows must be at least 1, got 0" in bad.stderr
    with pytest.raises(ValueError, match=r"max_windows must be a whole number of windows, at least 1 \(or None to "
                                         r"read every window\), got 0"):
        newsdesk.load(tiny_model, device="cpu", dtype="fp32", max_windows=0)


def test_int8_quantises_the_transformer_and_keeps_the_heads_fp32(tiny_model):
    import torch

    p = newsdesk.load(tiny_model, device="cpu", dtype="int8")
    dynamic = torch.ao.nn.quantized.dynamic.Linear
    quantised = [n for n, m in p.model.named_modules() if isinstance(m, dynamic)]
    assert quantised and all(n.startswith("backbone.") for n in quantised)
    assert all(type(p.model.heads[t]) is torch.nn.Linear for t in ("region", "event_types", "actors"))
    pred = p.predict("Rebels seized the town of Goma on Monday after heavy fighting.")
    assert pred.error is None and pred.region is not None and "\n" not in pred.summary


# ----------------------------------------------------------------------------- issue 14
def _infer(capsys, *args: str) -> tuple[int, str]:
    """`infer.py ARGS` in this process (the model loads in about a second); (exit code, stderr)."""
    code = infer_main([*args])
    return code, capsys.readouterr().err


def test_issue14_1_batches_with_nothing_to_label_give_error_rows_and_exit_2(tiny_model, tmp_path, capsys):
    """An empty file; a folder of only bad files; 128 good files then an empty one (the last batch has
    nothing to label); --max-bytes 0. Before: IndexError from score([]), exit 1, no rows written."""
    (tmp_path / "empty.txt").write_bytes(b"")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"")
    (bad / "b.txt").write_bytes(b"\x00\x01\x02" * 40)
    (bad / "c.json").write_text("{", encoding="utf-8")
    many = tmp_path / "many"
    many.mkdir()
    for i in range(128):
        (many / f"a{i:03d}.txt").write_text(f"Rebels seized the town of Ras {i} after clashes, officials said.", encoding="utf-8")
    (many / "zz_empty.txt").write_bytes(b"")
    cases = {"empty": ([tmp_path / "empty.txt"], [], 1, 1), "bad": ([bad], [], 3, 3), "many": ([many], [], 129, 1),
             "max_bytes_0": ([ARTICLES], ["--max-bytes", "0"], 10, 10)}
    for name, (paths, extra, n_rows, n_errors) in cases.items():
        out = tmp_path / f"{name}.jsonl"
        args = [str(tiny_model), *map(str, paths), "--out", str(out), "--no-summary", "--no-evidence", "--device", "cpu",
                "--dtype", "fp32", *extra]
        code, err = _infer(capsys, *args)
        got = rows(out)
        assert code == 2 and len(got) == n_rows and sum(r["error"] is not None for r in got) == n_errors, (name, err[-2000:])
        assert f"{n_errors} error rows" in err
        code, err = _infer(capsys, *args)  # the rerun: nothing left to do, the earlier error rows still count
        assert code == 2 and f"labelled 0 articles, 0 error rows, {n_rows} already in the output" in err
    assert all("over --max-bytes 0" in r["error"] for r in rows(tmp_path / "max_bytes_0.jsonl"))


def test_issue14_2_out_that_is_not_a_newsdesk_output_is_refused_untouched(tiny_model, tmp_path, capsys):
    """Before: a text file or a JSONL data file given as --out was truncated (its last line, when it
    had no final newline) and appended to; a CSV was overwritten; the input itself could be the output."""
    article = tmp_path / "in.txt"
    article.write_text("Rebels seized the town of Goma on Monday after heavy fighting.", encoding="utf-8")
    outs = make_foreign_outputs(tmp_path / "outs")
    for name, message in outs.items():
        path = tmp_path / "outs" / name
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        code, err = _infer(capsys, str(tiny_model), str(article), "--out", str(path), "--no-summary")
        assert code == 1 and message in err and "Traceback" not in err, (name, err)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before, name
    assert sorted(p.name for p in (tmp_path / "outs").iterdir()) == sorted(outs)  # no journal left behind
    data = tmp_path / "data.jsonl"
    data.write_text('{"id": "r1", "text": "Rebels seized the town of Goma."}', encoding="utf-8")
    code, err = _infer(capsys, str(tiny_model), str(data), "--out", str(data))
    assert code == 1 and "is one of the inputs" in err and data.read_text() == '{"id": "r1", "text": "Rebels seized the town of Goma."}'
    # a CSV output whose journal is gone would lose its rows on rebuild: refused too
    good = tmp_path / "good.csv"
    assert run(tiny_model, [article], good, summary=False)[0] == 0
    (tmp_path / "good.csv.part.jsonl").unlink()
    with pytest.raises(FatalError, match="its journal .* does not"):
        run(tiny_model, [article], good, summary=False)
    # an output in the input folder is not read back as input
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("Troops advanced toward the border town on Sunday.", encoding="utf-8")
    for _ in range(2):
        code, summary = run(tiny_model, [folder], folder / "out.jsonl", summary=False)
        assert code == 0 and summary.ingest.excluded == 1
    assert [r["id"] for r in rows(folder / "out.jsonl")] == ["a.txt"]


def test_issue14_3_one_mb_line_gives_a_bounded_row(tiny_model, tiny_predictor, tmp_path):
    """Before: one 1 MB line without sentence breaks gave a 285 MB row (hundreds of labels, each with
    the whole line as evidence); after the redesign still 0.5 MB (6,000 actor mentions)."""
    src = one_mb_line(tmp_path / "line.txt")
    out = tmp_path / "o.jsonl"
    code, _ = run(tiny_model, [src], out, device="cpu", dtype="fp32")
    (line,) = out.read_text(encoding="utf-8").splitlines()
    row = json.loads(line)
    assert code == 0 and len(line.encode("utf-8")) < 128_000, len(line)
    assert len(row["actors"]) <= MAX_ACTORS and len(row["actor_mentions"]) <= MAX_MENTIONS
    assert all(len(e["sentence"]) <= EVIDENCE_CHARS + 2 for task in row["evidence"].values() for e in task.values())
    assert int(next(w for w in row["warnings"] if w.startswith("windows:")).split(":")[1]) > 1000
    if len(row["actor_mentions"]) == MAX_MENTIONS:
        assert any(w.startswith("actor_mentions_capped:") for w in row["warnings"])
    api = tiny_predictor.predict(src.read_text(encoding="utf-8")[:200_000], summary=False)  # the API is bounded too
    assert len(api.actor_mentions) <= MAX_MENTIONS and len(json.dumps(api.to_dict())) < 128_000


def test_issue14_5_every_batch_is_journaled_before_the_next_is_scored(tiny_predictor, tmp_path, monkeypatch):
    """Before: rows were written per chunk of 8 x batch-size articles, so a kill lost up to that many."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(10):
        (src / f"a{i}.txt").write_text(f"Rebels seized the town of Ras {i} after clashes, officials said.", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    on_disk = []
    score = tiny_predictor.score

    def spy(texts, **kwargs):
        on_disk.append(len(rows(out)))  # rows on disk when a batch starts
        return score(texts, **kwargs)

    monkeypatch.setattr(tiny_predictor, "score", spy)
    code, summary = run(tiny_predictor, [src], out, batch_size=3, summary=False)
    assert code == 0 and summary.done == 10 and on_disk == [0, 3, 6, 9]


def test_issue14_6_csv_cells_are_never_formulas(tiny_model, tmp_path):
    """Before: ids (file names) and text cells starting with = + - @ tab CR were written as they are."""
    src = tmp_path / "in"
    src.mkdir()
    body = "Rebels seized the town of Goma on Monday after heavy fighting with the army."
    for name in ("=cmd.txt", "+1.txt", "-2.txt", "@SUM(A1).txt"):
        (src / name).write_text(body, encoding="utf-8")
    records = [{"id": i, "text": body} for i in ('=HYPERLINK("http://x")', "plain")]
    (src / "w.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, _ = run(tiny_model, [src], tmp_path / "o.csv", summary=False, device="cpu", dtype="fp32")
    with (tmp_path / "o.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 6 and code == 0
    assert all(not cell.startswith(FORMULA_START) for r in table for cell in r.values())
    assert {r["id"] for r in table} == {"'=cmd.txt", "'+1.txt", "'-2.txt", "'@SUM(A1).txt", "'=HYPERLINK(\"http://x\")", "plain"}
    journal = {r["id"] for r in rows(tmp_path / "o.csv.part.jsonl")}  # JSONL keeps the ids as they are
    assert "=cmd.txt" in journal and "-2.txt" in journal
    assert run(tiny_model, [src], tmp_path / "o.parquet", summary=False)[0] == 0  # Parquet too
    assert "=cmd.txt" in set(pd.read_parquet(tmp_path / "o.parquet")["id"])
    # every text column, tab and CR included (ids are stripped on ingest: other cells can still start so)
    row = dict(rows(tmp_path / "o.csv.part.jsonl")[0], id="\tTAB", summary="\rCR", error="-1", source="@x")
    (tmp_path / "hand.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    convert(tmp_path / "hand.jsonl", tmp_path / "hand.csv", "csv")
    with (tmp_path / "hand.csv").open(encoding="utf-8", newline="") as f:
        (cells,) = list(csv.DictReader(f))
    assert (cells["id"], cells["summary"], cells["error"], cells["source"]) == ("'\tTAB", "'\rCR", "'-1", "'@x")
    assert cells["schema_version"] == "2"


def test_issue14_7_predict_inputs(tiny_predictor):
    """Before: "", "   ", [] and ["", None] raised IndexError; None / 123 / bytes "not iterable"; a lone
    surrogate the tokenizer's TypeError; ids of the wrong length IndexError."""
    p = tiny_predictor
    assert p.predict([]) == []
    assert p.predict("").error == "empty: no article text after cleaning" and p.predict("   ").region is None
    items = [t for t, _ in BAD_PREDICT_TEXTS]
    got = p.predict(["Rebels seized the town of Goma.", *items], summary=False)
    assert got[0].error is None and got[0].region is not None and [g.id for g in got] == [str(i) for i in range(len(got))]
    for pred, (item, message) in zip(got[1:], BAD_PREDICT_TEXTS):
        assert pred.error == message and pred.region is None and pred.scores is None, item
    lone = p.predict("Rebels \ud800 seized the town.", summary=False)
    assert lone.error is None and lone.region is not None
    for args, kwargs, exc, message in BAD_PREDICT_CALLS:
        with pytest.raises(exc) as e:
            p.predict(*args, **kwargs)
        assert message in str(e.value), (args, kwargs, str(e.value))
    assert [x.id for x in p.predict(iter(["Troops advanced.", ""]), ids=[7, "b"], summary=False)] == ["7", "b"]


def test_issue14_8_concurrent_predict_equals_sequential(tiny_predictor):
    """8 threads x 6 calls on one predictor give the sequential rows, and leave the model as it was.
    Before the redesign 96 of 384 rows differed (the decoder's output layer was swapped per call)."""
    from newsdesk.ingest import iter_articles

    texts = [a.text for a in iter_articles([ARTICLES]) if a.ok]
    calls = [[texts[(i + j) % len(texts)] for j in range(4)] for i in range(6)]

    def key(preds):
        return [json.dumps(x.to_dict(), sort_keys=True) for x in preds]

    before = [key(tiny_predictor.predict(c, batch_size=2)) for c in calls]
    results, errors = {}, []
    barrier = threading.Barrier(8)

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for k in range(6):
                results[t, k] = key(tiny_predictor.predict(calls[(t + k) % 6], batch_size=2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    differing = sum(a != b for (t, k), got in results.items() for a, b in zip(got, before[(t + k) % 6]))
    assert len(results) == 48 and differing == 0
    assert [key(tiny_predictor.predict(c, batch_size=2)) for c in calls] == before


@pytest.fixture(scope="module")
def bad_model_dirs(tiny_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_models")
    return folder, make_bad_model_dirs(tiny_model, folder)


LOAD_ONLY = {"weights_nan", "tokenizer_config_garbage"}  # need the weights / the tokenizer loaded to be seen


def test_issue14_9_10_broken_model_dirs_are_refused_naming_the_file(bad_model_dirs):
    """Before: raw tracebacks (truncated/empty/random weights, config.json null or a list, short
    thresholds, bad calibration, garbage tokenizer) and silent wrong answers (tokenizer.json deleted:
    a 5-token vocabulary; reordered labels: permuted labels). check_model_dir (no weights loaded, what
    the Ray driver runs) catches all but LOAD_ONLY; Predictor.load catches every one."""
    folder, cases = bad_model_dirs
    for name, message in cases.items():
        with pytest.raises(ModelDirError) as e:
            Predictor.load(folder / name, device="cpu", dtype="fp32")
        assert message in str(e.value), (name, str(e.value))
        if name not in LOAD_ONLY:
            with pytest.raises(ModelDirError) as e:
                check_model_dir(folder / name)
            assert message in str(e.value), (name, str(e.value))


def test_broken_model_dir_through_the_cli_is_exit_1_without_traceback(bad_model_dirs, tmp_path):
    folder, _ = bad_model_dirs
    for name in ("weights_truncated", "weights_nan"):
        proc = run_cli("infer.py", str(folder / name), str(ARTICLES / "wire_items.jsonl"), "--out", str(tmp_path / "o.jsonl"),
                       check=False)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr and f"{folder / name}" in proc.stderr, proc.stderr[-2000:]
        assert not (tmp_path / "o.jsonl").exists()


def test_summary_mode_lead_writes_the_lead_clause_without_decoding(tiny_model):
    from newsdesk.summary import lead_clause

    text = (ARTICLES / "yemen_marib_clash.txt").read_text(encoding="utf-8")
    lead = newsdesk.load(tiny_model, device="cpu", dtype="fp32", generation={"summary_mode": "lead"})
    decoder = newsdesk.load(tiny_model, device="cpu", dtype="fp32", generation={"summary_mode": "abstractive"})
    calls = []
    decoder_generate = lead.model.generate_summary
    lead.model.generate_summary = lambda *a, **k: calls.append(1) or decoder_generate(*a, **k)
    a, b = lead.predict(text), decoder.predict(text)
    assert a.summary == lead_clause(text) and a.summary and not calls  # no decoding in lead mode
    assert b.summary != a.summary  # the decoder's line (the tiny model's is not the lead)
    assert (a.region, a.event_types, a.actors) == (b.region, b.event_types, b.actors)  # labels untouched
    with pytest.raises(ValueError, match="summary_mode must be one of auto, abstractive, lead, got 'extractive'"):
        newsdesk.load(tiny_model, generation={"summary_mode": "extractive"})


def test_cli_summary_mode_flag(tiny_model, tmp_path):
    from newsdesk.summary import lead_clause

    out = tmp_path / "o.jsonl"
    run_cli("infer.py", str(tiny_model), str(ARTICLES / "mali_labbezanga_border.txt"), "--out", str(out),
            "--device", "cpu", "--dtype", "fp32", "--summary-mode", "lead")
    (row,) = rows(out)
    from newsdesk.ingest import iter_articles

    (article,) = list(iter_articles([ARTICLES / "mali_labbezanga_border.txt"]))
    assert row["summary"] == lead_clause(article.text)


def test_training_resolves_summary_mode_auto_on_labelled_dev_articles(tiny_model):
    from newsdesk.data import read_records
    from newsdesk.model import NewsdeskModel
    from newsdesk.training import choose_summary_mode
    from transformers import AutoTokenizer

    info = json.loads((tiny_model / "metrics.json").read_text())["train"]["summary_mode"]
    saved = json.loads((tiny_model / "generation_config.json").read_text())["summary_mode"]
    r = info["rougeL"]  # configs/tiny.yaml leaves summary_mode at auto: training measured both and kept the better
    assert saved == info["chosen"] == ("lead" if r["lead"] > r["abstractive"] else "abstractive")
    assert info["records"] == sum(1 for x in read_records(REPO / "data/dev.jsonl") if x.get("summary") and x.get("region"))
    model, tok = NewsdeskModel.from_pretrained(tiny_model), AutoTokenizer.from_pretrained(tiny_model)
    assert choose_summary_mode(model, tok, []) is None  # already resolved: nothing to do
    model.summary_settings.summary_mode = "auto"
    few = choose_summary_mode(model, tok, read_records(REPO / "data/dev.jsonl")[:5], dtype="fp32")
    assert few["chosen"] == model.summary_settings.summary_mode == "abstractive" and "fewer than 10" in few["reason"]

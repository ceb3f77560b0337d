"""The speed benchmarks (bench/speed.py, cost_profile.py, window_policy.py, train_profile.py) and their timers,
on the tiny model: what they report is right and complete; no timing is asserted."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))


def bench(name: str):
    return importlib.import_module(name)


# ----------------------------------------------------------------------------- timers
def test_timers_count_nested_calls_exclusively_and_restore():
    timers = bench("timers")

    class Work:
        def outer(self):
            time.sleep(0.02)
            self.inner()
            return "done"

        def inner(self):
            time.sleep(0.03)

    w = Work()
    t = timers.Timers()
    assert t.wrap(w, "outer") and t.wrap(Work, "inner")
    assert not t.wrap(w, "absent")
    assert t.missing == ["Work.absent"]
    with t.section("all"):
        assert w.outer() == "done"
    ex = t.exclusive()
    assert set(ex) == {("all",), ("all", "outer"), ("all", "outer", "inner")}
    assert ex[("all", "outer", "inner")] >= 0.03 and 0.02 <= ex[("all", "outer")] < 0.03 + 0.02
    assert sum(ex.values()) == pytest.approx(t.total(), abs=1e-6)
    t.restore()
    assert "outer" not in w.__dict__ and Work.inner.__name__ == "inner" and not hasattr(Work.inner, "__wrapped__")


# ----------------------------------------------------------------------------- speed.py: accuracy columns
def test_quality_scores_against_gold_with_the_eval_metric_code():
    speed = bench("speed")
    predictor = SimpleNamespace(labels={"region": ["A", "B"], "event_types": ["x", "y"], "actors": ["Police", "Army"]},
                                aliases={"cops": "Police"})
    records = [{"id": "1", "text": "t", "region": "A", "event_types": ["x"], "actors": ["cops"], "summary": None},
               {"id": "2", "text": "t", "region": "B", "event_types": ["y"], "actors": ["Army"], "summary": "Army takes town"},
               {"id": "3", "text": "t", "region": None, "event_types": None, "actors": None, "summary": None}]
    preds = [{"region": "A", "event_types": ["x"], "actors": ["Police", "Some Name"], "summary": "x"},
             {"region": "B", "event_types": ["y"], "actors": ["Army"], "summary": "Army takes town"},
             {"region": "A", "event_types": [], "actors": [], "summary": "x"}]
    q = speed.quality(preds, records, predictor)
    assert q["region_macro_f1"] == 1.0 and q["event_types_macro_f1"] == 1.0
    assert q["actors_micro_f1"] == 1.0  # gold "cops" through the alias table; "Some Name" is not a model label
    assert q["rougeL"] == pytest.approx(1.0) and q["n_rougeL"] == 1 and q["n_region_macro_f1"] == 2
    worse = speed.quality([preds[0], {**preds[1], "event_types": ["x"]}, preds[2]], records, predictor)
    assert speed.below(worse, q) == ["event-type macro-F1"]


def test_table_has_accuracy_ratios_and_below_baseline():
    speed = bench("speed")
    q = {"region_macro_f1": 0.9, "event_types_macro_f1": 0.8, "actors_micro_f1": 0.7, "rougeL": 0.2}
    pred = {"region": "A", "event_types": [], "actors": [], "summary": "s"}
    results = {"baseline": {"n": 2, "labels_s": 1.0, "full_s": 4.0, "rss_mb": 1, "preds": [pred] * 2, "quality": q},
               "fp32": {"n": 2, "labels_s": 0.5, "full_s": 1.0, "rss_mb": 1, "preds": [pred] * 2,
                        "quality": {**q, "actors_micro_f1": 0.6}}}
    rows = speed.table(results, [{}, {}])
    header, base, fp32 = rows[0], rows[2], rows[3]
    for h in ("region macro-F1", "event-type macro-F1", "actor micro-F1", "ROUGE-L", "below baseline"):
        assert h in header
    assert "| 2.0x |" in fp32 and "| 4.0x |" in fp32 and "actor micro-F1" in fp32.split("|")[-3]
    assert "| 0.900 |" in base and "| 1.0x |" in base


def test_machine_names_the_cpu_and_its_bf16_support():
    speed = bench("speed")
    line = speed.machine()
    c = speed.cpu_info()
    assert c["name"] in line and "AVX512-BF16" in line and "AMX" in line
    assert isinstance(c["avx512_bf16"], bool) and isinstance(c["amx"], bool)


def test_speed_benchmark_end_to_end_on_the_tiny_model(tiny_model, tmp_path, capsys):
    speed = bench("speed")
    out = tmp_path / "speed.json"
    # the place evidence off (beta 0): the baseline (a user's pipeline) has none, and the equality below
    # is about what the encoder reads
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    cfg = json.loads((model / "config.json").read_text())
    cfg["place_regions"]["beta"] = 0.0
    (model / "config.json").write_text(json.dumps(cfg))
    code = speed.main(["--model", str(model), "--limit", "4", "--modes", "baseline,fp32,fp32/lead", "--threads", "1",
                       "--summary-mode", "lead", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "machine: CPU" in text and "event-type macro-F1" in text and "| baseline | 4 |" in text
    assert "| fp32, lead summaries | 4 |" in text
    res = json.loads(out.read_text())["results"]
    for mode in ("baseline", "fp32"):
        q = res[mode]["quality"]
        assert q["n_region_macro_f1"] == 4 and 0.0 <= q["region_macro_f1"] <= 1.0 and q["rougeL"] is not None
    # newsdesk reading only the lead window sees what the baseline sees (it truncates at max_length): same region and event types
    lead, base = res["fp32/lead"]["preds"], res["baseline"]["preds"]
    assert [(p["region"], p["event_types"]) for p in lead] == [(p["region"], p["event_types"]) for p in base]
    # --summary-mode lead: the newsdesk modes serve the lead clause (no decoding); the baseline still decodes
    from newsdesk.predictor import lead_words
    from newsdesk.summary import lead_clause
    texts = [r["text"] for r in speed.load_articles(None, 4)]
    assert (res["fp32"]["summary_mode"], res["baseline"]["summary_mode"]) == ("lead", "abstractive")
    assert [p["summary"] for p in res["fp32"]["preds"]] == [lead_clause(t) or lead_words(t) for t in texts]


# ----------------------------------------------------------------------------- cost profile
def test_cost_profile_covers_the_prediction_path_and_restores_it(tiny_model, tmp_path, capsys):
    cp = bench("cost_profile")
    import newsdesk.predictor as pmod
    from newsdesk.predictor import Predictor

    data = tmp_path / "articles.jsonl"
    rows = [{"id": f"s{i}", "text": "Police arrested two men in Lagos on Monday after a protest over fuel prices."}
            for i in range(3)]
    long_text = open(REPO / "data/dev.jsonl", encoding="utf-8").readline()
    long_text = json.loads(long_text)["text"]
    rows += [{"id": f"l{i}", "text": " ".join([long_text] * 3)} for i in range(2)]
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "profile.json"
    tokenize = pmod.tokenize_windows
    assert cp.main(["--model", str(tiny_model), "--data", str(data), "--limit", "4", "--threads", "1",
                    "--json", str(out)]) == 0
    assert pmod.tokenize_windows is tokenize  # restored
    text = capsys.readouterr().out
    assert "**short note**: 3 articles" in text and "**long article**: 2 articles" in text
    assert "Python overhead" in text and "Encoder efficiency" in text and "decoder step" in text
    got = json.loads(out.read_text())
    for name, r in got["types"].items():
        stages = r["stages"]
        for must in ("cleaning", "tokenisation", "encoder", "heads", "mention decoding", "decoder: transformer",
                     "decoder: constraint mask", "decoder: constraint advance", "summary: rendering", "faithfulness"):
            assert stages.get(must, 0) > 0, (name, must)
        assert set(stages) <= set(cp.STAGES), set(stages) - set(cp.STAGES)
        assert sum(stages.values()) == pytest.approx(r["timed_s"], rel=1e-6) and r["timed_s"] <= r["wall_s"] + 1e-6
        assert not r["missing"]
    eff = got["encoder_efficiency"]["long article"]
    assert eff["real_tokens"] > 0 and 0 < eff["efficiency"] and eff["batches"] >= 1
    p = Predictor.load(tiny_model, device="cpu", dtype="fp32")
    assert "encode" not in vars(p.model) and "score" not in vars(p)


def test_bare_encoder_gives_the_encoder_states(tiny_predictor):
    import torch

    cp = bench("cost_profile")
    bare, _ = cp.bare_encoder(tiny_predictor)
    ids = torch.tensor([[101, 2000, 2001, 102]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        a = tiny_predictor.model.encode(ids, mask)
        b = bare(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(a, b, atol=1e-5)


# ----------------------------------------------------------------------------- window policy
NOTES = [
    ("2018-02-28", "Yemen", "Saudi-led coalition airstrikes hit Kitaf district in Sadah. No injuries reported.", ["airstrike_shelling"], ["A"]),
    ("2018-02-28", "Yemen", "Houthi forces clashed with government troops near Nihm in Sanaa.", ["clash"], ["B"]),
    ("2018-02-28", "Yemen", "Protesters gathered in Taiz against rising prices.", ["protest_riot"], []),
    ("2018-02-28", "Syria", "Shelling hit Douma in Eastern Ghouta.", ["airstrike_shelling"], ["C"]),
]


def _notes_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.jsonl"
    rows = [{"id": f"n{i}", "text": t, "region": "Middle East", "event_types": e, "actors": a, "summary": None,
             "meta": {"event_date": d, "country": c}} for i, (d, c, t, e, a) in enumerate(NOTES)]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def test_assembled_articles_take_the_union_of_their_notes_labels(tmp_path):
    wp = bench("window_policy")
    cp = bench("cost_profile")
    notes = cp.load_raw([str(_notes_file(tmp_path))])
    arts = wp.assemble(notes, ("event_date", "country"), 3, 12, None)
    assert len(arts) == 1
    a = arts[0]
    assert a["id"] == "assembled-2018-02-28-Yemen" and a["notes"] == 3 and a["region"] == "Middle East"
    assert a["event_types"] == ["airstrike_shelling", "clash", "protest_riot"] and a["actors"] == ["A", "B"]
    assert a["text"].count("\n\n") == 2 and "Douma" not in a["text"]


def test_max_windows_cuts_windows_inside_score_only(tiny_predictor):
    wp = bench("window_policy")

    text = json.loads(open(REPO / "data/dev.jsonl", encoding="utf-8").readline())["text"]
    (all_windows,) = tiny_predictor.score([text], summary=False)
    assert all_windows.windows > 2
    with wp.max_windows(tiny_predictor, 2):
        (two,) = tiny_predictor.score([text], summary=False)
    assert two.windows == 2 and two.unread == all_windows.windows - 2 and tiny_predictor.max_windows is None
    wide = wp.rewindowed(tiny_predictor, 128, 32)
    (w,) = wide.score([text], summary=False)
    assert w.windows < all_windows.windows and tiny_predictor.config.max_length == 64


def test_window_policy_benchmark_end_to_end(tiny_model, tmp_path, capsys):
    wp = bench("window_policy")
    out = tmp_path / "wp.json"
    code = wp.main(["--model", str(tiny_model), "--windows", "64:16", "96:24", "--policies", "all,lead,lead+1,adaptive,adaptive-events",
                    "--limit", "3", "--acled-me", str(_notes_file(tmp_path)), "--min-notes", "3", "--threads", "1",
                    "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "**samples** (3 articles)" in text and "**assembled** (1 articles)" in text and "**pooled**" in text
    res = json.loads(out.read_text())["results"]
    assert set(res) == {f"{w} {p}" for w in ("64:16", "96:24") for p in ("all", "lead", "lead+1", "adaptive", "adaptive-events")}
    assert res["64:16 lead"]["windows_read"] == 1.0
    assert res["64:16 all"]["windows_read"] > res["64:16 lead+1"]["windows_read"] >= res["64:16 lead"]["windows_read"]
    assert res["64:16 all"]["windows_read"] > res["96:24 all"]["windows_read"]
    assert res["64:16 adaptive"]["windows_read"] <= res["64:16 all"]["windows_read"]


# ----------------------------------------------------------------------------- training profile
def test_train_profile_on_the_tiny_config(tmp_path, capsys):
    tp = bench("train_profile")
    import torch

    from newsdesk.model import NewsdeskModel

    forward, backward, step = NewsdeskModel.forward, torch.Tensor.backward, torch.optim.AdamW.step
    out = tmp_path / "tp.json"
    assert tp.main(["--config", "configs/tiny.yaml", "--records", "24", "--dev-records", "8", "--threads", "1",
                    "--json", str(out)]) == 0
    assert NewsdeskModel.forward is forward and torch.Tensor.backward is backward and torch.optim.AdamW.step is step
    text = capsys.readouterr().out
    assert "label epochs" in text and "dev eval" in text and "examples/s" in text and "metrics.json:" in text
    ex = json.loads(out.read_text())["exclusive"]
    assert any("encoder forward" in k for k in ex) and any(k.endswith("optimizer step") for k in ex)


def test_timers_wrap_classmethods_and_restore_them():
    timers = bench("timers")

    class Maker:
        @classmethod
        def build(cls, x):
            return (cls, x)

    t = timers.Timers()
    t.wrap(Maker, "build", "build")
    assert Maker.build(2) == (Maker, 2) and t.calls[("build",)] == 1
    t.restore()
    assert isinstance(Maker.__dict__["build"], classmethod) and Maker.build(3) == (Maker, 3)


# ----------------------------------------------------------------------------- decoder variants
def test_cached_mask_equals_the_mask_at_every_step(tiny_predictor):
    import torch

    dv = bench("decoder_variants")
    if not dv.mask_is_current():
        pytest.skip("WordConstraint.mask changed since bench/decoder_variants.cached_mask was written (stale variant)")
    texts = [json.loads(line)["text"] for line in open(REPO / "data/dev.jsonl", encoding="utf-8").readlines()[:3]]
    for beams in (1, 2):
        subset, c = tiny_predictor.vocab.constraint(texts, beams=beams)
        gen = torch.Generator().manual_seed(beams)
        rows = len(texts) * beams
        for _ in range(12):
            m = c.mask()
            assert torch.equal(m, dv.cached_mask(c))
            allowed = m.float() + 1e-6 * torch.rand(m.shape, generator=gen)  # a random allowed token per row
            parents = torch.arange(rows).reshape(len(texts), beams)[:, torch.randint(beams, (beams,), generator=gen)].reshape(-1)
            c.advance(parents, allowed[parents].argmax(1))


def test_decoder_variants_runs_on_the_tiny_model(tiny_model, capsys):
    dv = bench("decoder_variants")
    assert dv.main(["--model", str(tiny_model), "--limit", "6", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ") and "variant" not in line}
    assert set(rows) == {"current", "cached-mask", "lead-vocab"}
    assert "| 100% |" in rows["cached-mask"] or ("skipped" in rows["cached-mask"] and not dv.mask_is_current())

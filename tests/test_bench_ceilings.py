"""bench/actor_ceilings.py: the in-sample threshold ceiling, the two scoring conventions of MUC-4
perpetrators, the tags it trains on, and the script end to end on the tiny model."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("actor_ceilings", REPO / "bench/actor_ceilings.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_in_sample_cuts_reach_what_the_served_cut_misses(bench):
    # label 0: positives score 0.3, negatives 0.2 (a 0.5 cut finds none); label 1 is right at 0.5 already
    probs = np.array([[0.3, 0.9], [0.3, 0.1], [0.2, 0.9], [0.2, 0.1]])
    gold = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=bool)
    served = np.array([0.5, 0.5])
    assert bench.micro(probs, gold, served) == pytest.approx((1.0, 0.5, 2 / 3))
    cuts = bench.fit_cuts_in_sample(probs, gold, served)
    assert 0.2 < cuts[0] <= 0.3 and cuts[1] == 0.5
    assert bench.micro(probs, gold, cuts) == pytest.approx((1.0, 1.0, 1.0))


def test_perpetrator_scores_strict_and_entity_conventions(bench):
    docs = [{"gold": ["guatemalan national revolutionary unity"],
             "entities": [["guatemalan national revolutionary unity", "urng"]]},
            {"gold": [], "entities": []}]
    key = str.lower
    found = [{"urng": 0.9, "army": 0.4}, {"fmln": 0.7}]
    at_half = bench.perpetrator_scores(found, docs, key, 0.5)
    # strict: the gold's first mention only -> "urng" misses; entity: any mention of the entity finds it
    assert at_half["strict_f1"] == 0.0 and at_half["entity_p"] == 0.5 and at_half["entity_r"] == 1.0
    assert bench.perpetrator_scores(found, docs, key, 0.8)["entity_f1"] == 1.0  # only "urng" is left


def test_tag_windows_marks_every_occurrence_of_a_perpetrator_mention(bench, tiny_predictor):
    record = {"text": "the fmln attacked a post. army units fought the fmln near the town.", "actors": ["fmln"],
              "meta": {"templates": [{"PerpOrg": [[["fmln", 4]]]}]}}
    doc = bench.tag_windows(tiny_predictor, record)
    marked = {doc["text"][a:b].lower() for offs, tags in zip(doc["offsets"], doc["tags"])
              for (a, b), t in zip(offs, tags) if t in (1, 2)}
    starts = [a for offs, tags in zip(doc["offsets"], doc["tags"]) for (a, _), t in zip(offs, tags) if t == 1]
    assert marked and all(m in "fmln" for m in marked)
    assert len(set(starts)) == 2  # both occurrences begin a B tag
    assert all(t == -100 for tags in doc["tags"] for t in (tags[0], tags[-1]))  # special tokens are not trained


def test_actor_ceilings_runs_on_a_model_and_says_what_data_it_lacks(bench, tiny_model, tmp_path, capsys):
    data = tmp_path / "data"
    (data / "muc4").mkdir(parents=True)
    (data / "acled_me2018").mkdir()
    muc = [{"id": f"m{k}", "text": f"the {g} bombed a bridge in the north on day {k}. the army said troops responded.",
            "actors": [g], "meta": {"templates": [{"PerpOrg": [[[g, 4]]]}]}}
           for k, g in enumerate(["fmln", "eln", "urng", "fmln"])]
    (data / "muc4/train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in muc[:3]))
    (data / "muc4/dev.jsonl").write_text(json.dumps(muc[3]) + "\n")
    with pytest.raises(SystemExit):
        bench.main(["--model", str(tiny_model), "--data-dir", str(data)])
    assert "lacks acled_me2018/dev.jsonl" in capsys.readouterr().err
    notes = [{"id": f"n{k}", "text": "Regime forces shelled a village in Idlib.", "actors": ["Military Forces of Syria (2000-)"]}
             for k in range(3)]
    (data / "acled_me2018/dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in notes))
    out_json = tmp_path / "ceilings.json"
    assert bench.main(["--model", str(tiny_model), "--data-dir", str(data), "--epochs", "1", "--json", str(out_json)]) == 0
    result = json.loads(out_json.read_text())
    assert result["catalogue"]["records"] == 3
    assert result["catalogue"]["in_sample"][2] >= result["catalogue"]["served"][2]
    assert [(r["epoch"], r["cut"]) for r in result["perpetrators"]] == [(1, c) for c in bench.CUTS]
    assert "3 train / 1 dev records" in capsys.readouterr().out

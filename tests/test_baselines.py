"""TF-IDF baseline on a toy, perfectly separable record set; lead-1 and TextRank on known texts."""

import numpy as np
import pytest

from newsdesk.baselines import TfidfBaseline, _MultilabelHead, gazetteer_predictions, lead1, record_text, textrank
from newsdesk.calibration import GRID

# Region is given away by the place names, event types by "clashed"/"marched", actors by their names.
_PLACES = {"Western Africa": "Mopti in central Mali", "South Asia": "Quetta in western Pakistan"}
_EVENTS = {"clash": "Soldiers clashed with fighters", "protest_riot": "Crowds marched against prices"}
_ACTORS = {"JNIM": "JNIM militants were seen", "police": "police officers were deployed", "Wagner": "Wagner troops"}


def _record(i: int, region: str, events: list[str], actors: list[str]) -> dict:
    parts = [f"{_EVENTS[e]} near {_PLACES[region]}." for e in events] + [f"{_ACTORS[a]} there." for a in actors]
    return {
        "id": f"toy-{i}", "title": None, "text": " ".join(parts) or f"Quiet day in {_PLACES[region]}.",
        "region": region, "event_types": events, "actors": actors, "summary": None,
    }


_COMBINATIONS = [  # (event types, actors), used once per region
    (["clash"], ["JNIM"]),
    (["clash"], ["JNIM", "police"]),
    (["protest_riot"], ["police"]),
    (["protest_riot"], ["police"]),
    (["clash", "protest_riot"], ["JNIM", "police"]),
    ([], []),
    (["clash"], ["JNIM"]),
]
_ROWS = [(region, events, actors) for region in _PLACES for events, actors in _COMBINATIONS]
_ROWS.append(("Western Africa", ["clash"], ["JNIM", "Wagner"]))  # Wagner: a one-mention actor
RECORDS = [_record(i, *row) for i, row in enumerate(_ROWS)]


@pytest.fixture(scope="module")
def model() -> TfidfBaseline:
    return TfidfBaseline().fit(RECORDS)


def test_record_text_is_the_body_only():
    assert record_text({"title": "Headline", "text": "Body."}) == "Body."
    assert record_text({"title": None, "text": " Body. "}) == "Body."


def test_separable_training_records_get_their_labels(model):
    predictions = model.predict([record_text(r) for r in RECORDS])
    for record, prediction in zip(RECORDS, predictions):
        assert prediction["region"] == record["region"]
        assert sorted(prediction["event_types"]) == sorted(record["event_types"])
        # Wagner (one mention) may or may not be learnt; the frequent actors must be.
        assert set(prediction["actors"]) - {"Wagner"} == set(record["actors"]) - {"Wagner"}


def test_unseen_text(model):
    text = "Crowds marched against prices near Quetta in western Pakistan; police officers were deployed."
    [prediction] = model.predict([text])
    assert prediction == {"region": "South Asia", "event_types": ["protest_riot"], "actors": ["police"]}


def test_predict_proba_matches_label_sets(model):
    [probs] = model.predict_proba([record_text(RECORDS[0])])
    assert set(probs["region"]) == set(_PLACES)
    assert set(probs["actors"]) == {"JNIM", "Wagner", "police"}
    assert sum(probs["region"].values()) == pytest.approx(1.0)


def test_actor_label_set_is_respected():
    model = TfidfBaseline().fit(RECORDS, actor_labels=["police"])
    assert model.heads["actors"].labels == ["police"]  # one label: the single-column path
    predictions = model.predict([record_text(r) for r in RECORDS])
    assert all(p["actors"] in ([], ["police"]) for p in predictions)
    assert [p["actors"] == ["police"] for p in predictions] == ["police" in r["actors"] for r in RECORDS]


def test_unlabelled_task_and_constant_labels():
    records = [
        {**r, "actors": None, "region": "Western Africa", "event_types": r["event_types"] + ["conflict"]}
        for r in RECORDS
    ]
    # Constant in train: one region only, "conflict" always present, "airstrike" never.
    model = TfidfBaseline().fit(records, event_labels=["clash", "protest_riot", "airstrike", "conflict"])
    prediction = model.predict(["Soldiers clashed with fighters."])[0]
    assert prediction == {"region": "Western Africa", "event_types": ["clash", "conflict"], "actors": None}
    assert model.predict([]) == []
    # A single never-present label (the one-column path) is never predicted.
    assert TfidfBaseline().fit(RECORDS, actor_labels=["Hezbollah"]).predict(["Wagner troops."])[0]["actors"] == []


def test_tune_thresholds(model):
    thresholds = model.tune_thresholds(RECORDS[:7])
    assert set(thresholds) == {"event_types", "actors"}
    assert all(t in GRID for task in thresholds.values() for t in task.values())


class _FixedProbabilities:
    def __init__(self, p):
        self.p = np.asarray(p)

    def predict_proba(self, X):
        return self.p


def test_thresholds_come_from_calibrations_search():
    """The baseline tunes its thresholds with the model's search (calibration.tune_thresholds: 0.025 grid,
    ties to the cut nearest 0.5, one cut shared by the labels with under 3 dev positives, pooled over them)."""
    model = TfidfBaseline().fit(RECORDS)
    #            a     b      gold a  gold b
    rows = [(0.90, 0.10, 1, 0), (0.80, 0.10, 1, 0), (0.72, 0.10, 1, 0), (0.60, 0.10, 0, 0), (0.20, 0.65, 0, 1)]
    model.heads["actors"] = _MultilabelHead(["a", "b"], _FixedProbabilities([r[:2] for r in rows]), np.full(2, 0.5))
    dev = [{"text": "t", "actors": [n for n, g in zip("ab", r[2:]) if g]} for r in rows]
    # a (3 positives, own cut): F1 = 1 for cuts in (0.60, 0.72] -> grid 0.625 ... 0.7 -> nearest 0.5: 0.625
    # b (1 positive: the rare labels' shared cut, pooled over b alone): F1 = 1 for cuts in (0.10, 0.65] -> 0.5
    # (pooled with a as well, the cut was 0.625: set by a frequent label)
    assert model.tune_thresholds(dev)["actors"] == {"a": 0.625, "b": 0.5}
    assert model.predict(["t"] * 5)[3]["actors"] == [] and model.predict(["t"] * 5)[4]["actors"] == ["b"]


ARTICLE = (
    "Rebels attacked the northern town on Monday.\n\n"
    "The rebels attacked the town and the army fought the rebels near the northern market.\n\n"
    "The army sent reinforcements to the town.  Market traders fled."
)


def test_lead1():
    text = "KABUL — Gen. Ali said the U.S.\nArmy left.  Officials agreed."
    assert lead1(text) == "KABUL — Gen. Ali said the U.S. Army left."
    assert lead1("") == ""


def test_textrank_picks_the_most_central_sentence():
    # Sentence 2 shares words with every other sentence.
    assert textrank(ARTICLE) == "The rebels attacked the town and the army fought the rebels near the northern market."


def test_textrank_ties_and_short_texts():
    assert textrank("Rebels attacked Goma. Markets closed early. Schools stayed open.") == "Rebels attacked Goma."
    assert textrank("Only  one sentence here") == "Only one sentence here"
    assert textrank("") == ""


def test_gazetteer_baseline():
    text = "Houthis clashed with Yemeni forces; ISIS and Yemeni troops watched. The houthis held."
    rows, info = gazetteer_predictions([{"text": text}], ["Houthis", "Houthis"], {"isis": "Islamic State"},
                                       ["Military Forces of Yemen"])
    # a TRAIN name, a catalogue actor's surface forms ("Yemeni forces", "Yemeni troops"), an alias; case-insensitive
    spans = [(m["text"], m["start"], m["end"], m["canonical"]) for m in rows[0]["actor_mentions"]]
    assert spans == [("Houthis", 0, 7, "Houthis"), ("Yemeni forces", 21, 34, "Military Forces of Yemen"),
                     ("ISIS", 36, 40, "Islamic State"), ("Yemeni troops", 45, 58, "Military Forces of Yemen"),
                     ("houthis", 72, 79, "Houthis")]
    assert rows[0]["actors"] == ["Houthis", "Military Forces of Yemen", "Islamic State"]  # once each, first match first
    assert (info["train_actor_names"], info["aliases"], info["catalogue"]) == (1, 1, 1)

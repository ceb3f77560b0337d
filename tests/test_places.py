"""Region evidence from place names (newsdesk.places): the table, the matcher, the fusion, beta on dev."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from newsdesk.places import PlaceIndex, build_table, fit_beta, fuse, load_extra

REGIONS = ["Middle Africa", "Southern Africa", "Western Africa", "Eastern Africa", "Northern Africa", "Caribbean"]


def _notes():
    rec = lambda region, country, *places: {"region": region, "country": country, "places": sorted({country, *places})}  # noqa: E731
    return ([rec("Middle Africa", "Gabon", "Estuaire", "Libreville")] * 3
            + [rec("Middle Africa", "Democratic Republic of Congo", "Ituri", "Bunia")] * 5
            + [rec("Eastern Africa", "Uganda", "Kampala")] * 4
            # "Abyei": Sudan 2, South Sudan 2 -> no region reaches 90%: left out
            + [rec("Northern Africa", "Sudan", "Abyei")] * 2 + [rec("Eastern Africa", "South Sudan", "Abyei")] * 2
            + [rec("Southern Africa", "Zambia", "Ndola", "Lusaka", "Kafue")] + [{"region": None, "places": ["Kafue"]}]
            + [rec("Middle East", "Lebanon", "North", "Tripoli")] * 2 + [rec("Middle East", "Turkey", "Ankara")])


def test_table_from_training_records_and_the_hand_written_names():
    extra = {"countries": {"Western Africa": ["Togo"], "Southern Africa": ["Gabon"]},  # Gabon: the records win
             "capitals": {"Western Africa": ["Lome"]}, "demonyms": {"Western Africa": ["Togolese"], "Northern Africa": ["Sudanese"],
                                                                     "Eastern Africa": ["South Sudanese"]}}
    t = build_table(_notes(), extra)
    assert t["Gabon"] == ["Middle Africa", "country"] and t["Libreville"] == ["Middle Africa", "place"]
    assert t["Ituri"] == ["Middle Africa", "place"] and "Abyei" not in t  # ambiguous between regions
    assert t["Togo"] == t["Lome"] == ["Western Africa", "country"] and t["Togolese"] == ["Western Africa", "demonym"]
    assert t["Kafue"] == ["Southern Africa", "place"]  # the record without a region counts for nothing
    # an admin area called "North" is no place name in a news article; a country that is a word stays
    assert "North" not in t and t["Turkey"] == ["Middle East", "country"] and t["Tripoli"] == ["Middle East", "place"]


def test_matcher_finds_datelines_in_capitals_and_the_longest_name():
    t = build_table(_notes(), {"countries": {"Caribbean": ["Trinidad and Tobago", "Port of Spain"]},
                               "demonyms": {"Northern Africa": ["Sudanese"], "Eastern Africa": ["South Sudanese"]}})
    idx = PlaceIndex(t, REGIONS)
    text = ("LIBREVILLE — Gabon's oil output rose. South Sudanese troops crossed; Sudanese officials in ituri "
            "said. PORT OF SPAIN — Police in Trinidad and Tobago seized rifles.")
    found = [(name, region) for name, _, region in idx.matches(text)]
    assert found == [("Libreville", "Middle Africa"), ("Gabon", "Middle Africa"), ("South Sudanese", "Eastern Africa"),
                     ("Sudanese", "Northern Africa"), ("Port of Spain", "Caribbean"), ("Trinidad and Tobago", "Caribbean")]
    # "ituri" in lower case is no name; "Spain" inside "PORT OF SPAIN" is not matched on its own


def test_evidence_weighs_countries_and_the_dateline():
    t = build_table(_notes(), {"demonyms": {"Eastern Africa": ["Ugandan"]}})
    idx = PlaceIndex(t, REGIONS)
    e = idx.evidence("Gabon said so." + " word" * 80 + " Ituri and Ugandan troops.")
    # Gabon: country 3 x lead 2 = 6 (Middle Africa); Ituri: place 1 (after the lead); Ugandan: demonym 0.5
    assert e[REGIONS.index("Middle Africa")] == pytest.approx(7.0) and e[REGIONS.index("Eastern Africa")] == pytest.approx(0.5)


def test_fuse_and_fit_beta():
    p = np.array([0.05, 0.9, 0.05, 0, 0, 0])
    e = np.array([7.0, 0, 0, 0, 0, 0])
    assert np.array_equal(fuse(p, e, 0.0), p) and np.array_equal(fuse(p, np.zeros(6), 2.0), p)
    assert int(np.argmax(fuse(p, e, 2.0))) == 0 and fuse(p, e, 2.0).sum() == pytest.approx(1.0)
    assert int(np.argmax(fuse(p, e, 0.5))) == 1  # a weak weight leaves a confident head alone
    # the head is wrong where the article names its country: a weight > 0 wins; where the names mislead, 0
    right = [(p, e, 0)] * 3 + [(np.array([0.1, 0.8, 0.1, 0, 0, 0]), np.zeros(6), 1)] * 3
    beta, scores = fit_beta(*zip(*right))
    assert beta > 0 and scores[beta] == 1.0 and scores[0.0] == 0.5
    wrong = [(np.array([0.6, 0.4, 0, 0, 0, 0]), np.array([0, 9.0, 0, 0, 0, 0]), 0)] * 2
    assert fit_beta(*zip(*wrong))[0] == 0.0
    # groups weigh the same whatever their size: 100 notes the weight does not change, 2 articles it fixes
    notes = [(np.array([0, 0.9, 0.1, 0, 0, 0]), np.zeros(6), 1)] * 100
    articles = [(p, e, 0)] * 2
    beta, scores = fit_beta(*zip(*(notes + articles)), groups=["notes"] * 100 + ["articles"] * 2)
    assert beta > 0 and scores[0.0] == pytest.approx(0.5)


def test_load_extra_names_what_is_wrong(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("cities:\n  Europe: [Paris]\n")
    with pytest.raises(ValueError, match="expected 'countries', 'capitals' and 'demonyms'"):
        load_extra(bad)
    with pytest.raises(FileNotFoundError, match="data.place_regions: .* not found"):
        load_extra(tmp_path / "missing.yaml")
    assert load_extra(None) == {}


def test_repo_table_loads_and_maps_to_known_regions():
    from newsdesk.places import load_extra as load
    from pathlib import Path

    extra = load(Path(__file__).resolve().parents[1] / "data" / "place_regions.yaml")
    acled16 = {"Middle East", "Northern Africa", "Western Africa", "Middle Africa", "Eastern Africa", "Southern Africa",
               "South Asia", "Southeast Asia", "East Asia", "Caucasus and Central Asia", "Europe", "North America",
               "Central America", "South America", "Caribbean", "Oceania"}
    assert {r for part in extra.values() for r in part} <= acled16
    names = [n for part in extra.values() for ns in part.values() for n in ns]
    assert len(names) == len(set(names))  # one region per name


def test_predictor_decides_the_region_with_the_place_evidence(tiny_model, tmp_path):
    import newsdesk
    from newsdesk.predictor import ModelDirError

    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    cfg = json.loads((d / "config.json").read_text())
    regions = cfg["labels"]["region"]
    text = "Rebels clashed with the army near the town on Sunday, officials said."
    named = "ZORVANIA — " + text + " Zorvania's army said."
    base = newsdesk.load(d, device="cpu", dtype="fp32")
    head, plain = base.predict(named, summary=False).region, base.predict(text, summary=False).region
    other = next(r for r in regions if r != head)
    cfg["place_regions"] = {"table": {"Zorvania": [other, "country"]}, "beta": 3.0}
    (d / "config.json").write_text(json.dumps(cfg))
    p = newsdesk.load(d, device="cpu", dtype="fp32")
    assert p.predict(text, summary=False).region == plain  # names no place: the head decides
    assert p.predict(named, summary=False).region == other
    cfg["place_regions"]["beta"] = 0.0
    (d / "config.json").write_text(json.dumps(cfg))
    assert newsdesk.load(d, device="cpu", dtype="fp32").predict(named, summary=False).region == head
    cfg["place_regions"] = {"table": {"Zorvania": other}, "beta": 1.0}
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelDirError, match="place_regions must be"):
        newsdesk.load(d)

"""`newsdesk eval`: metrics on hand-made predictions, baselines on data/, the report end to end, bench/quality.py."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from newsdesk.baselines import (
    BASELINE_SEED, body_only, extractive_summaries, fit_tfidf_baseline, record_text, split_for_tuning,
)
from newsdesk.cli import main as cli_main
from newsdesk.data import LabelMaps, load_aliases, read_records
from newsdesk.eval_run import raw_probabilities
from newsdesk.evaluation import (
    HEADLINE, actor_name_metrics, calibration_metrics, calibration_pairs, headline_table, linked_actor_metrics,
    mention_metrics, task_metrics,
)
from newsdesk.readability import flag_names, flags, nonwords, summary_counters
from newsdesk.report import update_model_card, worst_labels
from newsdesk.summary import FUNCTION_WORDS, SummaryWords

REPO = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"

# ----------------------------------------------------------------------------- hand-made predictions
CANON = LabelMaps({}, {"isis": "Islamic State", "islamic state": "Islamic State"}).canonical_actor
LABELS = {"region": ["A", "B"], "event_types": ["x", "y"], "actors": ["Islamic State", "Police"]}
RECORDS = [
    {"id": "r0", "text": "Troops entered the city at dawn.", "region": "A", "event_types": ["x"], "actors": ["ISIS"], "summary": "troops entered the city"},
    {"id": "r1", "text": "t1", "region": "B", "event_types": [], "actors": None, "summary": None},
    {"id": "r2", "text": "t2", "region": None, "event_types": None, "actors": ["Police"], "summary": None},
]
PREDS = [
    {"region": "A", "event_types": ["x"], "actors": ["Islamic State"], "summary": "Troops entered the city."},
    {"region": "A", "event_types": ["y"], "actors": ["Islamic State"], "summary": "not scored: no gold summary"},
    {"region": "B", "event_types": ["x"], "actors": [], "summary": None},
]


def test_task_metrics_scores_each_task_on_its_labelled_records():
    m = task_metrics(PREDS, RECORDS, LABELS, CANON)
    # Region on r0, r1 (r2 unlabelled): predicted A, A vs gold A, B -> accuracy 1/2.
    # A: P 1/2, R 1, F1 2/3; B: F1 0 -> macro-F1 (labels with gold support) = 1/3.
    assert m["region"]["n"] == 2
    assert m["region"]["accuracy"] == pytest.approx(0.5)
    assert m["region"]["macro_f1"] == pytest.approx(1 / 3)
    assert m["region"]["per_label"]["A"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert m["region"]["confusion_matrix"] == {"labels": ["A", "B"], "matrix": [[1, 0], [1, 0]]}
    # Event types on r0, r1: x (TP 1), y (FP 1) -> micro-F1 2/3; macro over x only = 1;
    # example F1: r0 1, r1 0 (predicted y, gold empty) -> 1/2.
    assert m["event_types"]["n"] == 2
    assert m["event_types"]["micro_f1"] == pytest.approx(2 / 3)
    assert m["event_types"]["macro_f1"] == pytest.approx(1.0)
    assert m["event_types"]["example_f1"] == pytest.approx(0.5)
    assert m["event_types"]["per_label"]["y"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # Actors on r0 (gold "ISIS" -> canonical "Islamic State": hit) and r2 (Police missed); r1 unlabelled.
    # TP 1, FN 1 -> micro-F1 2/3; macro (1 + 0) / 2; example F1 (1 + 0) / 2.
    assert m["actors"]["n"] == 2
    assert m["actors"]["micro_f1"] == pytest.approx(2 / 3)
    assert m["actors"]["macro_f1"] == pytest.approx(0.5)
    assert m["actors"]["example_f1"] == pytest.approx(0.5)
    assert m["actors"]["per_label"]["Islamic State"]["support"] == 1
    # Summary on r0 only (same words after rouge's tokenisation): 1.0; 4 words; one line; every word
    # is in the article, so nothing unsupported; it ends on "city" (no function word), no stray punctuation,
    # no word twice. Without the model's word lists there is no non-word count.
    assert m["summary"] == pytest.approx({
        "n": 1, "rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0, "one_line_share": 1.0, "mean_words": 4.0,
        "trailing_function_share": 0.0, "stray_punctuation_share": 0.0, "trailing_or_stray_share": 0.0,
        "repeated_word_share": 0.0, "repeated_any_form_share": 0.0, "unsupported_share": 0.0})
    with_words = task_metrics(PREDS, RECORDS, LABELS, CANON, summary_words=SummaryWords.default())["summary"]
    assert with_words["nonword_share"] == 0.0
    # A summary that names a place the article never mentions counts as unsupported.
    invented = [dict(PREDS[0], summary="Troops entered Mosul."), *PREDS[1:]]
    assert task_metrics(invented, RECORDS, LABELS, CANON)["summary"]["unsupported_share"] == pytest.approx(1.0)
    # score = mean of the headline metrics: (1/3 + 1 + 2/3 + 1) / 4.
    assert m["score"] == pytest.approx(0.75)
    assert set(HEADLINE) <= set(m)
    assert headline_table(m) == {
        "region/accuracy": 0.5, "region/macro_f1": 0.3333, "event_types/micro_f1": 0.6667, "event_types/macro_f1": 1.0,
        "actors/micro_f1": 0.6667, "actors/macro_f1": 0.5, "summary/rouge1": 1.0, "summary/rouge2": 1.0,
        "summary/rougeL": 1.0, "score": 0.75,
    }


def test_task_metrics_skips_tasks_a_system_does_not_predict():
    # A summary-only system (Lead-1): dict predictions without label keys; labels are not scored.
    m = task_metrics([{"summary": "troops entered the city"}, {"summary": None}, {"summary": None}], RECORDS, LABELS)
    assert set(m) == {"summary", "score"}
    assert m["score"] == pytest.approx(1.0)
    # Without per-label tables (as in training's per-epoch metrics).
    slim = task_metrics(PREDS, RECORDS, LABELS, CANON, per_label=False)
    assert "per_label" not in slim["event_types"] and "confusion_matrix" not in slim["region"]


# ----------------------------------------------------------------------------- summary readability (issue 10)
ARTICLE = ("Iraqi forces captured the al-Waleed border crossing from Islamic State fighters on Saturday. "
           "Mexico’s police arrested 2,000 people.")
WORDS = SummaryWords(headline=sorted(set(FUNCTION_WORDS) | {"kills", "seizes"}), lexicon={"capture", "arrest", "captures"})
SUMMARIES = [
    "Iraqi forces capture al-Waleed crossing",   # "capture": an inflection of "captured" the lexicon knows
    "Islamic state FIGHTERS seizes crossing",    # any case; "seizes" from the headline vocabulary
    "Forces explosiving in Mexico?",             # non-word; "?" the article does not have; "Mexico" from "Mexico's"
    "Police arrest 2,000 people in the",         # ends on a function word
    "Police kill police in Mosul,",              # "kill" and "Mosul": non-words; "police" twice; dangling ","; Mosul unsupported
    '"Fighters captured crossing',               # unbalanced quote
]


def test_readability_flags_by_hand():
    got = [flags(s, ARTICLE, WORDS) for s in SUMMARIES]
    assert [f["nonwords"] for f in got] == [[], [], ["explosiving"], [], ["kill", "Mosul"], []]
    assert [f["trailing_function_word"] for f in got] == [None, None, None, "the", None, None]
    assert [f["stray_punctuation"] for f in got] == [[], [], ["?"], [], ["ends with ','"], ['unbalanced "']]
    assert [f["repeated"] for f in got] == [[], [], [], [], ["police"], []]
    assert [f["repeated_forms"] for f in got] == [[]] * 6
    assert [f["unsupported"] for f in got] == [[], [], [], [], ["Mosul"], []]
    assert flag_names(got[4]) == ["non-word: kill", "non-word: Mosul", "ends with ','", "twice: police", "unsupported: Mosul"]
    # an inflection counts only when the lexicon or lemminflect's verb tables know it ("captures", "took" ->
    # "takes"; not the suffix rules' "capturion"); an article word always counts, in any case
    assert nonwords("Forces captures crossing", ARTICLE, WORDS) == []
    assert nonwords("Forces captures crossing", ARTICLE, SummaryWords(WORDS.headline, set())) == []
    assert nonwords("Forces capturion crossing", ARTICLE, SummaryWords(WORDS.headline, set())) == ["capturion"]
    assert nonwords("IRAQI FORCES CAPTURED AL-WALEED", ARTICLE, SummaryWords.default()) == []
    # a "?" the article has is not stray; brackets and curly quotes must pair
    assert flags("Who holds Mosul?", "Who holds Mosul? Nobody knows.")["stray_punctuation"] == []
    assert flags("Forces (Iraqi capture crossing", ARTICLE)["stray_punctuation"] == ["unbalanced ( )"]
    # one word in two forms is not "the same lower-cased word twice", but is counted apart
    twice = flags("Mexico Mexico\u2019s forces, force of MEXICO", ARTICLE)
    assert twice["repeated"] == ["mexico"] and twice["repeated_forms"] == ["mexico/mexico's", "forces/force"]
    assert flag_names(twice) == ["twice: mexico", "twice: mexico/mexico's", "twice: forces/force"]
    assert flags("“Forces capture crossing", ARTICLE)["stray_punctuation"] == ["unbalanced “ ”"]
    # a symbol glued to a word is stray unless the article writes that token ("$5" is fine where the article has it)
    assert flags("Police seize $thirds of $5 drugs", ARTICLE + " They paid $5.")["stray_punctuation"] == ["symbol in '$thirds'"]


def test_readability_counters_by_hand():
    c = summary_counters(SUMMARIES, [ARTICLE] * 6, WORDS)
    # words: 5 + 5 + 4 + 6 + 5 + 3 = 28; non-words in #3 and #5; trailing function word #4; stray punctuation
    # #3, #5, #6; either #3-#6; a word twice #5; unsupported #5.
    assert c == pytest.approx({"mean_words": 28 / 6, "nonword_share": 2 / 6, "trailing_function_share": 1 / 6,
                               "stray_punctuation_share": 3 / 6, "trailing_or_stray_share": 4 / 6,
                               "repeated_word_share": 1 / 6, "repeated_any_form_share": 1 / 6,
                               "unsupported_share": 1 / 6})
    assert "nonword_share" not in summary_counters(SUMMARIES, [ARTICLE] * 6)  # needs the model's lists
    assert summary_counters([], []) == {}


def test_summary_metrics_are_case_blind_and_shared_by_every_system():
    # Reuters headlines are ALL CAPS: ROUGE lower-cases both sides, so case costs nothing.
    records = [{"id": "w", "text": "Iran announced the end of a major offensive in the Gulf war.",
                "summary": "IRAN ANNOUNCES END OF MAJOR OFFENSIVE IN GULF WAR"}]
    m = task_metrics([{"summary": "Iran announces end of major offensive in Gulf war"}], records, LABELS,
                     summary_words=WORDS)["summary"]
    assert (m["rouge1"], m["rougeL"]) == pytest.approx((1.0, 1.0))
    # "announces" is an inflection of "announced" that this lexicon does not know but lemminflect's verb
    # tables do: a word; "announcion" (a suffix rule's candidate) is a non-word
    assert m["nonword_share"] == 0.0
    odd = task_metrics([{"summary": "Iran announcion end of major offensive"}], records, LABELS, summary_words=WORDS)
    assert odd["summary"]["nonword_share"] == 1.0
    lead = task_metrics([{"summary": records[0]["text"]}], records, LABELS, summary_words=WORDS)["summary"]
    assert lead["nonword_share"] == 0.0 and lead["mean_words"] == 12.0


# ----------------------------------------------------------------------------- actor mentions and names
def _spans(*pairs):
    return [{"text": "x", "start": s, "end": e} for s, e in pairs]


MENTION_RECORDS = [
    {"id": "m0", "actor_mentions": _spans((0, 10), (20, 30), (40, 50)), "actors": ["Militants", "ISIS", "the Yemeni Army"]},
    {"id": "m1", "actor_mentions": [], "actors": []},
    {"id": "m2", "actor_mentions": None, "actors": None},
    {"id": "m3", "actor_mentions": _spans((0, 20)), "actors": ["Protesters"]},
    {"id": "m4", "actor_mentions": _spans((0, 10)), "actors": None},
]
MENTION_PREDS = [
    {"actors": ["militant", "Islamic State", "Yemeni army", "Yemeni Army"],
     "actor_mentions": [{**_spans((0, 10))[0], "canonical": "Military Forces of Yemen"}, *_spans((22, 28), (60, 70))]},
    {"actors": ["police"], "actor_mentions": [{**_spans((5, 9))[0], "canonical": "Police Forces of Mali"}]},
    {"actors": ["anyone"], "actor_mentions": _spans((0, 3))},  # m2 is not labelled: not scored
    {"actors": [], "actor_mentions": _spans((0, 5), (10, 20))},
    {"actors": ["x"], "actor_mentions": _spans((10, 15))},  # touches (0, 10) at 10: no overlap
]


def test_mention_span_scores_by_hand():
    m = mention_metrics(MENTION_PREDS, MENTION_RECORDS)
    # m0, m1, m3, m4 have gold spans: gold 3 + 0 + 1 + 1 = 5, predicted 3 + 1 + 2 + 1 = 7.
    assert (m["n"], m["gold"], m["predicted"]) == (4, 5, 7)
    # exact: only (0, 10) in m0 -> P 1/7, R 1/5, F1 2 / (7 + 5) = 1/6
    assert (m["exact_precision"], m["exact_recall"], m["exact_f1"]) == pytest.approx((1 / 7, 1 / 5, 1 / 6))
    # partial: predicted spans overlapping a gold span: m0 (0,10), (22,28); m3 (0,5), (10,20) -> 4 of 7;
    # gold spans overlapped: m0 (0,10), (20,30); m3 (0,20) -> 3 of 5; F1 = 2 * 4/7 * 3/5 / (4/7 + 3/5) = 24/41
    assert (m["partial_precision"], m["partial_recall"], m["partial_f1"]) == pytest.approx((4 / 7, 3 / 5, 24 / 41))
    assert mention_metrics([{"actor_mentions": []}], [{"actor_mentions": None}]) is None


def test_actor_name_scores_by_hand():
    aliases = {"isis": "Islamic State", "is": "Islamic State"}
    m = actor_name_metrics(MENTION_PREDS, MENTION_RECORDS, aliases)
    # m0: {militant, islamic state, yemeni army} both sides ("Militants" plural, ISIS via the alias table, "the Yemeni
    # Army" without "the", "Yemeni army"/"Yemeni Army" once) -> TP 3; m1: "police" FP; m3: "Protesters" FN.
    assert m == pytest.approx({"n": 3, "gold": 4, "predicted": 4, "precision": 0.75, "recall": 0.75, "f1": 0.75})
    # without the alias table, ISIS and Islamic State are two names: TP 2, FP 2, FN 2
    assert actor_name_metrics(MENTION_PREDS, MENTION_RECORDS, {})["f1"] == pytest.approx(0.5)


def test_linked_catalogue_actor_scores_by_hand():
    catalogue = ["Islamic State", "Military Forces of Yemen", "Police Forces of Mali"]
    m = linked_actor_metrics(MENTION_PREDS, MENTION_RECORDS, catalogue, CANON)
    # m0: predicted {Islamic State (an actor), Military Forces of Yemen (a mention's canonical)}, gold {Islamic
    # State} (ISIS canonicalised; Militants and the Yemeni Army are not catalogue names) -> TP 1, FP 1;
    # m1: Police Forces of Mali (a mention's canonical) FP; m3: gold Protesters is not in the catalogue.
    assert m == pytest.approx({"n": 3, "gold": 1, "predicted": 3, "precision": 1 / 3, "recall": 1.0, "f1": 0.5})
    assert linked_actor_metrics(MENTION_PREDS, MENTION_RECORDS, [], CANON) is None


PROBS = [
    {"region": {"A": 0.9, "B": 0.1}, "event_types": {"x": 0.8, "y": 0.3}, "actors": {"Islamic State": 0.7, "Police": 0.0}},
    {"region": {"A": 0.6, "B": 0.4}, "event_types": {"x": 0.2, "y": 0.1}, "actors": {"Islamic State": 0.5, "Police": 0.5}},
    {"region": {"A": 0.5, "B": 0.5}, "event_types": {"x": 0.9, "y": 0.9}, "actors": {"Islamic State": 0.0, "Police": 0.4}},
]


def test_calibration_pairs_and_ece_by_hand():
    # Region (r0, r1 labelled): top class A with 0.9 (right), A with 0.6 (wrong, gold B).
    assert calibration_pairs("region", PROBS, RECORDS) == ([0.9, 0.6], [1, 0])
    # Event types (r0, r1 labelled), one pair per (record, label).
    assert calibration_pairs("event_types", PROBS, RECORDS, LABELS["event_types"]) == ([0.8, 0.3, 0.2, 0.1], [1, 0, 0, 0])
    # Actors (r0: gold ISIS -> Islamic State; r2: Police); r1 is unlabelled.
    assert calibration_pairs("actors", PROBS, RECORDS, LABELS["actors"], CANON) == ([0.7, 0.0, 0.0, 0.4], [1, 0, 0, 1])

    cal = calibration_metrics(PROBS, RECORDS, LABELS, CANON)  # 15 bins: every pair below has a bin of its own
    # region: (|1 - 0.9| + |0 - 0.6|) / 2 = 0.35
    assert cal["region"]["ece"] == pytest.approx(0.35)
    assert (cal["region"]["pairs"], cal["region"]["records"]) == (2, 2)
    # event types: (0.2 + 0.3 + 0.2 + 0.1) / 4 = 0.2
    assert cal["event_types"]["ece"] == pytest.approx(0.2)
    # actors: bins {0.0: two pairs, both 0 -> gap 0}, {0.4: 1 -> 0.6}, {0.7: 1 -> 0.3} -> (0.6 + 0.3) / 4 = 0.225
    assert cal["actors"]["ece"] == pytest.approx(0.225)
    assert sum(cal["actors"]["bins"]["count"]) == 4 and len(cal["actors"]["bins"]["edges"]) == 16


def test_raw_probabilities_are_softmax_and_sigmoid_of_the_logits():
    scored = SimpleNamespace(logits={"region": np.array([0.0, np.log(3.0)]), "event_types": np.array([0.0, np.log(4.0)]),
                                     "actors": np.array([-np.log(4.0), 0.0])})
    p = raw_probabilities(scored, LABELS)
    assert p["region"] == pytest.approx({"A": 0.25, "B": 0.75})
    assert p["event_types"] == pytest.approx({"x": 0.5, "y": 0.8})
    assert p["actors"] == pytest.approx({"Islamic State": 0.2, "Police": 0.5})


def test_tuning_split_is_deterministic_and_disjoint():
    fit, tune = split_for_tuning(168)
    assert (len(fit), len(tune)) == (151, 17)
    assert not set(fit) & set(tune) and sorted(fit + tune) == list(range(168))
    assert split_for_tuning(168, BASELINE_SEED) == (fit, tune)
    assert split_for_tuning(5) == ([0, 1, 2, 3, 4], [])


def test_worst_labels_need_support():
    m = {"results": {"model": {"event_types": {"per_label": {
        "a": {"f1": 0.1, "support": 2}, "b": {"f1": 0.5, "support": 3}, "c": {"f1": 0.2, "support": 9}}}},
        "tfidf": {"event_types": {"per_label": {"c": {"f1": 0.4, "support": 9}}}}}}
    assert worst_labels(m, "event_types") == [("c", 9, 0.2, 0.4), ("b", 3, 0.5, None)]


# ----------------------------------------------------------------------------- baselines on data/
def test_baselines_on_the_sample_data():
    train = read_records(REPO / "data/train.jsonl")
    dev = read_records(REPO / "data/dev.jsonl")
    aliases = load_aliases(REPO / "data/actor_aliases.yaml")
    maps = LabelMaps.build(train, ["capture", "ceasefire", "advance"], 2, aliases)
    labels = maps.labels

    # The baselines read the body only: InsightCrime titles are the gold summaries.
    assert all(record_text(body_only(r)) == r["text"] for r in dev)
    assert body_only({"text": "t", "title": "T", "actors": ["isis", "ISIS"]}, CANON)["actors"] == ["Islamic State"]

    fitted = fit_tfidf_baseline(train, labels, maps.canonical_actor)
    assert (fitted.info["fit_records"], fitted.info["tune_records"]) == (324, 36)  # 90% / 10% of 360
    assert fitted.info["tasks"] == ["region", "event_types", "actors"]
    assert fitted.model.heads["actors"].labels == maps.get("actors")  # scored over the model's label set
    texts = [r["text"] for r in dev]
    preds = [{**p, "summary": None} for p in fitted.model.predict(texts)]
    m = task_metrics(preds, dev, labels, maps.canonical_actor)
    assert m["region"]["n"] == m["event_types"]["n"] == m["actors"]["n"] == len(dev) == 76
    assert m["region"]["accuracy"] > 0.2  # 15 regions: chance is under 0.1
    assert m["event_types"]["micro_f1"] > 0.4
    cal = calibration_metrics(fitted.model.predict_proba(texts), dev, labels, maps.canonical_actor)
    assert set(cal) == {"region", "event_types", "actors"} and all(0 <= c["ece"] <= 1 for c in cal.values())

    summaries = extractive_summaries(dev)
    for rec, lead, central in zip(dev, summaries["lead1"], summaries["textrank"]):
        flat = " ".join(rec["text"].split())
        assert flat.startswith(lead["summary"]) and central["summary"] in flat and "\n" not in central["summary"]
    rouge = task_metrics(summaries["lead1"], dev, labels)["summary"]
    assert rouge["n"] == 76 and 0.2 < rouge["rouge1"] < 1.0


# ----------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def model_copy(tiny_model, tmp_path_factory) -> Path:
    """A private copy of the tiny model: --update-card edits its README.md."""
    dst = tmp_path_factory.mktemp("eval_model") / "model"
    shutil.copytree(tiny_model, dst)
    return dst


@pytest.fixture(scope="module")
def report(model_copy, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval_report") / "report"
    code = cli_main(["eval", str(model_copy), str(REPO / "data/dev.jsonl"), "--train", str(REPO / "data/train.jsonl"),
                     "--report", str(out), "--max-records", "6", "--max-train-records", "60", "--examples", "2",
                     "--device", "cpu", "--dtype", "fp32", "--update-card"])
    assert code == 0
    return out


def test_eval_writes_metrics_report_and_plots(report):
    for name in ("metrics.json", "report.md", "predictions.jsonl"):
        assert (report / name).is_file()
    for name in ("confusion_region.png", "f1_event_types.png", "f1_actors.png", "reliability.png"):
        assert (report / name).read_bytes()[:8] == PNG, name

    m = json.loads((report / "metrics.json").read_text())
    assert m["records"] == 6 and m["data"] == [{"path": str(REPO / "data/dev.jsonl"), "records": 6}]
    assert m["train"] == [{"path": str(REPO / "data/train.jsonl"), "records": 60}]
    assert set(m["results"]) == {"model", "tfidf", "gazetteer", "lead1", "textrank"}
    # actor mentions and names, model and gazetteer side by side (data/dev.jsonl has gold spans and actors)
    for system in ("model", "gazetteer"):
        assert m["results"][system]["actor_mentions"]["n"] == m["labelled"]["actor_mentions"] == 6
        assert {"exact_f1", "partial_f1"} <= set(m["results"][system]["actor_mentions"])
        assert {"f1", "precision", "recall"} <= set(m["results"][system]["actor_names"])
        assert 0 <= m["results"][system]["linked_actors"]["f1"] <= 1
    assert m["baselines"]["gazetteer"]["train_actor_names"] > 0
    model = m["results"]["model"]
    assert {"accuracy", "macro_f1", "per_label", "confusion_matrix"} <= set(model["region"])
    for task in ("event_types", "actors"):
        assert {"micro_f1", "macro_f1", "example_f1", "per_label"} <= set(model[task])
        assert {"micro_f1", "macro_f1", "example_f1", "per_label"} <= set(m["results"]["tfidf"][task])
    counters = {"mean_words", "nonword_share", "trailing_or_stray_share", "repeated_word_share", "unsupported_share"}
    assert {"rouge1", "rouge2", "rougeL", "one_line_share"} | counters <= set(model["summary"])
    for system in ("lead1", "textrank"):  # the same counters, with the model's word lists
        assert counters <= set(m["results"][system]["summary"])
        assert m["results"][system]["summary"]["nonword_share"] == 0.0  # sentences of the article
    for head in ("region", "event_types", "actors"):
        for key in ("calibration", "calibration_raw"):
            assert {"ece", "pairs", "bins"} <= set(model[key][head])
        assert "ece" in m["results"]["tfidf"]["calibration"][head]
    assert set(m["results"]["lead1"]) == {"summary", "score"}
    assert m["baselines"]["tfidf"]["tune_records"] == 6  # 10% of the 60 TRAIN records
    assert set(m["headline"]) == {"model", "tfidf", "gazetteer", "lead1", "textrank"}
    assert "actor_mentions/exact_f1" in m["headline"]["gazetteer"] and "score" not in m["headline"]["gazetteer"]
    # configs/tiny.yaml tunes on data/dev.jsonl: the report says the model's scores are optimistic
    assert m["data_roles"] == {"train": [], "dev": [str(REPO / "data/dev.jsonl")]}

    md = (report / "report.md").read_text()
    for text in ("## Region", "## Event types", "## Actors", "## Summary", "## Calibration", "## Worst labels",
                 "## Error examples", "| metric | model | TF-IDF + LR |", "| metric | model | Lead-1 | TextRank |",
                 "10% split of TRAIN, seed 13", "![reliability diagram](reliability.png)",
                 "is the dev data this model was tuned on", "## Actor mentions and names", "| metric | model | Gazetteer |",
                 "| exact F1 |", "| actor-name F1 |", "| catalogue-actor F1 |"):
        assert text in md, text


def test_eval_predicts_like_infer(report, tiny_predictor):
    rows = [json.loads(l) for l in (report / "predictions.jsonl").read_text().splitlines()]
    dev = read_records(REPO / "data/dev.jsonl", 6)
    assert [r["id"] for r in rows] == [r["id"] for r in dev]
    direct = tiny_predictor.predict([r["text"] for r in dev], summary=False)
    for row, p in zip(rows, direct):
        assert (row["model"]["region"], row["model"]["event_types"], row["model"]["actors"]) == (p.region, p.event_types, p.actors)
        assert row["gold"]["region"] is not None and "tfidf" in row and "lead1" in row


def test_update_card_adds_and_replaces_its_section(report, model_copy):
    card = (model_copy / "README.md").read_text()
    assert card.count("## Evaluation") == 1
    assert f"### Data: `{REPO / 'data/dev.jsonl'}`" in card and "6 in all" in card
    assert "| metric | model | TF-IDF + LR | Gazetteer | Lead-1 | TextRank |" in card
    assert "## Limits" in card  # the rest of the card is kept

    m = json.loads((report / "metrics.json").read_text())
    update_model_card(model_copy, SimpleNamespace(metrics=m), report)  # same data: replaced, not repeated
    other = {**m, "data": [{"path": "other.jsonl", "records": 3}]}
    update_model_card(model_copy, SimpleNamespace(metrics=other), report)  # other data: its own subsection
    card = (model_copy / "README.md").read_text()
    assert card.count("## Evaluation") == 1
    assert card.count(f"### Data: `{REPO / 'data/dev.jsonl'}`") == 1 and card.count("### Data: `other.jsonl`") == 1


def test_eval_fails_cleanly(tmp_path, capsys):
    assert cli_main(["eval", str(tmp_path / "nope"), str(REPO / "data/dev.jsonl"), "--report", str(tmp_path / "r")]) == 1
    assert "model directory not found" in capsys.readouterr().err
    assert cli_main(["eval", str(tmp_path), str(tmp_path / "missing.jsonl"), "--report", str(tmp_path / "r")]) == 1
    assert "data file not found" in capsys.readouterr().err


def test_eval_with_nothing_to_score_exits_1(tmp_path, capsys):
    bare = tmp_path / "bare.jsonl"
    bare.write_text(json.dumps({"id": "b", "text": "Troops entered the town."}) + "\n")
    # checked before the model is loaded: no model directory needed to see it
    assert cli_main(["eval", str(tmp_path / "no-model"), str(bare), "--report", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "nothing could be scored: none of the 1 records in" in err and "actor_mentions or summary" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("module, what", [("matplotlib.figure", "newsdesk eval's plots"), ("networkx", "TextRank")])
def test_a_missing_eval_extra_is_named_before_predicting(module, what, tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    assert cli_main(["eval", str(tmp_path / "no-model"), str(REPO / "data/dev.jsonl"), "--report", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert what in err and "pip install 'newsdesk[eval]'" in err and "model directory" not in err
    if module == "networkx":
        from newsdesk.extras import MissingExtra

        with pytest.raises(MissingExtra, match=r"newsdesk\[eval\]"):
            extractive_summaries([{"text": "One. Two.", "summary": "x"}])


# ----------------------------------------------------------------------------- bench/quality.py
def _fake_data_tree(root: Path) -> Path:
    """A tiny folder laid out like ../shared/data, made from the sample records in data/."""
    train = [json.loads(l) for l in (REPO / "data/train.jsonl").read_text().splitlines() if l.strip()]
    dev = [json.loads(l) for l in (REPO / "data/dev.jsonl").read_text().splitlines() if l.strip()]

    def write(path: str, rows: list[dict]) -> None:
        p = root / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("".join(json.dumps(r) + "\n" for r in rows))

    labels_only = lambda rs: [{**r, "summary": None} for r in rs]
    summary_only = lambda rs: [{**r, "region": None, "event_types": None, "actors": None, "title": r["summary"]} for r in rs]
    write("acled/train.jsonl", labels_only(train[:40]))
    write("acled/dev.jsonl", labels_only(dev[:10]))
    write("acled_me2018/train.jsonl", labels_only(train[40:80]))
    write("acled_me2018/dev.jsonl", labels_only(dev[10:20]))
    write("insightcrime/train.jsonl", summary_only(train[80:120]))
    write("insightcrime/dev.jsonl", summary_only(dev[20:30]))
    write("headlines/agnews/train.jsonl", summary_only(train[120:140]))
    write("headlines/agnews/dev.jsonl", summary_only(dev[30:40]))
    write("headlines/reuters21578/dev.jsonl", [{**r, "summary": r["summary"].upper()} for r in summary_only(dev[40:50])])
    write("muc4/train.jsonl", [{**r, "text": r["text"].lower(), "region": None, "event_types": None, "summary": None,
                                "actor_mentions": None} for r in train[140:170]])
    write("muc4/dev.jsonl", [{**r, "text": r["text"].lower(), "region": None, "event_types": None, "summary": None,
                              "actor_mentions": None, "actors": r["actors"] if k % 2 else []} for k, r in enumerate(dev[50:60])])
    write("seed/al_waleed.jsonl", [dev[0]])
    write("plover/gsr.jsonl", [{**r, "region": None, "event_types": None, "summary": None, "actor_mentions": None,
                                "meta": {"actor_spans": r["actor_mentions"]}} for r in dev[60:64]])
    return root


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / f"bench/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_quality_on_a_fake_data_tree(tiny_model, tmp_path, capsys):
    data_dir = _fake_data_tree(tmp_path / "data")
    out = tmp_path / "quality"
    shutil.copytree(tiny_model, out / "model")
    code = _bench("quality").main([
        "--data-dir", str(data_dir), "--output-dir", str(out), "--skip-train", "--max-records", "2", "--max-summaries", "3",
        "--max-train-records", "30", "--device", "cpu", "--dtype", "fp32", "--examples", "1", "--json", str(tmp_path / "all.json")])
    assert code == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.startswith("| metric"))
    for name in ("acled", "acled_me2018", "samples", "seed"):
        assert f"| {name} model | {name} TF-IDF |" in header
    for name in ("acled", "acled_me2018", "insightcrime", "agnews", "reuters", "muc4", "samples", "seed"):
        assert (out / "reports" / name / "metrics.json").is_file(), name
    for row in ("region macro-F1", "event-type macro-F1", "actors micro-F1", "capture F1", "advance F1", "ceasefire F1",
                "records | 2 of 10 |"):
        assert f"| {row}" in printed, row
    # summaries: one row per set and system, capped by --max-records (2 < 3), with the counters
    for name in ("insightcrime", "agnews", "reuters", "samples"):
        for system in ("newsdesk", "Lead-1", "TextRank"):
            assert f"| {name} | {system} |" in printed, (name, system)
    assert "| dev set | system | records | ROUGE-1 | ROUGE-2 | ROUGE-L | words | non-word |" in printed
    # actors: MUC-4 over all records and those with a gold perpetrator (odd rows of the fake dev file: 1 of the 2 read)
    assert "| MUC-4 dev, all records (2 of 10): perpetrator organisations | 2 |" in printed
    assert "| MUC-4 dev, the 1 records with a gold perpetrator organisation | 1 |" in printed
    assert "| written samples: mention spans, exact |" in printed and "| seed article: actor names |" in printed
    assert "| ACLED 2022 notes (gold: catalogue names): actor names | 2 |" in printed  # the served `actors` list
    assert "| PLOVER news sentences (its gold also names persons and places): actor names | 2 |" in printed
    assert "| event type | gold records | model P | model R | model F1 | TF-IDF F1 |" in printed
    # the seed article: events with p / threshold / evidence, gold actors with offsets, summary vs gold
    assert "### Seed article" in printed and "| capture |" in printed and "gold actors found" in printed
    assert "| gold actor | predicted as | mentions (text[start:end], offsets) |" in printed and "| gold | " in printed
    assert (out / "quality.md").read_text() .startswith("Model: ")
    full = json.loads((tmp_path / "all.json").read_text())
    assert set(full["sets"]) == {"acled", "acled_me2018", "insightcrime", "agnews", "reuters", "muc4", "samples", "seed",
                                 "plover"}
    assert full["sets"]["reuters"]["records_in_file"] == 10 and full["sets"]["reuters"]["metrics"]["records"] == 2
    assert "nonword_share" in full["sets"]["agnews"]["metrics"]["results"]["lead1"]["summary"]
    assert full["muc4_with_perpetrator"]["records"] == 1 and "gazetteer" in full["muc4_with_perpetrator"]
    seed = full["seed"][0]
    assert len(seed["actors"]["gold"]) == len(read_records(data_dir / "seed/al_waleed.jsonl")[0]["actors"])
    for actor in seed["actors"]["gold"]:
        for m in actor["mentions"]:  # offsets point at the words shown
            assert m["end"] > m["start"] and m["text"]
    # --model evaluates a model directory where it lies
    assert _bench("quality").main(["--data-dir", str(data_dir), "--output-dir", str(tmp_path / "q2"), "--model", str(out / "model"),
                                   "--sets", "seed", "--device", "cpu", "--dtype", "fp32", "--examples", "0"]) == 0
    assert (tmp_path / "q2" / "reports" / "seed" / "metrics.json").is_file()


def test_bench_summaries_on_a_fake_data_tree(tiny_model, tmp_path, capsys):
    data_dir = _fake_data_tree(tmp_path / "data")
    out = tmp_path / "summaries.md"
    bench = _bench("summaries")
    assert bench.natural_key("dev-2") < bench.natural_key("dev-10")
    code = bench.main(["--model", str(tiny_model), "--data-dir", str(data_dir), "--out", str(out), "--n", "3",
                       "--device", "cpu", "--dtype", "fp32"])
    assert code == 0
    md = out.read_text()
    assert f"python bench/summaries.py --model {tiny_model} --data-dir {data_dir} --out {out} --n 3" in md
    for title in ("InsightCrime dev", "AG News dev", "Reuters-21578 dev", "written samples dev"):
        assert f"## {title}" in md
    assert md.count("| id | reference | newsdesk | R-L | flags | Lead-1 | R-L | flags |") == 4
    # the first 3 records by id (natural order) of the written samples, not the first 3 lines
    dev = read_records(REPO / "data/dev.jsonl")
    first = sorted((r["id"] for r in dev), key=bench.natural_key)[:3]
    section = md[md.index("## written samples dev"):]
    rows = [line.split(" | ")[0].lstrip("| ") for line in section.splitlines() if line.startswith("| nd-")]
    assert rows == first

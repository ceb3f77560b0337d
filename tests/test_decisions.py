"""Predictor.decide on hand-made logits: calibrated probabilities, per-label thresholds, the region
temperature, the score floor, labels sorted by probability, and the fallback when a model has no
calibration or thresholds. Every expected number is computed by hand (in the comments)."""

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from newsdesk.config import ModelConfig, TinyModelConfig
from newsdesk.model import create_model, embedded_model_path
from newsdesk.predictor import SCORE_FLOOR, Predictor, Scored

LABELS = {"region": ["Africa", "Middle East", "South Asia"], "event_types": ["capture", "ceasefire", "advance"],
          "actors": ["A", "B", "C", "D"]}
TINY = TinyModelConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(embedded_model_path())


def predictor(tokenizer, calibration: dict, thresholds: dict) -> Predictor:
    """A Predictor on a tiny model built in code, with the decisions a trained model would store in config.json."""
    torch.manual_seed(0)
    model = create_model(ModelConfig(name="tiny", summary=False, tiny=TINY), tokenizer, LABELS)
    model.config.calibration, model.config.thresholds = calibration, thresholds
    return Predictor(model, tokenizer, device="cpu", dtype="fp32", evidence=False)


def scored(region, event_types, actors) -> Scored:
    logits = {"region": np.array(region, dtype=np.float32), "event_types": np.array(event_types, dtype=np.float32),
              "actors": np.array(actors, dtype=np.float32)}
    return Scored(logits=logits, windows=1, text="Rebels seized the town on Monday.")


def test_thresholds_apply_to_calibrated_probabilities_sorted_by_probability(tokenizer):
    p = predictor(tokenizer,
                  calibration={"region": 2.0, "event_types": [[1.0, 0.0], [0.5, 0.0], [2.0, 1.0]],
                               "actors": [[1.0, 0.0]] * 4},
                  thresholds={"event_types": [0.5, 0.8, 0.25], "actors": [0.5, 0.5, 0.5, 0.5]})
    out = p.decide(scored([0.0, 2.0, 1.0], [0.0, 2.0, 1.0], [-3.0, 0.5, -2.9, 2.0]), "x")
    # region, temperature 2: softmax([0, 1, 0.5]) = [1, e, e^0.5] / (1 + 2.71828 + 1.64872) = [0.1863, 0.5065, 0.3072]
    # (at temperature 1 it would be [0.0900, 0.6652, 0.2447])
    assert out.region == "Middle East"
    assert out.scores["region"] == {"Middle East": 0.5065, "South Asia": 0.3072, "Africa": 0.1863}
    assert list(out.scores["region"]) == ["Middle East", "South Asia", "Africa"]  # sorted by probability
    # event types, Platt sigmoid(a z + b): capture s(0) = 0.5, ceasefire s(0.5 * 2) = s(1) = 0.7311,
    # advance s(2 * 1 + 1) = s(3) = 0.9526; thresholds 0.5 / 0.8 / 0.25:
    # capture 0.5 >= 0.5 in, ceasefire 0.7311 < 0.8 out (raw s(2) = 0.8808 would pass), advance in;
    # sorted by probability: advance before capture (the label order is the other way)
    assert out.event_types == ["advance", "capture"]
    assert out.scores["event_types"] == {"advance": 0.9526, "ceasefire": 0.7311, "capture": 0.5}
    # actors s(z): A s(-3) = 0.0474 (under the 0.05 floor: not in scores), B s(0.5) = 0.6225,
    # C s(-2.9) = 0.0522 (in scores, not predicted), D s(2) = 0.8808
    assert out.actors == ["D", "B"]
    assert out.scores["actors"] == {"D": 0.8808, "B": 0.6225, "C": 0.0522}
    assert SCORE_FLOOR == 0.05


def test_missing_calibration_and_thresholds_fall_back_to_raw_probabilities_and_one_half(tokenizer):
    p = predictor(tokenizer, calibration={}, thresholds={})
    out = p.decide(scored([0.0, 2.0, 1.0], [0.0, 2.0, 1.0], [2.0, 1.0, -1.0, 0.0]), "x")
    # region, temperature 1: softmax([0, 2, 1]) = [0.0900, 0.6652, 0.2447]
    assert out.scores["region"] == {"Middle East": 0.6652, "South Asia": 0.2447, "Africa": 0.09}
    # event types s(z) = [0.5, 0.8808, 0.7311], all >= 0.5
    assert out.event_types == ["ceasefire", "advance", "capture"]
    assert out.scores["event_types"] == {"ceasefire": 0.8808, "advance": 0.7311, "capture": 0.5}
    # actors s(z) = [0.8808, 0.7311, 0.2689, 0.5]: C out
    assert out.actors == ["A", "B", "D"]
    assert out.scores["actors"] == {"A": 0.8808, "B": 0.7311, "D": 0.5, "C": 0.2689}
    assert p.thresholds("event_types").tolist() == [0.5, 0.5, 0.5]


def test_per_label_thresholds_decide_each_label_on_its_own(tokenizer):
    """The same probability passes one label's threshold and fails another's."""
    p = predictor(tokenizer, calibration={}, thresholds={"event_types": [0.7, 0.75, 0.2], "actors": [0.9, 0.1, 0.1, 0.1]})
    # s(1) = 0.7311 for every event type: capture (0.7) and advance (0.2) pass, ceasefire (0.75) does not;
    # equal probabilities keep the label order
    out = p.decide(scored([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, -2.0, -2.5, -3.0]), "x")
    assert out.event_types == ["capture", "advance"]
    # actors s = [0.8808, 0.1192, 0.0759, 0.0474] vs [0.9, 0.1, 0.1, 0.1]: only B passes
    assert out.actors == ["B"]
    # three equal region logits: 1/3 each, the first label wins the tie
    assert out.region == "Africa" and out.scores["region"] == {"Africa": 0.3333, "Middle East": 0.3333, "South Asia": 0.3333}


def test_articles_read_in_several_windows_use_the_article_thresholds(tokenizer):
    """thresholds.article (tuned on dev articles) decides inputs of more than one window; a one-window
    input keeps the pooled thresholds; a model without article thresholds uses the pooled ones for both."""
    pooled = {"event_types": [0.7, 0.7, 0.7], "actors": [0.5] * 4}
    p = predictor(tokenizer, calibration={}, thresholds={**pooled, "article": {"event_types": [0.6, 0.9, 0.2]}})
    # s(0.5) = 0.6225 for every event type
    short = scored([0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [-3.0] * 4)
    long = scored([0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [-3.0] * 4)
    long.windows = 3
    assert p.decide(short, "x").event_types == []  # 0.6225 < 0.7 for each
    assert p.decide(long, "x").event_types == ["capture", "advance"]  # >= 0.6 and >= 0.2, not >= 0.9
    assert p.thresholds("event_types", article=True).tolist() == [0.6, 0.9, 0.2]
    plain = predictor(tokenizer, calibration={}, thresholds=pooled)
    assert plain.decide(long, "x").event_types == []
    kept = predictor(tokenizer, calibration={}, thresholds={**pooled, "article": {"event_types": None, "records": 40}})
    assert kept.decide(long, "x").event_types == []


def test_article_thresholds_are_tuned_on_articles_and_kept_only_when_cross_validation_says_so():
    from newsdesk.calibration import ARTICLE_MIN_RECORDS, tune_article_thresholds

    rng = np.random.default_rng(0)
    n = 60
    gold = np.zeros((n, 3), dtype=int)
    gold[:20, 0] = gold[20:40, 1] = gold[::3, 2] = 1
    # label 0: positives at 0.3-0.4, negatives under 0.2 -> an article cut near 0.3 beats the pooled 0.6;
    # label 1: the same, but it is decided elsewhere (keep) and must stay at its pooled cut
    probs = np.where(gold == 1, rng.uniform(0.3, 0.4, (n, 3)), rng.uniform(0.0, 0.2, (n, 3)))
    pooled = np.array([0.6, 0.6, 0.6])
    cuts, report = tune_article_thresholds(probs, gold, pooled, keep=[1])
    assert cuts is not None and 0.2 <= cuts[0] <= 0.3 and 0.2 <= cuts[2] <= 0.3
    assert cuts[1] == 0.6  # kept
    # pooled 0.6 predicts nothing (F1 0 each); article cuts: labels 0 and 2 perfect out of sample, label 1
    # (kept at 0.6) still 0 -> 2/3
    assert report == {"records": n, "labels_tuned": 2, "cv_macro_f1": 0.6667, "pooled_macro_f1": 0.0}
    # pure noise, pooled cuts that call every article positive (the best F1 on noise): cuts tuned on
    # noise do not beat them out of sample -> None (the pooled cuts stay)
    noise = rng.uniform(0, 1, (n, 3))
    cuts, report = tune_article_thresholds(noise, gold, np.array([0.0, 0.0, 0.0]))
    assert cuts is None and report["cv_macro_f1"] <= report["pooled_macro_f1"]
    # too few articles: nothing tuned
    cuts, report = tune_article_thresholds(probs[: ARTICLE_MIN_RECORDS - 1], gold[: ARTICLE_MIN_RECORDS - 1], pooled)
    assert cuts is None and report == {"records": ARTICLE_MIN_RECORDS - 1, "labels_tuned": 0}

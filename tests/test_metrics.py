"""Metric modules on hand-made inputs whose scores are worked out by hand."""

import socket

import evaluate
import pytest

from newsdesk import metrics
from newsdesk.metrics import ece, load_metric, multilabel_scores, rouge, singlelabel_scores


@pytest.fixture(scope="session", autouse=True)
def loaded_offline():
    """Load every module once, with network connections made to fail, to show loading is local."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted while loading a local metric")

    load_metric.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        for name in metrics.METRIC_NAMES:
            load_metric(name)


def test_load_metric_is_cached_and_checked():
    assert isinstance(load_metric("rouge"), evaluate.EvaluationModule)
    assert load_metric("rouge") is load_metric("rouge")
    with pytest.raises(ValueError, match="unknown metric"):
        load_metric("bleu")


def test_rouge_known_overlap():
    # Pair 2: pred "the cat sat on the mat" vs ref "the cat lay on the mat" (6 tokens each).
    #   unigrams shared: the, the, cat, on, mat = 5 -> P = R = 5/6 -> F1 = 5/6
    #   bigrams shared: the-cat, on-the, the-mat = 3 of 5 -> F1 = 3/5
    #   LCS "the cat on the mat" = 5 -> F1 = 5/6
    # Pair 1 is identical (1.0 everywhere); the result is the mean over the two pairs.
    scores = rouge(["Troops entered the city.", "the cat sat on the mat"],
                   ["troops entered the city", "the cat lay on the mat"])
    assert scores == pytest.approx({"rouge1": (1 + 5 / 6) / 2, "rouge2": (1 + 3 / 5) / 2, "rougeL": (1 + 5 / 6) / 2})


def test_rouge_ignores_case():
    # rouge_score's tokenizer lower-cases and keeps [a-z0-9] runs: an ALL-CAPS wire headline (Reuters) and a
    # sentence-case summary with the same words score 1.0; punctuation is dropped.
    assert rouge(["Iran announces end of major offensive in Gulf war"],
                 ["IRAN ANNOUNCES END OF MAJOR OFFENSIVE IN GULF WAR"]) == pytest.approx({"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0})
    # Letters outside a-z split a word on both sides alike ("Bogotá" -> "bogot"): still a full match.
    assert rouge(["Crime in Bogotá"], ["CRIME IN BOGOTÁ"])["rouge1"] == pytest.approx(1.0)


def test_rouge_stemmer_option():
    # "troops attacked" vs "troop attacks": no shared token; stemmed both are "troop attack".
    assert rouge(["troops attacked"], ["troop attacks"])["rouge1"] == 0.0
    assert rouge(["troops attacked"], ["troop attacks"], use_stemmer=True)["rouge1"] == pytest.approx(1.0)


PREDS = [["attack", "bombing"], ["attack"], [], ["protest"]]
GOLD = [["attack"], ["attack", "protest"], [], ["arrest"]]


def test_multilabel_scores():
    # Per label (TP, FP, FN): attack (2, 0, 0), bombing (0, 1, 0), protest (0, 1, 1), arrest (0, 0, 1).
    # Micro: TP = 2, FP = 2, FN = 2 -> P = R = 2/4, F1 = 2*2 / (2*2 + 2 + 2) = 0.5.
    # Macro over gold-supported labels attack, protest, arrest: (1 + 0 + 0) / 3 (bombing has support 0).
    # Example F1: 2*1/(2+1), 2*1/(1+2), empty-empty = 1, 2*0/(1+1) -> (2/3 + 2/3 + 1 + 0) / 4 = 7/12.
    scores = multilabel_scores(PREDS, GOLD)
    assert scores["micro_precision"] == pytest.approx(0.5)
    assert scores["micro_recall"] == pytest.approx(0.5)
    assert scores["micro_f1"] == pytest.approx(0.5)
    assert scores["macro_f1"] == pytest.approx(1 / 3)
    assert scores["example_f1"] == pytest.approx(7 / 12)
    assert scores["per_label"]["attack"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert scores["per_label"]["bombing"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert scores["per_label"]["arrest"]["support"] == 1


def test_multilabel_label_restriction():
    # Only attack and protest count:
    #   preds [[attack], [attack], [], [protest]], gold [[attack], [attack, protest], [], []].
    # attack (2, 0, 0), protest (0, 1, 1) -> micro F1 = 4 / (4 + 1 + 1) = 2/3, macro = (1 + 0) / 2.
    # Example F1: 1, 2*1/(1+2), 1 (empty-empty), 0 (predicted protest, gold empty) -> (8/3) / 4 = 2/3.
    scores = multilabel_scores(PREDS, GOLD, labels=["attack", "protest"])
    assert set(scores["per_label"]) == {"attack", "protest"}
    assert scores["micro_f1"] == pytest.approx(2 / 3)
    assert scores["macro_f1"] == pytest.approx(0.5)
    assert scores["example_f1"] == pytest.approx(2 / 3)


def test_multilabel_all_empty_examples_are_perfect():
    assert multilabel_scores([[], []], [[], []])["example_f1"] == 1.0


def test_singlelabel_scores():
    # Accuracy: examples 0, 2, 4 right -> 3/5.
    # A: TP 2, FP 1 (example 1), FN 0 -> P 2/3, R 1, F1 0.8.  B: TP 1, FP 0, FN 2 -> P 1, R 1/3, F1 0.5.
    # C: only predicted (support 0) -> left out of macro-F1 = (0.8 + 0.5) / 2 = 0.65.
    scores = singlelabel_scores(["A", "A", "B", "C", "A"], ["A", "B", "B", "B", "A"])
    assert scores["accuracy"] == pytest.approx(0.6)
    assert scores["macro_f1"] == pytest.approx(0.65)
    assert scores["per_label"]["A"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2})
    assert scores["per_label"]["C"]["support"] == 0
    # Rows are gold A, B, C; columns predicted A, B, C.
    assert scores["confusion_matrix"] == {"labels": ["A", "B", "C"], "matrix": [[2, 0, 0], [1, 1, 1], [0, 0, 0]]}


def test_ece_by_hand():
    # 4 bins of width 0.25. 1.0 -> bin 3 (last bin is closed), 0.8 -> bin 3, 0.6 and 0.5 -> bin 2, 0.3 -> bin 1.
    # bin 1: conf 0.3, acc 0/1 -> gap 0.3;  bin 2: conf 0.55, acc 1/2 -> gap 0.05;  bin 3: conf 0.9, acc 2/2 -> gap 0.1.
    # ECE = (1 * 0.3 + 2 * 0.05 + 2 * 0.1) / 5 = 0.12.
    result = ece([1.0, 0.8, 0.6, 0.5, 0.3], [1, 1, 0, 1, 0], n_bins=4)
    assert result["ece"] == pytest.approx(0.12)
    bins = result["bins"]
    assert bins["edges"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert bins["count"] == [0, 1, 2, 2]
    assert bins["confidence"] == pytest.approx([None, 0.3, 0.55, 0.9])
    assert bins["accuracy"] == pytest.approx([None, 0.0, 0.5, 1.0])


def test_ece_default_bins_and_validation():
    assert len(ece([0.5], [1])["bins"]["count"]) == 15
    with pytest.raises(ValueError):
        ece([1.5], [1])

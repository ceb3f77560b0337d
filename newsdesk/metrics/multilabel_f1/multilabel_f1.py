"""Multi-label F1 (micro, macro, example-based) with a per-label table (loadable offline from this folder)."""

import datasets
import evaluate
import numpy as np
from sklearn.preprocessing import MultiLabelBinarizer

_DESCRIPTION = """Multi-label scores for predictions and references given as lists of label strings.

- micro_precision / micro_recall / micro_f1: from TP, FP, FN pooled over all labels and examples
  (micro_f1 = 2TP / (2TP + FP + FN)).
- macro_f1: unweighted mean of per-label F1 over the labels with gold support > 0 only. Labels that
  never occur in the references (but are predicted, or are listed in `labels`) are reported in
  `per_label` but left out of the mean, so a label set padded with unseen labels does not drag it down.
  0.0 when no label has gold support.
- example_f1: mean over examples of 2|P ∩ G| / (|P| + |G|) (sklearn's "samples" F1); an example with
  an empty prediction AND an empty gold set scores 1.
- per_label: {label: {precision, recall, f1, support}}; precision/recall/F1 are 0 where undefined.
"""

_INPUTS = """
Args:
    predictions: list of predicted label lists, e.g. [["attack"], []].
    references: list of gold label lists, same length.
    labels: optional label set to evaluate on; labels outside it are dropped from both sides
        (also for example_f1). Default: every label seen in predictions or references.
Returns:
    dict with micro_precision, micro_recall, micro_f1, macro_f1, example_f1, per_label.
"""


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


class MultilabelF1(evaluate.Metric):
    """Micro / macro / example-based F1 for multi-label predictions."""

    def _info(self) -> evaluate.MetricInfo:
        labels = datasets.Sequence(datasets.Value("string"))
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_INPUTS,
            features=datasets.Features({"predictions": labels, "references": labels}),
        )

    def _compute(self, predictions, references, labels=None):
        if labels is None:
            labels = sorted(set().union(*predictions, *references))
        keep = set(labels)
        binarizer = MultiLabelBinarizer(classes=list(labels)).fit([])
        y_pred = binarizer.transform([[x for x in p if x in keep] for p in predictions]).astype(bool)
        y_true = binarizer.transform([[x for x in r if x in keep] for r in references]).astype(bool)

        tp = (y_true & y_pred).sum(axis=0)
        fp = (~y_true & y_pred).sum(axis=0)
        fn = (y_true & ~y_pred).sum(axis=0)
        per_label = {
            label: {
                "precision": _ratio(tp[i], tp[i] + fp[i]),
                "recall": _ratio(tp[i], tp[i] + fn[i]),
                "f1": _ratio(2 * tp[i], 2 * tp[i] + fp[i] + fn[i]),
                "support": int(tp[i] + fn[i]),
            }
            for i, label in enumerate(binarizer.classes_)
        }
        supported = [scores["f1"] for scores in per_label.values() if scores["support"] > 0]

        overlap = (y_true & y_pred).sum(axis=1)
        sizes = y_true.sum(axis=1) + y_pred.sum(axis=1)
        example_f1 = np.where(sizes == 0, 1.0, 2 * overlap / np.maximum(sizes, 1))
        return {
            "micro_precision": _ratio(tp.sum(), tp.sum() + fp.sum()),
            "micro_recall": _ratio(tp.sum(), tp.sum() + fn.sum()),
            "micro_f1": _ratio(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum()),
            "macro_f1": float(np.mean(supported)) if supported else 0.0,
            "example_f1": float(example_f1.mean()) if len(example_f1) else 0.0,
            "per_label": per_label,
        }

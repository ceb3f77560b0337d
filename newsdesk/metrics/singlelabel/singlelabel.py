"""Single-label classification scores with a confusion matrix (loadable offline from this folder)."""

import datasets
import evaluate
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

_DESCRIPTION = """Accuracy, macro-F1, per-label precision/recall/F1/support and the confusion matrix.

macro_f1 is the unweighted mean F1 over the labels with gold support > 0 (labels only ever predicted
are reported in `per_label` and the confusion matrix but left out of the mean).
The label order is the sorted union of gold and predicted labels; matrix rows are gold labels,
columns are predicted labels.
"""

_INPUTS = """
Args:
    predictions: list of predicted labels (str).
    references: list of gold labels (str), same length.
Returns:
    dict with accuracy, macro_f1, per_label {label: {precision, recall, f1, support}} and
    confusion_matrix {"labels": [...], "matrix": [[...]]} (rows = gold, columns = predicted).
"""


class Singlelabel(evaluate.Metric):
    """Accuracy / macro-F1 / confusion matrix for single-label predictions."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_INPUTS,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions, references):
        if not references:
            return {"accuracy": 0.0, "macro_f1": 0.0, "per_label": {}, "confusion_matrix": {"labels": [], "matrix": []}}
        labels = sorted(set(predictions) | set(references))
        precision, recall, f1, support = precision_recall_fscore_support(
            references, predictions, labels=labels, average=None, zero_division=0
        )
        per_label = {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        }
        supported = [scores["f1"] for scores in per_label.values() if scores["support"] > 0]
        matrix = confusion_matrix(references, predictions, labels=labels)
        return {
            "accuracy": sum(p == r for p, r in zip(predictions, references)) / len(references),
            "macro_f1": sum(supported) / len(supported),
            "per_label": per_label,
            "confusion_matrix": {"labels": labels, "matrix": matrix.tolist()},
        }

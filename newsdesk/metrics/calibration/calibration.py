"""Expected calibration error with a reliability-diagram table (loadable offline from this folder)."""

import datasets
import evaluate
import numpy as np

_DESCRIPTION = """Expected calibration error (ECE) over equal-width confidence bins.

Bin k of n holds confidences c with k/n <= c < (k+1)/n (c = 1.0 goes in the last bin).
ECE = sum_k (count_k / N) * |accuracy_k - mean_confidence_k|.
For a multi-label head, flatten (label probability, label-is-gold) pairs over examples and labels.
"""

_INPUTS = """
Args:
    confidences: list of floats in [0, 1] (the probability the model gave its prediction).
    correct: list of 0/1 ints, 1 where the prediction was right, same length.
    n_bins: number of equal-width bins (default 15).
Returns:
    {"ece": float, "bins": {"edges": n_bins + 1 floats, "confidence": mean confidence per bin,
     "accuracy": accuracy per bin, "count": examples per bin}}; confidence/accuracy are None for
    empty bins. ece is 0.0 when there are no examples.
"""


class Calibration(evaluate.Metric):
    """Expected calibration error plus per-bin reliability table."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_INPUTS,
            features=datasets.Features({"confidences": datasets.Value("float64"), "correct": datasets.Value("int32")}),
        )

    def _compute(self, confidences, correct, n_bins=15):
        conf = np.asarray(confidences, dtype=float)
        hit = np.asarray(correct, dtype=float)
        if ((conf < 0) | (conf > 1)).any() or not np.isin(hit, (0, 1)).all():
            raise ValueError("confidences must lie in [0, 1] and correct must be 0/1")
        bin_of = np.minimum((conf * n_bins).astype(int), n_bins - 1)
        count = np.bincount(bin_of, minlength=n_bins)
        conf_sum = np.bincount(bin_of, weights=conf, minlength=n_bins)
        hit_sum = np.bincount(bin_of, weights=hit, minlength=n_bins)
        filled = count > 0
        mean_conf = np.divide(conf_sum, count, out=np.zeros(n_bins), where=filled)
        accuracy = np.divide(hit_sum, count, out=np.zeros(n_bins), where=filled)
        ece = float(np.sum(count * np.abs(accuracy - mean_conf)) / len(conf)) if len(conf) else 0.0
        return {
            "ece": ece,
            "bins": {
                "edges": [k / n_bins for k in range(n_bins + 1)],
                "confidence": [float(c) if f else None for c, f in zip(mean_conf, filled)],
                "accuracy": [float(a) if f else None for a, f in zip(accuracy, filled)],
                "count": count.tolist(),
            },
        }

"""ROUGE F1 for one-line summaries, wrapping Google's `rouge_score` (loadable offline from this folder)."""

import datasets
import evaluate
from rouge_score import rouge_scorer

_DESCRIPTION = """ROUGE-N / ROUGE-L F1 between predicted and reference summaries, averaged over examples.

Uses the `rouge_score` tokenizer (lower-cased, non-alphanumerics dropped). Scores are floats in 0..1.
"""

_CITATION = """@inproceedings{lin-2004-rouge,
  title = {{ROUGE}: A Package for Automatic Evaluation of Summaries},
  author = {Lin, Chin-Yew},
  booktitle = {Text Summarization Branches Out},
  year = {2004}
}"""

_INPUTS = """
Args:
    predictions: list of predicted summaries (str).
    references: list of reference summaries (str), same length.
    rouge_types: ROUGE variants to report, default ["rouge1", "rouge2", "rougeL"].
    use_stemmer: Porter-stem tokens before matching (default False).
Returns:
    {rouge_type: mean F1 over examples}; 0.0 for every type when there are no examples.
"""

DEFAULT_TYPES = ("rouge1", "rouge2", "rougeL")


class Rouge(evaluate.Metric):
    """Mean ROUGE F1 per ROUGE type."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_INPUTS,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions, references, rouge_types=DEFAULT_TYPES, use_stemmer=False):
        scorer = rouge_scorer.RougeScorer(list(rouge_types), use_stemmer=use_stemmer)
        totals = dict.fromkeys(rouge_types, 0.0)
        for prediction, reference in zip(predictions, references):
            scores = scorer.score(reference, prediction)  # rouge_score takes (target, prediction)
            for rouge_type in rouge_types:
                totals[rouge_type] += scores[rouge_type].fmeasure
        n = max(len(predictions), 1)
        return {rouge_type: total / n for rouge_type, total in totals.items()}

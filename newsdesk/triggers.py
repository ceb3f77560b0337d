"""Trigger patterns of an event type: does a sentence match the type's `match` patterns ("seized",
"a truce"), and does it match them with none of its `except` cues ("called for a ceasefire", "the truce
collapsed")? Patterns come from `data.label_triggers` and are saved with the model (`config.triggers`,
and `config.fewshot[label]["triggers"]` for a built-in few-shot label). Two uses: the few-shot fusion's
trigger features (`newsdesk.fewshot` fits their weights, `Predictor.probabilities` applies them), and
evidence (`Predictor.evidence`: of the near-best sentences for a label, one that says the event in
so many words wins)."""

from __future__ import annotations

import functools
import re
from typing import Callable, Sequence


def trigger_spec(raw: dict | None) -> dict[str, list[str]] | None:
    """The saved form of a label's trigger patterns ({"match": [...], "except": [...]}), None for none."""
    return {"match": list(raw["match"]), "except": list(raw.get("except") or [])} if raw else None


def pattern_error(pattern: object) -> str | None:
    """Why `pattern` is not a usable regular expression, or None."""
    try:
        re.compile(pattern)  # type: ignore[arg-type]
    except (re.error, TypeError) as e:
        return str(e)
    return None


@functools.lru_cache(maxsize=64)
def _pattern(patterns: tuple[str, ...]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def sentence_tester(triggers: dict[str, list[str]]) -> Callable[[str], tuple[bool, bool]]:
    """A test of one sentence against a label's patterns, compiled once: sentence -> (it matches a
    `match` pattern, it does and holds no `except` cue); whole words only at the patterns' ends (`\\b`)."""
    match = _pattern(tuple(rf"\b(?:{p})\b" for p in triggers["match"]))
    cue = _pattern(tuple(rf"\b(?:{p})\b" for p in triggers.get("except") or ()))

    def test(sentence: str) -> tuple[bool, bool]:
        if not match.search(sentence):
            return False, False
        return True, cue is None or not cue.search(sentence)

    return test


def sentence_triggers(sentence: str, triggers: dict[str, list[str]]) -> tuple[bool, bool]:
    """(the sentence matches a `match` pattern, it does and holds no `except` cue)."""
    return sentence_tester(triggers)(sentence)


def trigger_features(text: str, spans: Sequence[tuple[int, int]] | None, triggers: dict[str, list[str]]) -> tuple[float, float]:
    """(1.0 if a sentence of `text` matches a `match` pattern, 1.0 if one matches it and no `except`
    pattern) for a label's trigger patterns. A ceasefire "called for" or "violated" is a trigger
    sentence that is not clean."""
    test = sentence_tester(triggers)
    hit = clean = False
    for a, b in spans or [(0, len(text))]:
        h, c = test(text[a:b])
        hit |= h
        if c:
            clean = True
            break
    return float(hit), float(clean)

"""Trigger features of an event type: does a sentence match the type's trigger patterns, and does
one match them with none of its `except` cues ("called for a ceasefire", "the truce collapsed").
Patterns come from `data.label_triggers` and are saved with the model (`config.fewshot[label]["triggers"]`);
`newsdesk.fewshot` fits their weights in a label's fusion, `Predictor.probabilities` applies them."""

from __future__ import annotations

import functools
import re
from typing import Sequence


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


def trigger_features(text: str, spans: Sequence[tuple[int, int]] | None, triggers: dict[str, list[str]]) -> tuple[float, float]:
    """(1.0 if a sentence of `text` matches a `match` pattern, 1.0 if one matches it and no `except`
    pattern) for a label's trigger patterns; whole words only at the patterns' ends (`\\b`). A
    ceasefire "called for" or "violated" is a trigger sentence that is not clean."""
    match = _pattern(tuple(rf"\b(?:{p})\b" for p in triggers["match"]))
    cue = _pattern(tuple(rf"\b(?:{p})\b" for p in triggers.get("except") or ()))
    sentences = [text[a:b] for a, b in spans] if spans else [text]
    hit = clean = False
    for sentence in sentences:
        if match.search(sentence):
            hit = True
            if cue is None or not cue.search(sentence):
                clean = True
                break
    return float(hit), float(clean)

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


def _compiled(triggers: dict[str, list[str]]) -> tuple[re.Pattern, re.Pattern | None]:
    """The `match` and `except` patterns as two regexes; whole words only at the patterns' ends (`\\b`)."""
    return (_pattern(tuple(rf"\b(?:{p})\b" for p in triggers["match"])),
            _pattern(tuple(rf"\b(?:{p})\b" for p in triggers.get("except") or ())))


def sentence_triggers(sentence: str, triggers: dict[str, list[str]]) -> tuple[bool, bool]:
    """(the sentence matches a `match` pattern, it does and holds no `except` cue)."""
    match, cue = _compiled(triggers)
    if not match.search(sentence):
        return False, False
    return True, cue is None or not cue.search(sentence)


def trigger_features(text: str, spans: Sequence[tuple[int, int]] | None, triggers: dict[str, list[str]]) -> tuple[float, float]:
    """(1.0 if a sentence of `text` matches a `match` pattern, 1.0 if one matches it and no `except`
    pattern) for a label's trigger patterns. A ceasefire "called for" or "violated" is a trigger
    sentence that is not clean."""
    hit = clean = False
    for a, b in spans or [(0, len(text))]:
        h, c = sentence_triggers(text[a:b], triggers)
        hit |= h
        if c:
            clean = True
            break
    return float(hit), float(clean)

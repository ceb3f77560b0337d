"""Faithfulness check of a summary against its article.

Names, places and numbers in the summary that do not occur in the article (after normalisation:
case, accents, possessive 's, simple plural) are listed as `unsupported`. A summary with none is
"supported".
"""

from __future__ import annotations

import re
import unicodedata

from newsdesk.summary import FUNCTION_WORDS

_TOKEN = re.compile(r"[\w][\w'’.-]*\w|\w")
_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "dozen", "dozens", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
}


def _norm(word: str) -> str:
    w = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    w = re.sub(r"['’]s$", "", w).strip(".-'’")
    return w


def _variants(w: str) -> set[str]:
    out = {w}
    if len(w) > 3 and w.endswith("s"):
        out.add(w[:-1])
    if len(w) > 4 and w.endswith("es"):
        out.add(w[:-2])
    return out


def _article_words(article: str) -> set[str]:
    words: set[str] = set()
    for tok in _TOKEN.findall(article):
        for part in re.split(r"[-.]", tok) + [tok]:
            n = _norm(part)
            if n:
                words |= _variants(n)
    return words


def claims(summary: str) -> list[str]:
    """Words of the summary that carry facts: capitalised names/places, acronyms, numbers, number words."""
    out = []
    for k, tok in enumerate(_TOKEN.findall(summary)):
        clean = tok.strip(".-'’")
        if not clean:
            continue
        is_number = any(ch.isdigit() for ch in clean) or clean.lower() in _NUMBER_WORDS
        # the first word is capitalised anyway: count it unless it is a function word
        is_name = clean[0].isupper() and (k > 0 or clean.lower() not in FUNCTION_WORDS)
        if is_number or is_name:
            out.append(clean)
    return out


def check(summary: str | None, article: str) -> dict | None:
    """{"verdict": "supported" | "unsupported", "unsupported": [...]} for a summary, None without one."""
    if summary is None:
        return None
    words = _article_words(article)
    missing = []
    for claim in claims(summary):
        parts = [p for p in re.split(r"[-.]", claim) if p] or [claim]
        if not all(_variants(_norm(p)) & words for p in parts) and not (_variants(_norm(claim)) & words):
            missing.append(claim)
    return {"verdict": "unsupported" if missing else "supported", "unsupported": missing}

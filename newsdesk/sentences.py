"""Rule-based sentence splitting for English news text, with character offsets.

No model or data download (nltk's punkt is not available offline). A sentence ends at a blank line
(paragraph break), or at `.`, `!`, `?` or an ellipsis (plus any closing quotes/brackets) that is
followed by whitespace and a word starting with an upper-case letter or a digit, unless the full
stop belongs to an abbreviation:

- titles and months (Mr., Gen., Lt. Col., St., Sept. ...), e.g./i.e./vs., single initials
  ("J. R. Smith") and "No." before a number never end a sentence;
- dotted initialisms (U.S., U.N., a.m.) and Inc./Ltd./Jr./etc. end one only when the next word is a
  common sentence opener ("the U.S. The move ..." splits, "the U.S. Army" does not); a.m./p.m. end
  one unless a weekday, month or time zone follows ("5 p.m. Tuesday", "5 p.m. GMT").

A single line break inside a paragraph is treated as a space.

A "sentence" longer than MAX_SENTENCE_CHARS (a list, a table row, a text with no punctuation) is
split into pieces of at most that many characters, after a clause mark (; : , — –) in the last
half of the piece when there is one, else at a space, else mid-word: evidence then points at a
passage, not at a whole run-on text. No sentence of the sample corpus is that long.
"""

from __future__ import annotations

import re

_MONTHS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
# Abbreviations that are (practically) never the last word of a sentence.
_NEVER_FINAL = _MONTHS | {
    "mr", "mrs", "ms", "messrs", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "cpl", "pvt",
    "adm", "brig", "cmdr", "cdr", "gov", "sen", "rep", "rev", "hon", "pres", "amb", "st", "mt", "ft",
    "vs", "cf", "approx", "e.g", "i.e", "viz",
}
# Abbreviations that may end a sentence; they do when a common sentence opener follows.
_MAYBE_FINAL = {"inc", "ltd", "corp", "co", "jr", "sr", "etc", "al", "bros"}
_TIMES = {"a.m", "p.m"}
_OPENERS = {
    "a", "an", "the", "he", "she", "it", "they", "we", "i", "you", "his", "her", "its", "their", "our",
    "this", "that", "these", "those", "there", "here", "but", "and", "or", "so", "yet", "in", "on", "at",
    "as", "for", "from", "by", "with", "after", "before", "during", "when", "while", "if", "although",
    "since", "however", "meanwhile", "earlier", "later", "also", "still", "some", "many", "most",
}

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
# Sentence-final punctuation, closing quotes/brackets, then whitespace.
_CANDIDATE = re.compile(r"(?:\.\.\.|…|[.!?])[.!?…]*[\"'”’)\]]*(?=\s)")
# What follows a candidate: whitespace, opening quotes/brackets, then the next word.
_FOLLOWING = re.compile(r"(\s+)[\"'“‘(\[]*(\w*)")
_WORD_BEFORE = re.compile(r"[^\s\"'“‘(\[]*$")
_INITIALISM = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}")
MAX_SENTENCE_CHARS = 1000
_CLAUSE_END = re.compile(r"[;:,—–](?=\s)")


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    """Whether the punctuation in `match` ends a sentence."""
    following = _FOLLOWING.match(text, match.end())
    space, next_word = following.group(1), following.group(2)
    if _PARAGRAPH_BREAK.search(space):
        return True
    if not next_word or not (next_word[0].isupper() or next_word[0].isdigit()):
        return False
    if match.group().rstrip("\"'”’)]") != ".":  # ! ? ellipsis
        return True
    word = _WORD_BEFORE.search(text, max(0, match.start() - 30), match.start()).group()
    key = word.lower()
    if key in _NEVER_FINAL or (len(word) == 1 and word.isupper()):
        return False
    if key in {"no", "nos"}:
        return not next_word[0].isdigit()
    if key in _TIMES:
        return next_word.lower() not in _WEEKDAYS | _MONTHS and not (next_word.isupper() and len(next_word) <= 4)
    if key in _MAYBE_FINAL or _INITIALISM.fullmatch(word):
        return next_word.lower() in _OPENERS
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences in `text`, without surrounding whitespace."""
    cuts = {m.start() for m in _PARAGRAPH_BREAK.finditer(text)}
    cuts |= {m.end() for m in _CANDIDATE.finditer(text) if _is_boundary(text, m)}
    spans = []
    start = 0
    for end in [*sorted(cuts), len(text)]:
        chunk = text[start:end]
        if chunk.strip():
            left = start + len(chunk) - len(chunk.lstrip())
            spans += _pieces(text, left, left + len(chunk.strip()))
        start = end
    return spans


def _pieces(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """(start, end) split into spans of at most `limit` characters (see the module docstring)."""
    out = []
    while end - start > limit:
        window = text[start : start + limit]
        clause = [m.end() for m in _CLAUSE_END.finditer(window, limit // 2)]
        cut = clause[-1] if clause else window.rfind(" ", limit // 2) + 1 or limit
        piece = text[start : start + cut]
        out.append((start, start + len(piece.rstrip())))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def sentences(text: str) -> list[str]:
    """The sentences of `text` as strings (see `split_sentences`)."""
    return [text[start:end] for start, end in split_sentences(text)]

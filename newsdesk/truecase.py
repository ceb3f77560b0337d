"""Restore letter case in articles written without it (all lower case, ALL CAPITALS).

Wire feeds and old corpora (MUC-4) arrive in one case. The model's uncased encoder reads them as
well as any article, but the rules that turn tagged spans into actor names (newsdesk.actors) tell a
name from the words around it by its capitals: in lower-cased text they cannot ("extraditables today
claimed" came out as an actor), in capitals everything looks like a name. So an article with no
case is truecased before it is read: each word takes the form the training texts write it in most
often away from a sentence start ("FMLN", "Guatemala", "army"), and a sentence's first word a capital.
So is a line in capitals of an article written with case (a statement's issuer, a press release's
headline: "PRESS RELEASE — DEFENCE HEADQUARTERS, ABUJA" gave the actor "ABUJA"); the lead clause
still skips such a line as a heading (`Predictor.score` gives it the article truecased as a whole only).

The table is learnt at training time from the training texts that are written in both cases
(`case_forms`) and saved in the model's config (`truecase`: the cased forms; a word's key is its
lower case). Truecasing changes letters only, never the length: character offsets into the cleaned
text stay valid, and the output row says `truecased` in its warnings.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

# a word: letters, inner apostrophes, dots and hyphens ("al-Shabaab", "U.S", "People's")
WORD = re.compile(r"[^\W\d_](?:[\w'’.-]*\w)?")
MIN_COUNT = 2  # a form must be seen this often (away from sentence starts) to be learnt
MIN_SHARE = 0.5  # ... and be at least this share of the word's occurrences
CAPITALS_SHARE = 0.9  # an article whose letters are at least this share capitals is ALL CAPS
MIN_LETTERS = 20  # shorter texts are left as they are (a name, a heading)


# function words whose learnt capital form ("US", "May") is a name or a date in some places only: "told us",
# "it may rain" stay as written; "the us", "us troops", "5 may" take the capital
_US_NOUNS = {"troops", "forces", "military", "army", "navy", "marines", "soldiers", "embassy", "officials", "official",
             "government", "administration", "president", "congress", "ambassador", "envoy", "citizens", "citizen",
             "aircraft", "drone", "drones", "airstrike", "airstrikes", "dollar", "dollars", "state", "senate"}
_NEIGHBOURS = re.compile(r"(\w+)\W*$")


def _ambiguous_capital(low: str, start: int, end: int, word: str) -> bool:
    """May the function word `word` at low[start:end] take its capital form here?"""
    before = _NEIGHBOURS.search(low, 0, start)
    prev = before.group(1) if before else ""
    after = re.match(r"\W*(\w+)", low[end:])
    nxt = after.group(1) if after else ""
    if word == "us":
        return prev == "the" or nxt in _US_NOUNS
    if word == "may":
        return prev.isdigit() or nxt.isdigit()
    return True


def letter_case(text: str) -> tuple[int, float]:
    """(letters, share of them that are capitals)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters), (sum(c.isupper() for c in letters) / len(letters) if letters else 0.0)


def uncased(text: str) -> bool:
    """Is `text` written in one case: no capital letter at all, or (nearly) all capitals?"""
    n, share = letter_case(text)
    return n >= MIN_LETTERS and (share == 0.0 or share >= CAPITALS_SHARE)


def _capitals(line: str) -> bool:
    n, share = letter_case(line)
    return n >= MIN_LETTERS and share >= CAPITALS_SHARE


def _sentence_initial(text: str, start: int) -> bool:
    j = start - 1
    while j >= 0 and text[j] in " \t\"“‘'(":
        j -= 1
    return j < 0 or text[j] in ".!?\n"


def case_forms(texts: Iterable[str]) -> list[str]:
    """The cased forms to learn from `texts` (those written in both cases): per word, its most frequent
    form away from a sentence start, where that form has a capital, is seen >= MIN_COUNT times and is
    >= MIN_SHARE of the word's occurrences. Sorted; a form's key is its lower case."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        n, share = letter_case(text or "")
        if not n or share == 0.0 or share > 0.5:
            continue  # a text in one case (or a shouting heading) teaches nothing about case
        for m in WORD.finditer(text):
            if not _sentence_initial(text, m.start()):
                counts[m.group().lower()][m.group()] += 1
    forms = []
    for key, c in counts.items():
        form, n = c.most_common(1)[0]
        if form != key and n >= MIN_COUNT and n / sum(c.values()) >= MIN_SHARE and len(form) == len(key):
            forms.append(form)
    return sorted(forms)


def _lower(text: str) -> str:
    """Lower case, character by character where that keeps the length ("İ".lower() has two)."""
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


class Truecaser:
    """`truecase(text)`: the text with case restored when it is written in one case, else unchanged."""

    def __init__(self, forms: Sequence[str] | None):
        self.table = {f.lower(): f for f in forms or () if isinstance(f, str) and len(f.lower()) == len(f)}

    def __bool__(self) -> bool:
        return bool(self.table)

    def __call__(self, text: str, lines: bool = True) -> str:
        """The article truecased when it is written in one case; else, with `lines`, its lines in
        capitals (>= MIN_LETTERS letters: a statement's "MINISTRY OF DEFENSE OF THE REPUBLIC OF
        AZERBAIJAN", a press release's headline) truecased and the rest as written."""
        if not self.table:
            return text
        if uncased(text):
            return self._restore(text)
        if not lines:
            return text
        return "\n".join(self._restore(line) if _capitals(line) else line for line in text.split("\n"))

    def _restore(self, text: str) -> str:
        low = _lower(text)
        out = list(low)
        for m in WORD.finditer(low):
            word = m.group()
            form = self.table.get(word, word)
            if word in ("us", "may") and not _ambiguous_capital(low, m.start(), m.end(), word):
                form = word
            if _sentence_initial(low, m.start()):
                form = form[:1].upper() + form[1:]
            if form != word and len(form) == len(word):
                out[m.start():m.end()] = form
        return "".join(out)

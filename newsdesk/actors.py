"""Actor names: mention spans from token tags, normalisation, de-duplication, catalogue linking,
and the alias/gazetteer string matcher (weak training spans and the evaluation baseline).

    token tag probabilities per window ──decode_mentions──▶ mentions (char spans in the cleaned text)
        ──cluster_mentions (case, "the", plural/singular, aliases)──▶ one actor per cluster
        ──link (aliases, catalogue surface forms, string similarity, the closed-set head)──▶ catalogue name

Pure Python and numpy: the network's part (the mention head's tag logits) is in newsdesk.model.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

# Country -> demonym for catalogue names like "Military Forces of Iraq" (regular "-n"/"-an" forms are derived).
DEMONYMS = {
    "Afghanistan": "Afghan", "Algeria": "Algerian", "Armenia": "Armenian", "Azerbaijan": "Azerbaijani",
    "Bangladesh": "Bangladeshi", "Belarus": "Belarusian", "Burkina Faso": "Burkinabe", "Burundi": "Burundian",
    "Cameroon": "Cameroonian", "Central African Republic": "Central African", "Chad": "Chadian", "China": "Chinese",
    "Colombia": "Colombian", "Democratic Republic of Congo": "Congolese", "Egypt": "Egyptian", "Ethiopia": "Ethiopian",
    "France": "French", "Georgia": "Georgian", "Haiti": "Haitian", "India": "Indian", "Iran": "Iranian", "Iraq": "Iraqi",
    "Israel": "Israeli", "Jordan": "Jordanian", "Kenya": "Kenyan", "Lebanon": "Lebanese", "Libya": "Libyan",
    "Mali": "Malian", "Mexico": "Mexican", "Mozambique": "Mozambican", "Myanmar": "Myanmar", "Niger": "Nigerien",
    "Nigeria": "Nigerian", "Pakistan": "Pakistani", "Palestine": "Palestinian", "Philippines": "Philippine",
    "Russia": "Russian", "Saudi Arabia": "Saudi", "Somalia": "Somali", "South Sudan": "South Sudanese",
    "Sudan": "Sudanese", "Syria": "Syrian", "Turkey": "Turkish", "Ukraine": "Ukrainian", "United States": "US",
    "United Kingdom": "British", "Venezuela": "Venezuelan", "Yemen": "Yemeni", "Brazil": "Brazilian",
    "Peru": "Peruvian", "Ecuador": "Ecuadorian", "Chile": "Chilean", "Argentina": "Argentine", "Thailand": "Thai",
    "Indonesia": "Indonesian", "Kyrgyzstan": "Kyrgyz", "Tajikistan": "Tajik", "Uzbekistan": "Uzbek",
    "Kazakhstan": "Kazakh", "Tunisia": "Tunisian", "Morocco": "Moroccan", "Uganda": "Ugandan", "Rwanda": "Rwandan",
    "Bahrain": "Bahraini", "Kuwait": "Kuwaiti", "Qatar": "Qatari", "Oman": "Omani", "South Africa": "South African",
    "Zimbabwe": "Zimbabwean", "Germany": "German", "Greece": "Greek", "Serbia": "Serbian", "Kosovo": "Kosovar",
    "Honduras": "Honduran", "Guatemala": "Guatemalan", "El Salvador": "Salvadoran", "Nicaragua": "Nicaraguan",
    "Papua New Guinea": "Papua New Guinean", "Sri Lanka": "Sri Lankan", "Nepal": "Nepali", "Japan": "Japanese",
    "South Korea": "South Korean", "North Korea": "North Korean", "Vietnam": "Vietnamese", "Cambodia": "Cambodian",
}
FORCE_NOUNS = ("forces", "army", "military", "troops", "soldiers", "security forces", "armed forces", "government forces")
POLICE_NOUNS = ("police", "police forces", "security forces", "policemen")
GROUP_PATTERNS = {"protesters": ("protesters", "demonstrators"), "rioters": ("rioters",), "civilians": ("civilians",)}
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_PAREN = re.compile(r"\s*\([^)]*\)")


@dataclass
class Mention:
    text: str
    start: int
    end: int
    score: float
    canonical: str | None = None  # catalogue name when linked

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "canonical": self.canonical, "score": round(self.score, 4)}


# ----------------------------------------------------------------------------- names
def normalise(name: str) -> str:
    """Key of an actor name: case, leading "the", possessive, curly quotes, plural/singular of the last word."""
    n = name.replace("’", "'").strip().strip(".,;:\"'")
    n = _LEADING.sub("", n)
    n = re.sub(r"'s$", "", n)
    n = " ".join(n.lower().split())
    words = n.split(" ")
    if words and words[-1]:
        words[-1] = singular(words[-1])
    return " ".join(words)


def singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "ses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def demonym(country: str) -> str:
    if country in DEMONYMS:
        return DEMONYMS[country]
    if country.endswith("a"):
        return country + "n"
    if country.endswith("ia"):
        return country[:-1] + "an"
    return country + "i" if country.endswith(("q", "n")) else country + "ian"


def catalogue_forms(name: str) -> set[str]:
    """How articles write a catalogue actor ("Military Forces of Iraq" -> "Iraqi forces", "Iraqi army", ...)."""
    base = _PAREN.sub("", name).strip()
    forms = {base}
    m = re.match(r"^(Military|Police) Forces of (.+?)$", base)
    if m:
        country = re.sub(r"\s*\d{4}-?\d{0,4}\s*", " ", m.group(2)).strip()
        country = re.sub(r"^the\s+", "", country)
        d = demonym(country)
        nouns = FORCE_NOUNS if m.group(1) == "Military" else POLICE_NOUNS
        forms |= {f"{d} {n}" for n in nouns} | {f"{country}'s {n}" for n in nouns}
    for key, words in GROUP_PATTERNS.items():
        if base.lower() == key or base.lower().startswith(key):
            forms |= set(words)
    return forms


# ----------------------------------------------------------------------------- decoding
def decode_mentions(text: str, offsets: Sequence[Sequence[tuple[int, int]]], probs: Sequence[np.ndarray],
                    threshold: float = 0.5) -> list[Mention]:
    """Mentions from B/I/O tag probabilities of an article's windows ([tokens, 3] per window).

    A token seen in several overlapping windows takes the tags of the window where it is farthest
    from an edge; the pieces of one word share the tags of its first piece; a span starts at a B
    (or an I after O) and runs over I; its score is the mean probability of not-O over its tokens.
    """
    best: dict[tuple[int, int], tuple[int, np.ndarray]] = {}
    for offs, p in zip(offsets, probs):
        real = [k for k, (s, e) in enumerate(offs) if e > s]
        for rank, k in enumerate(real):
            edge = min(rank, len(real) - 1 - rank)
            key = tuple(offs[k])
            if key not in best or edge > best[key][0]:
                best[key] = (edge, p[k])
    tokens = sorted(best)
    spans: list[Mention] = []
    cur: list[tuple[int, int, np.ndarray]] | None = None
    word_tag = None
    prev_end = -1
    for s, e in tokens:
        p = best[(s, e)][1]
        same_word = s == prev_end and _joins(text, s)
        tag = word_tag if same_word and word_tag is not None else int(np.argmax(p))
        word_tag = tag
        prev_end = e
        if tag == 1 or (tag == 2 and cur is None):
            if cur:
                spans.append(_span(text, cur))
            cur = [(s, e, p)]
        elif tag == 2:
            cur.append((s, e, p))
        else:
            if cur:
                spans.append(_span(text, cur))
            cur = None
    if cur:
        spans.append(_span(text, cur))
    return [m for m in spans if m.score >= threshold and m.text]


def _joins(text: str, s: int) -> bool:
    """The token at `s` continues the word before it (no space, and not after/before a hyphen break)."""
    return s > 0 and text[s - 1].isalnum() and text[s].isalnum()


def _span(text: str, toks: list[tuple[int, int, np.ndarray]]) -> Mention:
    start, end = toks[0][0], toks[-1][1]
    raw = text[start:end]
    # trim a leading article and trailing punctuation the tags may have taken in
    m = _LEADING.match(raw)
    if m:
        start += m.end()
    raw = text[start:end].rstrip(".,;:\"'’”)")
    end = start + len(raw)
    score = float(np.mean([1.0 - float(p[0]) for _, _, p in toks]))
    return Mention(text[start:end], start, end, score)


# ----------------------------------------------------------------------------- clusters and linking
@dataclass
class Actor:
    name: str
    mentions: list[Mention] = field(default_factory=list)
    canonical: str | None = None

    @property
    def score(self) -> float:
        return max(m.score for m in self.mentions) if self.mentions else 0.0


def cluster_mentions(text: str, mentions: Iterable[Mention], aliases: dict[str, str]) -> list[Actor]:
    """One actor per normalised name (aliases applied), named as the article writes it most
    (the alias table's canonical name when it has one), in order of first mention."""
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        key = normalise(m.text)
        canon = aliases.get(m.text.strip().lower()) or aliases.get(key)
        groups.setdefault(normalise(canon) if canon else key, []).append(m)
    actors = []
    for key, ms in groups.items():
        canon = next((aliases.get(m.text.strip().lower()) or aliases.get(normalise(m.text)) for m in ms
                      if aliases.get(m.text.strip().lower()) or aliases.get(normalise(m.text))), None)
        actors.append(Actor(canon or _display(text, ms), sorted(ms, key=lambda m: m.start)))
    return sorted(actors, key=lambda a: a.mentions[0].start)


def _display(text: str, ms: list[Mention]) -> str:
    """The written form: mid-sentence forms beat sentence-initial ones; then the most frequent, then the longest."""
    counts: Counter = Counter()
    for m in ms:
        before = text[max(0, m.start - 3) : m.start].strip()
        initial = m.start == 0 or before[-1:] in (".", "!", "?", "\n", '"', "“", "—") or not before
        counts[m.text] += 0.1 if initial else 1.0
    best = max(counts.items(), key=lambda kv: (kv[1], len(kv[0])))[0]
    if all(c < 1.0 for c in counts.values()) and best[:1].isupper() and best.split(" ")[0].lower() in _LOWER_STARTS:
        best = best[0].lower() + best[1:]
    return best


_LOWER_STARTS = {"tribal", "government", "security", "rebel", "rebels", "protesters", "police", "troops", "soldiers",
                 "militants", "fighters", "civilians", "gunmen", "demonstrators", "border", "local", "armed"}


class Linker:
    """Links actor clusters to catalogue actors (the closed-set head's labels)."""

    def __init__(self, catalogue: Sequence[str], aliases: dict[str, str]):
        self.catalogue = list(catalogue)
        self.aliases = aliases
        self.exact: dict[str, str] = {}
        self.forms: dict[str, list[str]] = {}
        for name in self.catalogue:
            self.exact.setdefault(normalise(_PAREN.sub("", name)), name)
            for f in catalogue_forms(name):
                self.forms.setdefault(normalise(f), []).append(name)

    def link(self, actor: Actor, head_probs: dict[str, float] | None = None, floor: float = 0.05) -> str | None:
        """The catalogue name of `actor`, or None. Aliases and exact names link outright; a catalogue
        surface form ("Iraqi forces") or a near-identical name links when the head gives it >= `floor`
        (the most probable one when several match)."""
        probs = head_probs or {}
        names = {actor.name, *(m.text for m in actor.mentions)}
        for n in names:
            canon = self.aliases.get(n.strip().lower())
            if canon in self.catalogue:
                return canon
            hit = self.exact.get(normalise(n))
            if hit:
                return hit
        candidates: set[str] = set()
        for n in names:
            candidates |= set(self.forms.get(normalise(n), ()))
            close = difflib.get_close_matches(normalise(n), list(self.exact), n=2, cutoff=0.9)
            candidates |= {self.exact[c] for c in close}
        scored = [(probs.get(c, 0.0), c) for c in candidates]
        scored = [x for x in scored if x[0] >= floor]
        return max(scored)[1] if scored else None


# ----------------------------------------------------------------------------- gazetteer
class Gazetteer:
    """Alias/gazetteer string matcher: whole-word, case-insensitive matches of known actor names
    (catalogue names and their surface forms, alias-table names). The mention head's baseline, and
    the source of weak training spans on records whose actors are names, not spans."""

    def __init__(self, names_to_canonical: dict[str, str]):
        items = sorted(((n, c) for n, c in names_to_canonical.items() if len(n) >= 2), key=lambda x: -len(x[0]))
        self.canonical = {n.lower(): c for n, c in items}
        self._upper_names = {n for n, _ in items if n.isupper()}
        self.pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n, _ in items) + r")(?![\w-])", re.IGNORECASE) if items else None

    @classmethod
    def from_actors(cls, actors: Iterable[str], aliases: dict[str, str], catalogue: Iterable[str] = ()) -> "Gazetteer":
        table: dict[str, str] = {}
        for a in actors:
            table.setdefault(a, a)
        for alias, canon in aliases.items():
            table.setdefault(alias, canon)
        for name in catalogue:
            for f in catalogue_forms(name):
                table.setdefault(f, name)
        return cls(table)

    def find(self, text: str) -> list[Mention]:
        """Matches in `text`; a short all-caps name ("IS") only matches as written in capitals."""
        if self.pattern is None:
            return []
        out = []
        for m in self.pattern.finditer(text):
            found = m.group(0)
            if found.lower() in self._acronyms and not found.isupper():
                continue
            out.append(Mention(found, m.start(), m.end(), 1.0, self.canonical.get(found.lower())))
        return out

    @property
    def _acronyms(self) -> set[str]:
        if not hasattr(self, "_acr"):
            self._acr = {n for n in self.canonical if len(n) <= 5 and n.isalpha() and n.upper() in self._upper_names}
        return self._acr


def weak_spans(text: str, actors: Sequence[str], aliases: dict[str, str]) -> list[dict[str, Any]]:
    """Spans where a record's actor names (their aliases, their catalogue surface forms) occur in its text."""
    names: dict[str, str] = {}
    for a in actors:
        names[a] = a
        names.update({f: a for f in catalogue_forms(a)})
        names.update({alias: canon for alias, canon in aliases.items() if canon == a})
    return [{"text": m.text, "start": m.start, "end": m.end} for m in Gazetteer(names).find(text)]

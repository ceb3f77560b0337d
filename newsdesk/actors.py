"""Actor names: mention spans from token tags, normalisation, de-duplication, catalogue linking,
and the alias/gazetteer string matcher (weak training spans and the evaluation baseline).

    token tag probabilities per window ──decode_mentions──▶ mentions (char spans in the cleaned text)
        ──cluster_mentions (case, "the", plural/singular, aliases)──▶ one actor per cluster
        ──link (aliases, catalogue surface forms, string similarity, the closed-set head)──▶ catalogue name

Pure Python and numpy: the network's part (the mention head's tag logits) is in newsdesk.model.
"""

from __future__ import annotations

import difflib
import functools
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


_SINGULAR_IS = {"isis", "crisis", "analysis", "basis", "thesis", "axis", "tennis", "paris", "tunis", "this", "his",
                "daesh", "genesis", "oasis", "emphasis", "synthesis", "diagnosis"}


def singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us")) or word in _SINGULAR_IS or (word.endswith("is") and len(word) <= 4):
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
                    threshold: float = 0.5, repair: bool = True, places: set[str] | frozenset = frozenset()) -> list[Mention]:
    """Mentions from B/I/O tag probabilities of an article's windows ([tokens, 3] per window).

    A token seen in several overlapping windows takes the tags of the window where it is farthest
    from an edge. Tokens with no space between them form one word ("US-led", "Tanf" = tan ##f), which
    takes the tag probabilities of its first token; the best tag sequence over words is found with
    Viterbi under the B/I/O rules (I only after B or I). A span's score is the mean probability of
    not-O over its words. With `repair`, spans are completed to the name the article writes
    (`repair_span`) and bare places, lone adjectives and lone generic nouns are dropped (`keep_span`).
    """
    best: dict[tuple[int, int], tuple[int, np.ndarray]] = {}
    for offs, p in zip(offsets, probs):
        real = [k for k, (s, e) in enumerate(offs) if e > s]
        for rank, k in enumerate(real):
            edge = min(rank, len(real) - 1 - rank)
            key = (int(offs[k][0]), int(offs[k][1]))
            if key not in best or edge > best[key][0]:
                best[key] = (edge, np.asarray(p[k], dtype=np.float64))
    words: list[list[int]] = []  # [start, end] per word
    word_p: list[np.ndarray] = []
    for s, e in sorted(best):
        if words and s == words[-1][1] and not text[s].isspace():
            words[-1][1] = e
        else:
            words.append([s, e])
            word_p.append(best[(s, e)][1])
    if not words:
        return []
    tags = _viterbi(np.log(np.clip(np.stack(word_p), 1e-9, 1.0)))
    spans: list[Mention] = []
    k = 0
    while k < len(words):
        if tags[k] == 1 or (tags[k] == 2 and (k == 0 or tags[k - 1] == 0 or "\n" in text[words[k - 1][1]:words[k][0]])):
            j = k + 1
            while j < len(words) and tags[j] == 2 and "\n" not in text[words[j - 1][1]:words[j][0]]:
                j += 1  # a name never runs over a line break (page menus: "World\nAfrica\n\nSudan army")
            score = float(np.mean([1.0 - word_p[i][0] for i in range(k, j)]))
            m = _span(text, words[k][0], words[j - 1][1], score)
            if m.text:
                spans.append(m)
            k = j
        else:
            k += 1
    if repair:
        spans = _joined_by_of(text, spans)
        spans = [r for r in (repair_span(text, m, places) for m in spans) if keep_span(text, r, places)]
        spans = _dedupe_overlaps(spans + [m for m in led_coalitions(text)
                                          if not any(m.start < o.end and o.start < m.end for o in spans)])
    return [m for m in spans if m.score >= threshold]


_OF_THE = re.compile(r"\s+of(?:\s+the)?\s+")


def _joined_by_of(text: str, spans: list[Mention]) -> list[Mention]:
    """A capitalised span and the name without a group's noun (a country, a place) that the article joins to
    it with "of (the)" are one name: "Armed Forces" + "of the" + "Democratic Republic of the Congo" (the
    tagger left "of the" out; the demo served two actors). Two groups stay two: "Domingo Laín Front" of the
    "National Liberation Army"."""
    out: list[Mention] = []
    for m in spans:
        prev = out[-1] if out else None
        if (prev is not None and prev.text[:1].isupper() and prev.text.split()[-1][:1].isupper()
                and not any(w.lower() in PEOPLE_NOUNS for w in m.text.split()) and _OF_THE.fullmatch(text, prev.end, m.start)):
            out[-1] = Mention(text[prev.start : m.end], prev.start, m.end, min(prev.score, m.score))
        else:
            out.append(m)
    return out


_LED_COALITION = re.compile(r"\b(?:[A-Z][\w.]*-led|[A-Z]{2,}-led) coalition\b")
LED_COALITION_SCORE = 0.9


def led_coalitions(text: str) -> list[Mention]:
    """"US-led coalition", "Saudi-led coalition": always an actor, also where the tagger missed it
    (the seed's "supported by Iraqi and US-led coalition aircraft")."""
    return [Mention(m.group(0), m.start(), m.end(), LED_COALITION_SCORE) for m in _LED_COALITION.finditer(text)]


def _viterbi(logp: np.ndarray) -> list[int]:
    """Best O/B/I tag sequence for [words, 3] log-probabilities (an I after O or first costs log 0.3)."""
    n = len(logp)
    # from (row) -> to (col); an I right after O is unlikely but possible (a missed B): it starts a span
    allowed = np.array([[0.0, 0.0, np.log(0.3)], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    score = logp[0] + np.array([0.0, 0.0, np.log(0.3)])
    back = np.zeros((n, 3), dtype=np.int64)
    for i in range(1, n):
        cand = score[:, None] + allowed
        back[i] = cand.argmax(0)
        score = cand.max(0) + logp[i]
    tags = [int(score.argmax())]
    for i in range(n - 1, 0, -1):
        tags.append(int(back[i, tags[-1]]))
    return tags[::-1]


_INITIALISM_END = re.compile(r"(?:^|[\s(])(?:[A-Z]\.){2,}$")
_TRAILING = ",;:?!]\"'’”)"  # punctuation a span does not end on (and "." but after an initialism)


def _span(text: str, start: int, end: int, score: float) -> Mention:
    raw = text[start:end]
    start += len(raw) - len(raw.lstrip("[(\"“‘'"))  # "[Mara Salvatrucha]" -> the name
    raw = text[start:end]
    m = _LEADING.match(raw)
    if m:
        start += m.end()
    raw = text[start:end].rstrip(_TRAILING)
    if not _INITIALISM_END.search(raw):  # "U.S." and "U.N." keep their last full stop
        raw = raw.rstrip("." + _TRAILING)
    if raw.find("(") > 0:  # "National Liberation Army (ELN" -> the name; the abbreviation is its own mention
        raw = raw[: raw.find("(")].rstrip(" ,;:-")
    while raw.endswith(("'s", "’s")):
        raw = raw[:-2]
    return Mention(raw, start, start + len(raw), score)


# Nouns that head a collective actor's name ("Syrian troops", "border police", "US-led coalition").
HEAD_NOUNS = {"troops", "forces", "force", "army", "military", "police", "soldiers", "fighters", "opposition", "government",
              "militia", "militias", "rebels", "authorities", "coalition", "guards", "guard", "gendarmes", "gendarmerie",
              "militants", "insurgents", "security", "navy", "marines", "paramilitaries", "officials", "junta", "regime"}
MODIFIERS = {"border", "riot", "tribal", "federal", "national", "special", "security", "paramilitary", "government",
             "opposition", "rebel", "state", "local", "armed", "military", "coast", "presidential", "republican"}
GROUP_NOUNS = {"protesters", "demonstrators", "civilians", "rioters", "farmers", "students", "workers", "villagers",
               "residents", "refugees", "migrants", "herders", "miners", "traders", "journalists", "teachers", "doctors",
               "gunmen", "militants", "rebels", "insurgents", "bandits", "looters", "smugglers", "settlers", "vigilantes",
               "passengers", "fishermen", "worshippers", "mourners", "commuters", "nurses", "pensioners", "immigrants"}
PLACES = set(DEMONYMS) | {"US", "U.S.", "UK", "Europe", "Africa", "Asia", "America", "Gaza", "West Bank", "Darfur",
                          "Kurdistan", "Crimea", "Donbas", "Sahel", "Kashmir", "Latin America", "Central America",
                          "South America", "North America", "Caribbean", "Andes", "Balkans", "Middle East",
                          "Horn of Africa", "Latin American", "Central American", "South American", "North American",
                          "Andean", "Middle Eastern", "European", "African", "Asian", "Western", "Arab world"}
_DEMONYM_WORDS = {d for d in DEMONYMS.values()} | {"American", "Kurdish", "Arab", "Israeli", "Iranian", "Shia", "Sunni",
                                                   "Filipino", "Emirati"}


def _word_before(text: str, start: int) -> tuple[int, str] | None:
    """(start, word) of the word right before `start`, separated by one space only (no punctuation between)."""
    if start < 2 or text[start - 1] != " " or not (text[start - 2].isalnum()):
        return None
    j = start - 1
    while j > 0 and not text[j - 1].isspace():
        j -= 1
    return j, text[j : start - 1]


def _word_after(text: str, end: int) -> tuple[int, str] | None:
    m = re.match(r" ([A-Za-z][\w'’-]*)", text[end:])
    return (end + m.end(), m.group(1)) if m else None


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return start == 0 or before[-1:] in (".", "!", "?", "\n", '"', "“", "—", ":") or "\n" in text[max(0, start - 2) : start]


# lower-case words that describe the named group after them ("rebel" Coalition of Patriots for Change)
_DESCRIPTOR = re.compile(r"(?:(?:rebel|rebels|militant|jihadist|insurgent|separatist|armed|extremist|group)\s+)+(?=[A-Z])")
# a place's possessive before a capitalised name: "Mali's" High Islamic Council
_PLACE_POSSESSIVE = re.compile(r"([A-Z][\w.-]*(?: [A-Z][\w.-]*)*)['’]s (?=[A-Z])")
# a name's word written with a lower-case article: "Jama'at Nusrat al-Islam wal-Muslimin"
_ARABIC_ARTICLE = re.compile(r"^(?:al|el|wal|ad|ar|as|at|az|ash|an)-[A-Z]")


def repair_span(text: str, m: Mention, places: set[str] | frozenset = frozenset()) -> Mention:
    """Complete a span to the name the article writes: a lone adjective takes the head noun after it
    ("Syrian" + "troops"); a span takes in the words right before it that belong to the name
    (capitalised words mid-sentence: "Popular Mobilization" + "Forces"; "US-led" + "coalition";
    modifiers such as "border" + "police")."""
    start, end = _complete_end(text, m.start, m.end)
    owner = _PLACE_POSSESSIVE.match(text, start, end)
    if owner and (owner.group(1) in PLACES or owner.group(1) in places):
        start = owner.end()  # "Mali's High Islamic Council" -> "High Islamic Council"
    words = text[start:end].split()
    if not words:
        return Mention("", start, start, m.score)
    if len(words) == 1 and words[0] in _DEMONYM_WORDS | {"US", "U.S.", "UN", "EU", "NATO", "AU"}:
        nxt = _word_after(text, end)
        if nxt and nxt[1].lower() in HEAD_NOUNS:
            end = nxt[0]
    while True:  # capitalised words right after belong to the name ("International Monetary" + "Fund")
        nxt = _word_after(text, end)
        if nxt is None:
            break
        w = nxt[1]
        if w[:1].isupper() and not w.isupper() or (w.isupper() and len(w) > 1 and text[start:end].isupper()):
            end = nxt[0]
            continue
        if w in ("of", "for") and (after := _word_after(text, nxt[0])) and after[1][:1].isupper() and text[start:start + 1].isupper():
            end = after[0]
            continue
        break
    while True:
        prev = _word_before(text, start)
        if prev is None:
            break
        j, w = prev
        capital = ((w[:1].isupper() or _ARABIC_ARTICLE.match(w)) and not _sentence_initial(text, j)
                   and w.lower() not in ("the", "a", "an", "and", "of") and not w.endswith(("'s", "’s")))
        led = bool(re.match(r"^[\w.]+-(led|backed|aligned|allied|affiliated|controlled|based)$", w, re.IGNORECASE))
        ordinal = bool(_ORDINAL.fullmatch(w)) and text[start:start + 1].isupper() and text[start:end].split()[0] not in _CALENDAR
        if capital or led or ordinal or (w.lower() in MODIFIERS and text[start:end].split()[0].lower() in HEAD_NOUNS | MODIFIERS):
            if w.lower() in ("the", "a", "an"):
                break
            start = j
            continue
        if _sentence_initial(text, j) and w[:1].isupper() and (w in _DEMONYM_WORDS or w.lower() in MODIFIERS):
            start = j
        break
    end = _without_member_noun(text, start, end, places)
    described = _DESCRIPTOR.match(text, start, end)
    if described and described.end() < end:  # "rebel Coalition of Patriots for Change" -> the name
        start = described.end()
    appositive = re.search(r" [a-z]+ ([A-Z][A-Z0-9-]{2,})$", text[start:end])
    if appositive:  # "the United Nations mission MINUSCA" -> "MINUSCA"
        start = start + appositive.start(1)
    start, end = _without_loose_words(text, start, end)
    partner = _QUALIFIED_PARTNER.search(text, start, end)
    if partner and partner.end() == end and _LOYAL_TO.match(text, end):
        end = partner.start()  # "South Sudan's army and forces | loyal to the opposition": two parties
    if (start, end) == (m.start, m.end):
        return m
    return _span(text, start, end, m.score)


# a bare head noun after "and" that the words after the span tie to another party
_QUALIFIED_PARTNER = re.compile(r" and (?:" + "|".join(sorted(HEAD_NOUNS | {"fighters", "militiamen", "gunmen"})) + r")\b")
_LOYAL_TO = re.compile(r"\s+(?:loyal|allied|belonging|affiliated|linked|answering)\s+(?:to|with)\b")


_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")  # a unit's number: "444th" Brigade, "22nd" Infantry Division


def _name_word(w: str) -> bool:
    """A word of a proper name: capitalised ("Hamas", "US-led"), with a digit ("M23"), "al-Shabaab"; not a
    number, a weekday or month, a capitalised function word ("On", "The")."""
    return (not _never_name(w) and (w[:1].isupper() or any(ch.isdigit() for ch in w)
                                    or bool(_ARABIC_ARTICLE.match(w.strip(_PUNCT)))))


def _people_word(w: str) -> bool:
    w = w.strip(",;:'\"’”").lower()
    return w in PEOPLE_NOUNS or bool(_PEOPLE_SUFFIX.search(w))


# words that are never part of an actor's name, whatever the text: function words, reporting verbs
_NEVER_IN_NAMES = {"on", "in", "at", "the", "a", "an", "to", "from", "by", "with", "as", "after", "before", "during",
                   "over", "under", "around", "near", "against", "about", "into", "while", "when", "where", "was",
                   "were", "is", "are", "has", "have", "had", "been", "be", "that", "which", "who", "this", "these",
                   "those", "its", "their", "his", "her", "it", "they", "he", "she", "no", "not", "said", "says",
                   "reported", "reportedly", "according", "killed", "wounded", "injured", "attacked", "held",
                   "staged", "protested", "gathered", "demanded", "demanding", "least", "some", "several"}


_PUNCT = ",;:.!?()[]{}\"'’“”"


def _never_name(word: str) -> bool:
    """A number, a date word, a function or reporting word ("On 13 March 2022", "The", "they")."""
    w = word.strip(_PUNCT)
    return (not w or bool(re.fullmatch(r"[\d.,:/%-]+(?:st|nd|rd|th)?", w)) or w in _CALENDAR
            or w.lower() in _NEVER_IN_NAMES)


@functools.lru_cache(maxsize=8)
def _cased(text: str) -> bool:
    return any(ch.isupper() for ch in text)


def _without_loose_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the words the tagger ran on into: numbers, dates and function words before it
    ("On 13 March 2022, in" Recife), an infinitive ("Russia troops" to fire ...) and lower-case words
    after the last word that names someone ("Libya" must, "Northern Ireland" because, "Israeli police"
    custody, "militants" loyal). A span with no such word is empty ("died as a result", "Monday
    outlawed", "January 2022"): `keep_span` drops it. In text without capitals only numbers, dates and
    function words at its edges go."""
    words = list(re.finditer(r"\S+", text[start:end]))
    for k in range(1, len(words) - 1):
        if words[k].group() == "to" and words[k + 1].group().islower():
            words = words[:k]
            break
    ws = [w.group() for w in words]
    if not _cased(text):  # lower-cased wire text (MUC-4): no capitals to tell names by, only the sure misses
        kept = [k for k in range(len(ws)) if not _never_name(ws[k])]
        return (start + words[kept[0]].start(), start + words[kept[-1]].end()) if kept else (start, start)
    number = lambda k: bool(re.fullmatch(r"\d+", ws[k].strip(_PUNCT)) or _ORDINAL.fullmatch(ws[k]))  # noqa: E731
    # a number next to a name is part of it ("400 Mawozo", "Barrio 18", "444th Brigade"), not a date ("13 March")
    named = [k for k in range(len(ws)) if _name_word(ws[k]) or _people_word(ws[k])
             or (number(k) and k > 0 and _name_word(ws[k - 1]))]
    if not named:
        return start, start
    first = next(k for k in range(len(ws)) if not _never_name(ws[k])
                 or (number(k) and k + 1 < len(ws) and _name_word(ws[k + 1])))  # "On 13 March, in" Recife
    return start + words[first].start(), start + words[named[-1]].end()


# words a name does not end with: the tagger ran one word too far ("Tribal forces and", "Office of")
_TRAILING_FUNCTION_WORDS = {"and", "or", "of", "in", "for", "the", "to", "on", "with", "by", "at", "from", "a", "an",
                            "de", "del", "la", "as", "than", "against", "into", "over", "under", "between", "among", "after",
                            "before", "during", "near", "about", "within", "across"}
# nouns for the people of an organisation: "Syrian opposition fighters" is the Syrian opposition,
# "Haitian National Police officers" the Haitian National Police
MEMBER_NOUNS = {"fighters", "militants", "members", "officers", "sub-clans", "loyalists", "operatives", "personnel",
                "agents", "commanders", "supporters", "cadres", "militiamen", "policemen", "leadership", "leaders"}
# people who speak for an organisation or a country: "Ukrainian officials" said is a source, not a party;
# "European Union foreign ministers" are the European Union
SPEAKER_NOUNS = {"officials", "ministers", "diplomats", "spokesmen", "spokespeople", "envoys"}
# lower-case nouns after a group's proper name ("Islamic State group", "400 Mawozo gang")
GROUP_SUFFIXES = {"gang", "coalition", "group", "forces", "troops", "militia", "fighters", "militants", "rebellion"}
# capitalised words before a group noun that are not the group's name
_NOT_NAMES = {"US", "U.S.", "UN", "EU", "AU", "UK", "NATO", "Druze", "Bedouin", "Fulani", "Tuareg", "Alawite", "Christian",
              "Muslim", "Hindu", "Kuki", "Meitei", "Hutu", "Tutsi", "Pashtun", "Baloch", "Yazidi", "Amhara", "Oromo",
              "Tigrayan", "Somali", "Afar", "Tiv", "Jukun", "Igbo", "Yoruba", "Hausa", "Rohingya", "Rakhine", "Karen"}
_ETHNIC = _NOT_NAMES - {"US", "U.S.", "UN", "EU", "AU", "UK", "NATO"}  # alone, a people, not a party ("Kuki" umbrella groups)
_DEMONYM_LAST = {d.split()[-1] for d in _DEMONYM_WORDS}  # "North Korean" soldiers
_ATTRIBUTIVE = re.compile(r"^[\w.]+-(led|backed|aligned|allied|affiliated|controlled|based|sponsored|supported)$", re.I)
# an organisation's head noun before a member noun
ORG_HEADS = {"opposition", "police", "government", "army", "military", "militia", "coalition", "junta", "regime",
             "gendarmerie", "navy", "movement", "front", "party", "council", "alliance", "brigade", "cartel"}


# lower-case nouns a group of people or an organisation is named by: the last word of an actor that
# has no proper name ("tribal forces", "local militia", "truffle hunters")
PEOPLE_NOUNS = (HEAD_NOUNS | GROUP_NOUNS | ORG_HEADS | MEMBER_NOUNS | GROUP_SUFFIXES | SPEAKER_NOUNS
                | {"guerrillas", "guerrilla", "peacekeepers", "tribesmen", "gangs", "groups", "factions", "faction",
                   "clans", "clan", "tribes", "tribe", "community", "communities", "network", "organization",
                   "organisation", "agency", "union", "unions", "associations", "administration", "cabinet",
                   "parliament", "court", "ministry", "command", "service", "services", "brigades", "battalion",
                   "units", "unit", "squads", "commandos", "youths", "wing", "committee", "councils", "fans",
                   "nationals", "auxiliaries", "jirga", "children", "passers-by", "colectivos", "force", "guards"})
_PEOPLE_SUFFIX = re.compile(r"(?:ers|ors|ists|ants|ents|ians|eers|men|ees|ites)$")
_CALENDAR = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
             "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}


def _complete_end(text: str, start: int, end: int) -> tuple[int, int]:
    """A span that ends on a function word: a capitalised name that ends on "of", "for", "in" takes the
    name the article writes next ("Union for Peace in" + "the Central African Republic"); otherwise, and
    after a one-word name ("the OLA in" Dar es Salaam), the function words are dropped ("Tribal forces
    and" -> "Tribal forces")."""
    while True:
        words = list(re.finditer(r"\S+", text[start:end]))
        if len(words) < 2 or words[-1].group().lower() not in _TRAILING_FUNCTION_WORDS:
            return start, end
        last = words[-1].group().lower()
        if last in ("of", "for", "in", "de") and text[start:start + 1].isupper() and len(words) > 2:
            nxt = re.match(r"(?: the)?((?: (?:[A-Z][\w'’.-]*))+)", text[end:])
            if nxt:
                return start, end + nxt.end()
        end = start + words[-2].end()


def _without_member_noun(text: str, start: int, end: int, places: set[str] | frozenset = frozenset()) -> int:
    """End of the span without a trailing lower-case member or group noun when what is left names the
    organisation: it ends with an organisation's head noun ("Syrian opposition" fighters, "Haitian National
    Police" officers), or it is a proper name that is not a demonym, an ethnic or religious adjective, a
    place or a "-led" word ("Islamic State" group, "400 Mawozo" gang, "Taliban" forces; "Iraqi forces",
    "Shia fighters", "US-led coalition", "Karabakh Armenian forces" stay)."""
    words = list(re.finditer(r"\S+", text[start:end]))
    last = words[-1].group() if words else ""
    if len(words) >= 2 and last in SPEAKER_NOUNS:  # "European Union foreign ministers" -> "European Union"
        k = len(words) - 1
        while k > 0 and words[k - 1].group().islower():
            k -= 1
        rest = [w.group() for w in words[:k]]
        if rest and rest[-1] not in _DEMONYM_WORDS | _DEMONYM_LAST and all(w[:1].isupper() for w in rest):
            return start + words[k - 1].end()
        return end
    if len(words) < 2 or last not in MEMBER_NOUNS | GROUP_SUFFIXES:
        return end
    rest = [w.group() for w in words[:-1]]
    if last in MEMBER_NOUNS and rest[-1].lower() in ORG_HEADS:
        return start + words[-2].end()
    head = rest[-1]
    is_name = (any(ch.isupper() for ch in head) and head not in _DEMONYM_WORDS | _DEMONYM_LAST | _NOT_NAMES
               and head not in PLACES and head not in places and head.lower() not in HEAD_NOUNS
               and (len(rest) > 1 or head.lower() not in MODIFIERS) and not _ATTRIBUTIVE.match(head))
    if is_name and all(any(ch.isupper() or ch.isdigit() for ch in w) for w in rest):
        return start + words[-2].end()
    return end


PLACE_NOUNS = {"area", "areas", "city", "town", "province", "district", "region", "border", "crossing", "river", "valley",
               "village", "villages", "camp", "airport", "port", "county", "governorate", "countryside", "desert",
               "mountains", "road", "highway", "neighbourhood", "neighborhood", "municipality", "front", "side"}
# nouns that make the name before them a place wherever else the article writes that name ("the al-Waleed
# crossing" ... "Al-Waleed, in the far west of Iraq, fell"): geographic only, not "side", "front", "border"
PLACE_NAMING_NOUNS = {"crossing", "city", "town", "province", "district", "village", "airport", "governorate", "county",
                      "municipality", "valley", "river", "neighbourhood", "neighborhood", "countryside", "desert", "region"}
LOCATIVES = {"in", "at", "near", "into", "outside", "around", "across", "towards", "toward", "from", "through", "inside"}


_PLACE_NOUN_RE = re.compile(r"\b(?:" + "|".join(sorted(PLACE_NAMING_NOUNS)) + r")\b", re.IGNORECASE)
# a name in apposition to a place noun: "Uvira, the last large town in South Kivu", "Goma, a city of two million"
_PLACE_APPOSITION = re.compile(r",\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,3}?(?:" + "|".join(sorted(PLACE_NAMING_NOUNS | {"capital"}))
                               + r")\b", re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def _place_noun_starts(text: str) -> tuple[str, frozenset[int]]:
    """The article lower-cased and where its geographic nouns start (one scan per article, not per span)."""
    return text.lower(), frozenset(m.start() for m in _PLACE_NOUN_RE.finditer(text))


def _written_before_place_noun(text: str, name: str) -> bool:
    """Does `text` write `name` (any case, as a whole word) right before "crossing", "town" ..., or
    in apposition to one ("Uvira, the last large town")?"""
    lower, starts = _place_noun_starts(text)
    key = name.lower()
    i = lower.find(key)
    while i >= 0:
        j = i + len(key)
        k = j
        while k < len(lower) and lower[k].isspace():
            k += 1
        whole = i == 0 or not (lower[i - 1].isalnum() or lower[i - 1] in "-_")
        if whole and (k > j and k in starts or _PLACE_APPOSITION.match(lower, j)):
            return True
        i = lower.find(key, i + 1)
    return False


# verbs that make a country the subject of an act ("Pakistan and Afghanistan agreed", "Russia said")
ACTING_VERBS = {"agreed", "agree", "agrees", "signed", "accused", "accuses", "denied", "denies", "announced",
                "rejected", "rejects", "warned", "demanded", "deployed", "launched", "recalled", "expelled",
                "condemned", "vowed", "pledged", "proposed", "retaliated", "withdrew", "sent"}


def _acts(text: str, m: Mention) -> bool:
    """Is the place name `m` a party acting in the sentence: followed by an acting verb, directly or
    after "and <Name>" ("Pakistan and Afghanistan agreed on Sunday", "Ukraine have agreed")?"""
    nxt = _ACTING.match(text, m.end)
    return bool(nxt) and nxt.group(1).lower() in ACTING_VERBS


_ACTING = re.compile(r"(?:\s+and\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)?\s+(?:have\s+|has\s+)?(\w+)")


def keep_span(text: str, m: Mention, places: set[str] | frozenset = frozenset()) -> bool:
    """Drop what is not an actor's name: a bare place ("Syria", unless it acts: "Pakistan and
    Afghanistan agreed"; a name followed by "area", "border",
    "city" ...; a name the article writes before "crossing", "town" ... anywhere; one word right after
    "in", "near", "from" ...), a lone adjective ("Syrian",
    "Iranian-sponsored"), a lone generic lower-case noun ("forces", "rates") other than groups of
    people ("protesters", "civilians")."""
    t = m.text.strip()
    if not t or not any(ch.isalpha() for ch in t):
        return False
    words = t.split()
    if (t in PLACES or t in places) and not _acts(text, m):
        return False
    if len(words) > 9 or re.search(r"[.!?]\s", t):
        return False
    nxt = _word_after(text, m.end)
    if nxt and nxt[1].lower() in PLACE_NOUNS and words[-1].lower() not in HEAD_NOUNS:
        return False
    if words[-1].lower() not in HEAD_NOUNS and _written_before_place_noun(text, t):
        return False  # the article names a place so elsewhere
    prev = _word_before(text, m.start)
    if len(words) == 1 and prev and prev[1].lower() in LOCATIVES and not t.isupper():
        return False
    if len(words) == 1 and _ATTRIBUTIVE.match(t):
        return False
    if len(words) == 1 and _WEAPON.match(t):
        return False  # "BM-21" rockets, "F-16" jets
    if words[-1].lower() in SPEAKER_NOUNS and all(w in _DEMONYM_WORDS or w in PLACES or w in places for w in words[:-1]):
        return False  # "Ukrainian officials" said: a source, not a party
    if len(words) == 1:
        w = words[0]
        if w in _DEMONYM_WORDS or w in _ETHNIC or (w[:1].isupper() and w.endswith(("ian", "ese", "ish")) and not w.isupper()):
            return False
        if w.islower() and w not in GROUP_NOUNS:
            return False
        if len(w) <= 2 and not w.isupper() or len(w) == 1:
            return False  # "to", "I", "C"
    return True


# a weapon's designation: letters, a hyphen, a number ("BM-21", "F-16s", "MiG-29", "T-72", "AK-47s"; not "M23")
_WEAPON = re.compile(r"^[A-Z][A-Za-z]{0,3}-\d{1,3}[A-Z]?s?$")


def _dedupe_overlaps(spans: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in sorted(spans, key=lambda m: (m.start, -(m.end - m.start))):
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


# ----------------------------------------------------------------------------- clusters and linking
@dataclass
class Actor:
    name: str
    mentions: list[Mention] = field(default_factory=list)
    canonical: str | None = None

    @property
    def score(self) -> float:
        return max(m.score for m in self.mentions) if self.mentions else 0.0


# news agencies and papers: an outlet is quoted, it is not a party (docs/annotation.md, "Not mentions")
NEWS_AGENCIES = {"reuters", "afp", "agence france-presse", "agence france presse", "ap", "associated press", "efe", "xinhua",
                 "tass", "itar-tass", "ria novosti", "interfax", "ansa", "dpa", "anadolu", "anadolu agency", "bernama",
                 "kyodo", "yonhap", "pti", "press trust of india", "irna", "sana", "kuna", "wam", "spa", "mena", "bta",
                 "ctk", "pap", "upi", "bloomberg", "al jazeera", "bbc", "cnn"}
# "according to X", "told X", "X reported", "X news agency": X is quoted as a source
_SOURCE_BEFORE = re.compile(r"(?:according to|told|quoted by|cited by|reported by|in an interview with|speaking to|"
                            r"said to|reports? (?:by|from|in))\s+(?:the\s+)?$", re.IGNORECASE)
_SOURCE_AFTER = re.compile(r"\s*(?:'s\s+|’s\s+)?(?:news agency|newspaper|daily|weekly|broadcaster|television|"
                           r"radio|website|news site|news outlet|(?:reported|reports)\s+(?:that|on|in|,))\b", re.IGNORECASE)


def quoted_only(text: str, actor: "Actor") -> bool:
    """Is `actor` only a source of the article: a news agency, or a name every mention of which is
    quoted ("according to El Tiempo", "told Reuters", "SANA reported") and that is not a force or a
    group of people ("according to police" keeps the police)?"""
    if not actor.mentions:
        return False
    if all(_LEADING.sub("", m.text).strip().lower() in NEWS_AGENCIES for m in actor.mentions):
        return True
    last = actor.name.split()[-1].lower() if actor.name.split() else ""
    if last in PEOPLE_NOUNS or _PEOPLE_SUFFIX.search(last):
        return False
    return all(_SOURCE_BEFORE.search(text[max(0, m.start - 40) : m.start]) or _SOURCE_AFTER.match(text, m.end)
               for m in actor.mentions)


def defined_abbreviations(text: str, mentions: Sequence[Mention]) -> dict[str, str]:
    """Abbreviations the article defines for a mentioned name, "Rapid Support Forces (RSF)" ->
    {"rsf": "Rapid Support Forces"} (lower-cased keys, as the alias table's)."""
    out: dict[str, str] = {}
    for m in mentions:
        after = re.match(r"\s*\(([A-Za-z][A-Za-z0-9&.\-]{1,9})\)", text[m.end : m.end + 16])
        if after and " " in m.text.strip():
            abbr = after.group(1)
            initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", m.text) if w[0].isupper() or len(w) > 3).lower()
            if abbr.lower()[0] == m.text.strip()[0].lower() or abbr.lower() in initials:
                out[abbr.lower()] = m.text.strip()
        gloss = _GLOSS.match(text, m.end)
        if gloss and " " in m.text.strip():  # the name in its own language and its abbreviation: both are the name
            out[gloss.group("abbr").lower()] = m.text.strip()
            for other in mentions:
                if gloss.start("name") <= other.start and other.end <= gloss.end("abbr"):
                    out.setdefault(other.text.strip().lower(), m.text.strip())
    return out


# "Revolutionary Armed Forces of Colombia (Fuerzas Armadas Revolucionarias de Colombia - FARC)": a name
# glossed in its own language, then its abbreviation
_GLOSS = re.compile(r"\s*\(\s*(?P<name>[^()]{3,90}?)\s+[-–—]{1,2}\s*(?P<abbr>[A-Za-z][A-Za-z0-9&.\-]{1,9})\s*\)")


def cluster_mentions(text: str, mentions: Iterable[Mention], aliases: dict[str, str]) -> list[Actor]:
    """One actor per normalised name (the alias table and the abbreviations the article defines
    applied; a short form joins the longer name it ends; a country's military is one actor), named as
    the article writes it most (the alias table's canonical name when it has one), in order of first
    mention."""
    mentions = list(mentions)
    local = {k: v for k, v in defined_abbreviations(text, mentions).items() if k not in aliases}
    if local:
        aliases = {**aliases, **{k: aliases.get(v.lower(), v) for k, v in local.items()}}
    def alias(name: str) -> str | None:
        return aliases.get(name.strip().lower()) or aliases.get(normalise(name))

    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        canon = alias(m.text)
        groups.setdefault(normalise(canon or m.text), []).append(m)
    groups = _merge_short_forms(groups, cased=_cased(text))
    groups, merged = _merge_state_forces(groups)
    actors = []
    for key, ms in groups.items():
        if key in merged:  # named by the form the article writes most, then that form's alias
            canon = alias(_display(text, ms))
        else:
            canon = next((a for a in map(alias, (m.text for m in ms)) if a), None)
        actors.append(Actor(canon or _display(text, ms), sorted(ms, key=lambda m: m.start)))
    return sorted(actors, key=lambda a: a.mentions[0].start)


_STATE_FORCES = re.compile(r"^(?P<who>.+?)\s+(?:armed forces|forces|troops|soldiers|army|military)$", re.IGNORECASE)


def _merge_state_forces(groups: dict[str, list[Mention]]) -> tuple[dict[str, list[Mention]], set[str]]:
    """One actor for a country's military however the article writes it: "Iraqi forces", "Iraqi
    troops" and "Iraqi army" (the seed article had "Iraqi forces" and "Iraqi army" as two actors).
    Police, security forces and "Syrian government forces" are not merged. Returns (groups, merged keys)."""
    by_country: dict[str, str] = {}
    out: dict[str, list[Mention]] = {}
    merged: set[str] = set()
    for key, ms in groups.items():
        m = _STATE_FORCES.match(ms[0].text.strip())
        who = m.group("who") if m else None
        if who is None or who not in _DEMONYM_WORDS or who in ("Shia", "Sunni", "Arab", "Kurdish"):
            out[key] = ms
            continue
        if who in by_country:
            first = by_country[who]
            out[first] = out[first] + ms
            merged.add(first)
        else:
            by_country[who] = key
            out[key] = ms
    return out, merged


def _merge_short_forms(groups: dict[str, list[Mention]], cased: bool = True) -> dict[str, list[Mention]]:
    """A name written short joins the longer name of the same article it is part of (whole words only):
    a capitalised name that ends a longer one ("Mawozo" -> "400 Mawozo", "M23" -> "AFC/M23"; "Shabaab"
    -> "al-Shabaab" is not); in cased text, a lower-case name that ends exactly one longer name
    ("transitional government" -> "Malian transitional government", "community police" -> "armed
    community police"); a capitalised name that starts a longer one whose other words are lower-case
    or begin with "of" ("Tiv" -> "Tiv community", "Armed Forces" -> "Armed Forces of the Philippines";
    "Islamic State" -> "Islamic State Central Africa Province" is not)."""
    keys = sorted(groups, key=lambda k: -len(k))
    out: dict[str, list[Mention]] = {}
    for k in keys:
        ms = groups[k]
        named = any(ch.isupper() for ch in ms[0].text)
        if named:
            longer = next((o for o in out if o.endswith((" " + k, "/" + k))), None)
            if longer is None:
                longer = next((o for o in out if _continues_name(ms, out[o])), None)
        elif cased:
            ends = [o for o in out if o.endswith(" " + k)]
            longer = ends[0] if len(ends) == 1 else None
        else:
            longer = None
        if longer is not None:
            out[longer] = out[longer] + ms
        else:
            out[k] = ms
    return {k: out[k] for k in groups if k in out}


def _continues_name(short: list[Mention], longer: list[Mention]) -> bool:
    """Is a written form of `longer` a written form of `short` followed by lower-case words
    ("community", "armed factions") or by "of ..."?"""
    for a in {m.text.strip().lower() for m in short}:
        for m in longer:
            t = m.text.strip()
            if t.lower().startswith(a + " "):
                rest = t[len(a):].split()
                if rest[0] == "of" or all(w.islower() for w in rest):
                    return True
    return False


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
        stripped = Counter(normalise(_PAREN.sub("", name)) for name in self.catalogue)
        for name in self.catalogue:
            key = normalise(_PAREN.sub("", name))
            if stripped[key] == 1:  # "Protesters" stands for dozens of "Protesters (Country)": not exact
                self.exact[key] = name
            for f in catalogue_forms(name):
                self.forms.setdefault(normalise(f), []).append(name)

    def link(self, actor: Actor, head_probs: dict[str, float] | None = None, floor: float = 0.05) -> str | None:
        """The catalogue name of `actor`, or None. Aliases and exact names link outright; a catalogue
        surface form ("Iraqi forces") or a near-identical name links when the head gives it >= `floor`
        (the most probable one when several match). A lower-case catalogue name ("protesters", from
        written samples) yields to a country's form the head supports ("Protesters (India)")."""
        probs = head_probs or {}
        names = {actor.name, *(m.text for m in actor.mentions)}
        generic = None
        for n in names:
            canon = self.aliases.get(n.strip().lower())
            hit = canon if canon in self.catalogue else self.exact.get(normalise(n))
            if hit and hit.islower():
                generic = hit  # "protesters": a country's "Protesters (India)" the head supports is more precise
            elif hit:
                return hit
        candidates: set[str] = set()
        for n in names:
            candidates |= set(self.forms.get(normalise(n), ()))
            close = difflib.get_close_matches(normalise(n), list(self.exact), n=2, cutoff=0.9)
            candidates |= {self.exact[c] for c in close}
        scored = [(probs.get(c, 0.0), c) for c in candidates - {generic}]
        scored = [x for x in scored if x[0] >= floor]
        return max(scored)[1] if scored else generic


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
        """Matches in `text`; a short name ("IS", "FACT") only matches in capitals, unless the text has
        no capitals at all (lower-cased newswire)."""
        if self.pattern is None:
            return []
        out = []
        cased = any(ch.isupper() for ch in text)
        for m in self.pattern.finditer(text):
            found = m.group(0)
            if cased and found.lower() in self._acronyms and not found.isupper():
                continue
            out.append(Mention(found, m.start(), m.end(), 1.0, self.canonical.get(found.lower())))
        return out

    @property
    def _acronyms(self) -> set[str]:
        if not hasattr(self, "_acr"):
            self._acr = {n for n in self.canonical if len(n) <= 5 and n.replace("-", "").isalnum()}
        return self._acr


def weak_spans(text: str, actors: Sequence[str], aliases: dict[str, str]) -> list[dict[str, Any]]:
    """Spans where a record's actor names (their aliases, their catalogue surface forms) occur in its text."""
    names: dict[str, str] = {}
    for a in actors:
        names[a] = a
        names.update({f: a for f in catalogue_forms(a)})
        names.update({alias: canon for alias, canon in aliases.items() if canon == a})
    return [{"text": m.text, "start": m.start, "end": m.end} for m in Gazetteer(names).find(text)]

"""Headline tense for a lead clause: "Iraqi forces captured a border crossing" -> "Iraqi forces capture
a border crossing".

News headlines (and the reference summaries newsdesk is measured against) state the event in the
present tense; a lead sentence states it in the past. `headline_tense` rewrites the main verb of a
lead clause (and verbs coordinated with it) in the present, agreeing with the subject, and nothing
else:

    "Sudan's army said it had recaptured the broadcaster"   -> "Sudan's army recaptures the broadcaster"
    "Armenia and Azerbaijan have agreed on ..."             -> "Armenia and Azerbaijan agree on ..."
    "At least 12 people were killed when ..."               -> "At least 12 people killed when ..."
    "Togolese security forces fired tear gas and arrested"  -> "Togolese security forces fire tear gas and arrest"

There is no part-of-speech tagger offline, so the main verb is found by rule on word forms
(lemminflect's inflection tables): the first past-tense form after the subject that is not a
participle used as an adjective ("armed groups", "a car packed with explosives"). Where the rules
are unsure (a subordinate clause, an interjected phrase, a verb other than a past form first) the
clause is returned as written. The new forms are inflections of the article's own words, which the
word constraint allows (`summary.word_variants`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import lemminflect

# words after which a past form is not the main verb ("the recaptured town", "were killed")
_NOT_BEFORE_VERB = {
    "the", "a", "an", "of", "by", "with", "for", "to", "in", "on", "at", "from", "its", "their", "his", "her",
    "this", "that", "these", "those", "or", "as", "into", "over", "after", "before", "under", "two", "three",
    "four", "five", "six", "several", "some", "many", "most", "newly", "recently", "heavily", "well", "so-called",
    "were", "was", "is", "are", "be", "been", "being", "had", "has", "have", "who", "which", "and"}
# past participles that work as adjectives or open a reduced relative clause
PARTICIPLES = {
    "armed", "suspected", "alleged", "unidentified", "masked", "displaced", "besieged", "embattled", "beleaguered",
    "disputed", "contested", "self-declared", "self-styled", "united", "based", "backed", "led", "allied", "linked",
    "affiliated", "meant", "aimed", "designed", "intended", "expected", "scheduled", "named", "called", "known",
    "dubbed", "held", "packed", "loaded", "laden", "dressed", "disguised", "wanted", "accused", "charged",
    "convicted", "sentenced"}
# verbs whose past is their base form: only these are read as a past ("cut", not "output")
_ZERO_PAST = {"cut", "hit", "set", "put", "shut", "spread", "cost", "hurt", "quit", "burst", "cast", "beat"}
# where a subject's head noun ends ("Fighters | loyal to the STC", "exports | to China")
_AFTER_HEAD = {"of", "loyal", "from", "in", "on", "at", "near", "with", "to", "who", "which", "that", "belonging",
               "under", "for", "close", "across", "along"}
_PLURAL_NOUNS = {"police", "people", "troops", "personnel", "cattle", "staff", "clergy", "youth", "media", "children",
                 "militia"}
_TITLES = {"minister", "secretary", "president", "chief", "director", "commander", "ministry", "department",
           "council", "spokesman", "spokeswoman", "governor", "chairman", "head", "leader", "general", "committee",
           "agency", "office"}
_PRONOUNS = {"it", "they", "he", "she", "we"}
_REPORTING = {"said", "says", "announced", "reported", "claimed", "confirmed", "stated", "told"}
_SUBORDINATORS = {"who", "which", "whose", "that", "after", "when", "while", "although", "though", "since", "before",
                  "because", "if", "why", "as", "until", "once", "whether"}
_PREPOSITIONS = {"at", "in", "on", "during", "after", "before", "with", "under", "for", "amid", "despite"}
_ADVERBIAL_OPENERS = {"between", "on", "in", "at", "after", "before", "during", "since", "for", "over", "under",
                      "amid", "despite", "earlier", "later", "late", "early", "last", "this", "overnight",
                      "meanwhile", "separately", "following"}
# verbs that take an object: a past form of one with no object after it ("Five soldiers killed in an
# ambush", "Bodies recovered near Vovchansk") is a headline's passive, not an action of the subject
_TAKES_OBJECT = {
    "kill", "wound", "injure", "hurt", "find", "recover", "seize", "arrest", "detain", "abduct", "kidnap", "displace",
    "evacuate", "destroy", "damage", "burn", "loot", "release", "free", "capture", "shoot", "behead", "execute",
    "rescue", "discover", "hold", "block", "close", "target", "ambush", "bomb", "shell", "raze", "torch", "sentence",
    "jail", "deport", "expel", "ban", "suspend", "dismiss", "murder", "massacre", "slay", "stab", "hang", "lynch",
    "bury", "exhume", "identify", "uncover", "confiscate", "intercept", "down", "disarm", "sack",
    "storm", "overrun", "raid", "besiege", "surround", "trap", "strand", "flood", "cut", "hit", "strike", "wreck",
    "demolish", "impose", "lift", "extend", "sign", "approve", "reject", "adopt", "pass", "elect", "appoint", "name",
    "open", "reopen", "shut", "postpone", "cancel", "report", "confirm", "announce", "expect", "plan", "see"}
_AFTER_PASSIVE = {"in", "at", "on", "near", "during", "after", "before", "under", "amid", "across", "outside", "inside",
                  "along", "around", "from", "over", "for", "following", "as", "since", "when", "while"}
_MODALS = {"is", "are", "says", "has", "have", "will", "would", "could", "can", "may", "might", "must", "should",
           "did", "does", "do"}
_CLAUSE_LINKS = {"and", "as", "when", "after", "while", "that", "which", "who", "but", "because", "before", "until",
                 "since"}


@lru_cache(maxsize=20000)
def _lemma(word: str, tags: tuple[str, ...]) -> str | None:
    """The verb lemma of which `word` is one of the inflections `tags` (Penn tags), or None."""
    w = word.lower()
    for lemma in lemminflect.getAllLemmas(w).get("VERB", ()):
        forms = lemminflect.getAllInflections(lemma, upos="VERB")
        if any(w in forms.get(t, ()) for t in tags):
            return lemma
    return None


def past_lemma(word: str) -> str | None:
    """'captured' -> 'capture', 'took' -> 'take', 'cut' -> 'cut'; None for a word that is not a past form
    (or whose past is its base form outside a few common verbs: 'output', 'spread' as nouns)."""
    lemma = _lemma(word, ("VBD",))
    if lemma and lemma == word.lower() and lemma not in _ZERO_PAST:
        return None
    return lemma


def participle_lemma(word: str) -> str | None:
    return _lemma(word, ("VBN", "VBD"))  # lemminflect lists a regular participle under VBD only


def _only_verb(word: str) -> bool:
    pos = lemminflect.getAllLemmas(word.lower())
    return bool(pos.get("VERB")) and not pos.get("NOUN") and not pos.get("ADJ")


# -ing forms that news writes as nouns of an event ("Russian shelling killed three", "Heavy fighting broke out")
_EVENT_GERUNDS = {"fighting", "shelling", "bombing", "bombings", "looting", "rioting", "firing", "gunfire", "kidnapping",
                  "kidnappings", "killing", "killings", "flooding", "bombardment", "uprising", "meeting", "wrangling"}


def _gerund_noun(word: str, prev: str) -> bool:
    """An -ing form that is a noun: an event noun, or after an adjective ("heavy fighting", "former starting")."""
    return word in _EVENT_GERUNDS or (word.endswith("ing") and bool(lemminflect.getAllLemmas(prev).get("ADJ")))


def _adjective(word: str) -> bool:
    """A lower-case word that can only be an adjective ("a tiny | unmanned NASA scramjet"): no subject ends on it."""
    if word[:1].isupper():
        return False
    pos = lemminflect.getAllLemmas(word.lower().strip(","))
    return bool(pos.get("ADJ")) and not pos.get("NOUN") and not pos.get("PROPN") and not pos.get("VERB")


def present(lemma: str, plural: bool, like: str) -> str:
    """The present form of `lemma` for a plural or singular subject, capitalised like `like`."""
    if lemma == "be":
        out = "are" if plural else "is"
    elif plural:
        out = lemma
    else:
        out = (lemminflect.getInflection(lemma, "VBZ") or (lemma + "s",))[0]
    return out[:1].upper() + out[1:] if like[:1].isupper() else out


def is_plural(subject: list[str]) -> bool:
    """Is a lead clause's subject plural? Coordinated nouns are; otherwise its head noun decides (the
    last word before the first preposition, adverbs dropped, a fronted adverbial before a comma skipped)."""
    words = list(subject)
    while len(words) > 1 and words[-1].lower().endswith("ly"):
        words.pop()  # "El Salvador's police reportedly"
    commas = [k for k, w in enumerate(words) if w.endswith(",")]
    if commas and (words[0].lower() in _ADVERBIAL_OPENERS or words[0].isupper()):
        words = words[commas[-1] + 1:]  # "Between 1 and 28 August, Russian border guards"; not "Authorities in Tijuana, Mexico"
    low = [w.lower().strip(",") for w in words]
    head_end = next((k for k, w in enumerate(low) if k and w in _AFTER_HEAD), len(low))
    for k in range(1, head_end - 1):
        if low[k] not in ("and", "&"):
            continue
        before = words[k - 1]
        if before[:1].isupper() and words[k + 1][:1].isupper():  # "Pakistan and Afghanistan", not "Mines and Energy Minister X"
            if not any(w in _TITLES for w in low[k + 1:head_end]):
                return True
        elif "-" not in before and not before.lower().endswith(("ed", "ive", "ous", "ful", "ic", "ical")):
            return True  # "Colombia's government and rebel group"; not "oil-reliant and debt-ridden economy"
    if any(low[k] == "and" and low[k + 1] == "the" for k in range(head_end, len(low) - 1)):
        return True  # "The government of Congo and the M23 alliance"
    if not head_end:
        return False
    head, head_word = re.sub(r"\(.*\)$", "", low[head_end - 1]), words[head_end - 1]
    if head.endswith(("'s", "’s")):
        return False
    if head in _PLURAL_NOUNS or (head.endswith("men") and (head_end == 1 or not head_word[:1].isupper())):
        return True  # "Gunmen from ...", not "North Yemen"
    nouns = lemminflect.getAllLemmas(head).get("NOUN")
    if nouns:
        return head not in nouns or head == "troops"
    if head_word[:1].isupper():  # names: "Houthis", "Iraqis", "Kurds", "Palestinians"; not "Honduras", "Santos"
        return head.endswith(("ans", "is", "ites", "ists"))
    return head.endswith("s") and not head.endswith(("ss", "us", "is")) and len(head) > 3


def _reporting_frame(words: list[str]) -> list[str]:
    """'X said it had recaptured Y' -> 'X recaptured Y' (the subject reports its own action)."""
    low = [w.lower() for w in words]
    for k in range(1, min(len(words) - 2, 10)):
        if low[k] in _REPORTING and low[k + 1] in _PRONOUNS | {"that"}:
            j = k + 1 + (low[k + 1] == "that")
            if j < len(words) and low[j] in _PRONOUNS:
                j += 1
            else:
                return words  # "said that Azerbaijani forces had ...": someone else's action, keep who says it
            if j < len(words) and low[j] in ("had", "has", "have"):
                j += 1
            if j < len(words) and low[j] != "been" and not words[j][:1].isupper() and participle_lemma(words[j]):
                lemma = participle_lemma(words[j])
                past = lemminflect.getAllInflections(lemma, upos="VERB").get("VBD", (words[j],))[0]
                return words[:k] + [past] + words[j + 1:]
            return words
    return words


def _later_past(words: list[str], low: list[str], i: int) -> bool:
    """A past form later in the same clause (so the one at `i` is a participle: 'workers employed in the
    sector stagnated')."""
    for k in range(i + 2, len(words)):
        if low[k] in _CLAUSE_LINKS:
            return False
        if not words[k][:1].isupper() and low[k - 1] not in _NOT_BEFORE_VERB and past_lemma(words[k]) and low[k] not in PARTICIPLES:
            return True
    return False


def _quantity(after: list[str]) -> bool:
    """Words after a verb that open its object's number ("killed at least 31", "seized over 1,400",
    "closed as much as"), not a place or time."""
    if len(after) < 2:
        return False
    first, second = after[0], after[1]
    return ((first == "at" and second in ("least", "most")) or
            (first in ("over", "around", "as", "some", "nearly", "almost") and (second[:1].isdigit() or second in ("much", "many"))))


def headline_tense(clause: str) -> str:
    """The lead clause with its main verb (and verbs coordinated with it) in the present tense; the
    clause as written where the rules find no main verb or are unsure."""
    words = clause.split()
    if len(words) < 3:
        return clause
    words = _reporting_frame(words)
    low = [w.lower() for w in words]
    for i in range(1, min(len(words), 14)):
        w, lw, prev = words[i], low[i], low[i - 1].strip(",")
        tail = w[len(w.rstrip(",;:")):]  # "won, as expected, a vote": the verb keeps its comma
        w, lw = w[: len(w) - len(tail)], lw[: len(lw) - len(tail)]
        if not re.fullmatch(r"[a-z][a-z-]*", lw) or w[:1].isupper():
            continue
        subject = words[:i]
        if any(x in _SUBORDINATORS for x in low[:i]):
            return clause  # "Three months after leaders ... signed a truce": a subordinate clause
        if any(s.endswith(",") and low[k + 1] in _PREPOSITIONS | {"a", "an", "the"} for k, s in enumerate(subject[:-1])):
            return clause  # "The Council, at its 1,258th meeting held on": an interjected phrase
        nxt = low[i + 1] if i + 1 < len(words) else ""
        if lw in ("was", "were"):
            if nxt.endswith("ing") and _lemma(words[i + 1], ("VBG",)):  # "the board was meeting" -> "meets"
                return " ".join(words[:i] + [present(_lemma(words[i + 1], ("VBG",)), is_plural(subject), words[i + 1])]
                                + words[i + 2:])
            if nxt and participle_lemma(words[i + 1]):  # passive, as headlines write it: "12 people killed"
                return " ".join(words[:i] + words[i + 1:])
            return " ".join(words)  # "officials were among those arrested": as written
        if lw in ("has", "have", "had") and nxt and nxt != "been" and participle_lemma(words[i + 1]):
            words = words[:i] + [present(participle_lemma(words[i + 1]), is_plural(subject), words[i + 1])] + words[i + 2:]
        elif lw in _MODALS:
            return " ".join(words)
        else:
            if lw == "said" and prev not in ("the", "a", "an", "of", "by", "with", "to", "was", "were", "had", "has",
                                             "have", "be", "been"):
                return " ".join(words[:i] + [present("say", is_plural(subject), w) + tail] + words[i + 1:])
            lemma = past_lemma(w)
            if not lemma or prev in _NOT_BEFORE_VERB or prev.isdigit() or lw in PARTICIPLES or _adjective(words[i - 1]):
                if lemma is None and _only_verb(lw) and prev not in _NOT_BEFORE_VERB and not _gerund_noun(lw, prev):
                    return " ".join(words)  # another verb form comes first: as written
                continue
            if nxt in ("by", "with", "of"):
                continue  # "a car packed with explosives", "protesters led by elders"
            if nxt in _PREPOSITIONS | {"to", "from", "into", "across", "near"} and _later_past(words, low, i):
                continue
            if lemma in _TAKES_OBJECT and (not nxt or nxt.strip(",;:") in _AFTER_PASSIVE) and not _quantity(low[i + 1:i + 3]):
                return clause  # "Five soldiers killed in an ambush": a passive, as written
            words = words[:i] + [present(lemma, is_plural(subject), w) + tail] + words[i + 1:]
        plural = is_plural(subject)
        low = [x.lower() for x in words]
        for k in range(i + 1, len(words) - 1):  # "fired tear gas and arrested dozens", "and briefly occupied"
            if low[k] != "and":
                continue
            j = k + 1 + (low[k + 1].endswith("ly") and k + 2 < len(words))
            lemma = past_lemma(words[j])
            if (lemma and low[j] not in PARTICIPLES and not words[j][:1].isupper()
                    and (j + 1 >= len(words) or low[j + 1] not in ("by", "with"))):
                words[j] = present(lemma, plural, words[j])
        return " ".join(words)
    return " ".join(words)

"""Readability and faithfulness counters for one-line summaries (issue 10), the same for every system.

Per summary (`flags`):
  - nonwords: words (`summary.WORD_RE` tokens) that are none of: a word of the article, as written or
    case-insensitively (’ read as '); the article word without its possessive ("Mexico" for "Mexico's");
    a simple inflection of an article word (`summary.word_variants`) that the model's lexicon, its
    headline vocabulary or lemminflect's verb tables know ("took" -> "takes"); a word of the headline vocabulary. Needs the model's `SummaryWords`;
  - trailing_function_word: the last word, when it is one of `summary.FUNCTION_WORDS` ("the", "of", "said");
  - stray_punctuation: a "?" the article does not have, a dangling , : ; - – — at the end, unbalanced
    double quotes or brackets, a symbol glued to a word the article does not write so ("$thirds");
  - repeated: content words (not function words) written twice, lower-cased;
  - repeated_forms: one content word written in two forms: possessive or plural -s ("Chirac Chirac's",
    "Guatemala Guatemalas"), which `repeated` does not count;
  - unsupported: names, places, numbers the article does not have (`faithfulness.check`).
`summary_counters` turns them into shares over a set of summaries, plus the mean length in words.
"""

from __future__ import annotations

from typing import Any, Sequence

from newsdesk.faithfulness import check as check_faithfulness
from newsdesk.summary import FUNCTION_WORDS, SummaryWords, article_words, word_variants

_FUNCTION = set(FUNCTION_WORDS)
DANGLING = (",", ":", ";", "-", "–", "—")
BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"))
_EDGE = ".,:;!?\"'“”‘’()[]{}"  # stripped from a token's ends before looking for a glued symbol


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in article_words(text)]


class ArticleWords:
    """The words one article allows in its summary (lower-case keys), built lazily: most summary
    words are article words as written, and the inflections are only worked out when one is not."""

    def __init__(self, text: str, words: SummaryWords, headline: set[str] | None = None):
        self.words = words
        self.headline = set(words.headline) if headline is None else headline
        self.plain = {w.lower() for w in _words(text)}
        self.plain |= {w[:-2] for w in self.plain if w.endswith("'s") and len(w) > 2}
        self._inflected: set[str] | None = None

    def allows(self, word: str) -> bool:
        w = word.lower().replace("’", "'")
        if w in self.plain or w in self.headline:
            return True
        if self._inflected is None:
            self._inflected = {v for base in self.plain for v in word_variants(base) if v != base and self.words.real(v)}
        return w in self._inflected


def nonwords(summary: str, text: str, words: SummaryWords, headline: set[str] | None = None) -> list[str]:
    """The summary's words that neither the article nor the headline vocabulary allows (in order, once each);
    `headline` = set(words.headline), when the caller has it already."""
    allowed = ArticleWords(text, words, headline)
    return list(dict.fromkeys(w for w in _words(summary) if not allowed.allows(w)))


def stray_punctuation(summary: str, text: str) -> list[str]:
    """What is wrong with the summary's punctuation: "?", "ends with ','", 'unbalanced "', "unbalanced ( )",
    "symbol in '$thirds'" (a token with a symbol that the article does not write as such)."""
    out = []
    if "?" in summary and "?" not in text:
        out.append("?")
    end = summary.rstrip()
    if end.endswith(DANGLING):
        out.append(f"ends with '{end[-1]}'")
    if summary.count('"') % 2:
        out.append('unbalanced "')
    out += [f"unbalanced {a} {b}" for a, b in BRACKETS if summary.count(a) != summary.count(b)]
    for token in summary.split():
        t = token.strip(_EDGE)
        if any(not (c.isalnum() or c in "'’-.,") for c in t) and t not in text:
            out.append(f"symbol in '{t}'")
    return out


def repeated_words(summary: str) -> list[str]:
    """Content words (lower-cased, not function words) the summary writes more than once."""
    seen: set[str] = set()
    twice: list[str] = []
    for w in (w.lower() for w in _words(summary)):
        if w in _FUNCTION:
            continue
        if w in seen and w not in twice:
            twice.append(w)
        seen.add(w)
    return twice


def base_form(word: str) -> str:
    """Lower case, without a possessive ('s, ') and a plural -s (not -ss): "Chirac's" -> "chirac", "forces" -> "force"."""
    w = word.lower().replace("’", "'")
    w = w[:-2] if w.endswith("'s") else w.rstrip("'")
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def repeated_forms(summary: str) -> list[str]:
    """Content words written in more than one form with the same `base_form`: ["chirac/chirac's"]."""
    forms: dict[str, list[str]] = {}
    for w in (w.lower() for w in _words(summary)):
        if w not in _FUNCTION and w not in forms.setdefault(base_form(w), []):
            forms[base_form(w)].append(w)
    return ["/".join(f) for f in forms.values() if len(f) > 1]


def flags(summary: str, text: str, words: SummaryWords | None = None, headline: set[str] | None = None) -> dict[str, Any]:
    """Everything the counters look at, for one summary of one article (nonwords None without `words`)."""
    ws = _words(summary)
    last = ws[-1].lower() if ws else None
    return {
        "nonwords": None if words is None else nonwords(summary, text, words, headline),
        "trailing_function_word": last if last in _FUNCTION else None,
        "stray_punctuation": stray_punctuation(summary, text),
        "repeated": repeated_words(summary),
        "repeated_forms": repeated_forms(summary),
        "unsupported": check_faithfulness(summary, text)["unsupported"],
    }


def flag_names(f: dict[str, Any]) -> list[str]:
    """A short list for people: 'non-word: explosiving', 'ends on: the', '?', 'twice: police', 'unsupported: Mosul'."""
    out = [f"non-word: {w}" for w in f.get("nonwords") or ()]
    out += [f"ends on: {f['trailing_function_word']}"] if f.get("trailing_function_word") else []
    out += list(f.get("stray_punctuation") or ())
    out += [f"twice: {w}" for w in [*(f.get("repeated") or ()), *(f.get("repeated_forms") or ())]]
    out += [f"unsupported: {w}" for w in f.get("unsupported") or ()]
    return out


def summary_counters(summaries: Sequence[str], texts: Sequence[str], words: SummaryWords | None = None) -> dict[str, float]:
    """Shares of summaries with each flag, and the mean length in words (whitespace tokens).
    `nonword_share` only with `words` (the model's headline vocabulary and lexicon)."""
    n = len(summaries)
    if not n:
        return {}
    headline = None if words is None else set(words.headline)
    fs = [flags(s or "", t, words, headline) for s, t in zip(summaries, texts)]
    share = lambda test: sum(1 for f in fs if test(f)) / n  # noqa: E731
    out = {"mean_words": sum(len((s or "").split()) for s in summaries) / n}
    if words is not None:
        out["nonword_share"] = share(lambda f: f["nonwords"])
    out.update({
        "trailing_function_share": share(lambda f: f["trailing_function_word"]),
        "stray_punctuation_share": share(lambda f: f["stray_punctuation"]),
        "trailing_or_stray_share": share(lambda f: f["trailing_function_word"] or f["stray_punctuation"]),
        "repeated_word_share": share(lambda f: f["repeated"]),
        "repeated_any_form_share": share(lambda f: f["repeated"] or f["repeated_forms"]),
        "unsupported_share": share(lambda f: f["unsupported"]),
    })
    return out

"""Text cleaning shared by training and inference.

`clean_text` normalises unicode and whitespace and drops web boilerplate lines ("Related Articles",
"Back to top button", share/subscribe lines...). `split_title` separates a raw article file into
(title, body) the way scrapers save them: an optional section line, a headline line, then the body.
The same functions run on training records and on articles at inference time, so the model never
sees text cleaned differently from what it was trained on.
"""

from __future__ import annotations

import re
import unicodedata

# Whole lines (case-insensitive, after trimming) that are page furniture, not article text.
_BOILERPLATE = [
    r"related( articles| posts| stories| news| content)?",
    r"back to top( button)?",
    r"skip to (main )?content",
    r"share( this( article| story)?)?( on \w+)?:?",
    r"(click|tap) to (share|print|email).*",
    r"share on (facebook|twitter|x|whatsapp|linkedin|telegram|reddit|email)",
    # a row of share buttons on one line ("Share on Facebook  Share on Twitter", "Facebook | X | WhatsApp")
    r"(?:(?:share|post|tweet|send) (?:on|to|via) )?%s(?:[ ,|·/]+(?:(?:share|post|tweet|send) (?:on|to|via) )?%s)+" % ((
        r"(?:facebook|twitter|x|whatsapp|linkedin|telegram|reddit|email|pinterest|messenger|copy link)",) * 2),
    r"(follow|like) us on .{1,40}",
    r"(subscribe|sign up)( now)?( to| for)? (our|the)? ?(daily |weekly |free )?(newsletter|updates|alerts).*",
    r"subscribe( now)?",
    r"advertisement|sponsored( content)?|ad",
    r"read (more|also|next)( ?:.*)?",
    r"(you may|you might) also like.*",
    r"more from .{1,40}",
    r"recommended( for you)?",
    r"(previous|next) (article|post|story)",
    r"(print|email|whatsapp|facebook|twitter|telegram|linkedin|reddit|pinterest|copy link)",
    r"(print|email|save|share|listen to) (this )?(article|story|page)",
    r"(sign in|log ?in|register)( \| (sign in|log ?in|register))*",
    r"(\d+ min(ute)?s? read|reading time:? .{1,20})",
    # breadcrumbs ("Home > World > Middle East", "Home / News")
    r"home ?[>/»›|] ?.{0,80}",
    # photo credits and captions ("Photo: Reuters", "File photo of ...", "Image caption: ...", "Getty Images")
    r"((file |afp |reuters |ap )?(photo|picture|image|photograph)( caption| credit)?|caption|credit) ?[:|/].*",
    r"file (photo|picture|image)\b.*",
    r"(getty images|afp via getty images|reuters|ap photo|afp)( ?/ ?.{1,40})?",
    r".{0,160}\(((afp|ap|reuters|epa|file) )?(photo|picture|image)s?( ?[:/][^)]{0,60})?\)",
    # agency credit lines at the end of wire copy ("(Reporting by X; Editing by Y)")
    r"\(?(reporting|writing|additional reporting|editing) by .{1,160}\)?",
    r"tags?:.*",
    r"(leave a |\d+ )?comments?",
    r"loading\.*",
    r"(©|\(c\)|copyright).{0,80}",
    r"all rights reserved\.?",
    r"(this site|we) uses? cookies.*",
    r"accept( all)? cookies",
]
_BOILERPLATE_RE = re.compile(r"^(?:%s)$" % "|".join(_BOILERPLATE), re.IGNORECASE)

# Bylines and publication dates: page furniture that scrapers keep above the article. A byline is
# "By" + names (capitalised words, "and", agencies, a date); "By Sunday, the army had taken the town"
# is a sentence, not a byline (lower-case words that are not name joiners).
_BYLINE_START = re.compile(r"^(by|written by|posted by|words by|text by|story by)\s+(?=[A-Z])", re.IGNORECASE)
_NAME_JOINERS = {"and", "&", "|", "in", "on", "at", "for", "the", "of", "de", "da", "del", "al", "el", "bin", "ibn",
                 "van", "von", "la", "le", "staff", "writer", "writers", "correspondent", "reporter", "editor",
                 "with", "from", "-", "–", "—", "/", "via", "news", "agency", "am", "pm", "updated", "published",
                 "ago", "hours", "hour", "minutes", "days", "admin", "guest"}
_MONTHS = ("jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|"
           "nov(ember)?|dec(ember)?")
_WEEKDAYS = "mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(r(s(day)?)?)?|fri(day)?|sat(urday)?|sun(day)?"
_DATE_TOKEN = re.compile(
    rf"^(({_MONTHS})\.?|({_WEEKDAYS})\.?|\d{{1,4}}(st|nd|rd|th)?|\d{{1,2}}[/.:-]\d{{1,2}}([/.:-]\d{{2,4}})?|"
    r"\d{1,2}(:\d{2})?(am|pm|h)|a\.?m\.?|p\.?m\.?|gmt|utc|est|edt|cet|cest|bst|ist|et|pt|local|time|"
    r"published|updated|posted|last|first|modified|date|on|at|ago|hours?|hrs?|minutes?|mins?|days?|weeks?|"
    r"yesterday|today|[|•·,:-]|–|—)$", re.IGNORECASE)
# A line that starts the page footer: after it, only link lists and furniture follow.
_FOOTER_RE = re.compile(
    r"^(related( articles| posts| stories)?|you (may|might) also like.*|more from .{1,40}|recommended( for you)?|read (more|next))$",
    re.IGNORECASE,
)
# Zero-width characters, soft hyphens and control characters (C0 except tab/newlines, DEL, C1).
_CONTROL = [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)]
_INVISIBLE = dict.fromkeys([*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), *_CONTROL], None)
_SPACES_RE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise(text: str) -> str:
    """Unicode NFC, invisible characters removed, runs of spaces collapsed, line ends unified."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return "\n".join(_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))


def is_boilerplate(line: str) -> bool:
    line = line.strip().strip("|•·-–—>»").strip()
    if not line or len(line) > 200:
        return False
    return bool(len(line) <= 120 and _BOILERPLATE_RE.match(line)) or _is_byline(line) or _is_date_line(line)


def _tokens(line: str) -> list[str]:
    return re.findall(r"\d{1,2}[/.:-]\d{1,2}(?:[/.:-]\d{2,4})?|[\w.'’-]+|[|•·&/,:–—-]", line)


def _is_date_line(line: str) -> bool:
    """A line of only a publication date/time ("Published: June 17, 2017 10:45 AM", "Updated 3 hours ago")."""
    if "(" in line:  # "Week 22 (26 May – 1 June)": a bulletin's heading
        return False
    toks = _tokens(line)
    has_date = any(re.match(rf"^(({_MONTHS})\.?|\d{{1,2}}[/.:-]\d{{1,2}}.*|\d{{1,2}}(:\d{{2}})?(am|pm)|\d+|yesterday|today)$",
                            t, re.IGNORECASE) for t in toks)
    return has_date and len(toks) <= 14 and all(_DATE_TOKEN.match(t) for t in toks)


def _is_byline(line: str) -> bool:
    """"By Jane Doe and John Roe, Associated Press", "Written by Sarah Jones on 17/06/2017"."""
    m = _BYLINE_START.match(line)
    if not m or line.rstrip().endswith((".", "!", "?", '"', "”")):
        return False
    words = _tokens(line[m.end():])
    return 0 < len(words) <= 16 and all(w[:1].isupper() or w.lower() in _NAME_JOINERS or _DATE_TOKEN.match(w) or w == ","
                                        for w in words)


def clean_text(text: str | None) -> str:
    """Clean article text: normalise, drop boilerplate lines, cut the page footer, keep paragraphs.

    Paragraphs are separated by one blank line; single line breaks inside a paragraph are kept.
    """
    if not text:
        return ""
    lines = normalise(text).split("\n")
    kept: list[str] = []
    words_so_far = 0
    for line in lines:
        stripped = line.strip()
        # A footer marker after real text ends the article ("Related Articles" + link list).
        if words_so_far >= 30 and _FOOTER_RE.match(stripped.strip(":").strip()):
            break
        if is_boilerplate(stripped):
            continue
        kept.append(stripped)
        words_so_far += len(stripped.split())
    out = "\n".join(kept)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()


def split_title(raw: str, known_sections: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """Split a raw article (as a scraper saves it) into (title, body).

    Layout recognised: an optional short section line ("Middle East"), then a headline line
    (short, no sentence-final full stop) followed by a blank line, then the body. Anything that
    does not look like that is returned as (None, cleaned text).
    """
    text = clean_text(raw)
    paras = [p for p in text.split("\n\n") if p.strip()]
    # a menu above the article ("Menu\nWorld\nAfrica"): a paragraph of several lines that are each a
    # short capitalised label is page navigation, not text (its words became an actor: "World")
    while len(paras) >= 3 and "\n" in paras[0].strip() and all(
            _is_section(line.strip(), known_sections) for line in paras[0].strip().split("\n")):
        paras = paras[1:]
        text = "\n\n".join(paras)
    if len(paras) < 2:
        return None, text
    first = paras[0].strip()
    if "\n" not in first and _is_section(first, known_sections) and len(paras) >= 3:
        second = paras[1].strip()
        if "\n" not in second and _looks_like_headline(second):
            return second, "\n\n".join(paras[2:]).strip()
        # No headline after it: a bare section line is dropped, but a capitalised short headline
        # ("Ceasefire Talks Collapse") is the title, not a section.
        if first.lower() in {s.lower() for s in known_sections} or not _looks_like_headline(first):
            return None, "\n\n".join(paras[1:]).strip()
    if "\n" not in first and _looks_like_headline(first):
        return first, "\n\n".join(paras[1:]).strip()
    return None, "\n\n".join(paras).strip()


def _is_section(line: str, known_sections: tuple[str, ...]) -> bool:
    if line.lower() in {s.lower() for s in known_sections}:
        return True
    words = line.split()
    return 1 <= len(words) <= 3 and not re.search(r"[.,:;!?\"]", line) and all(w[:1].isupper() for w in words)


def _looks_like_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 30 and len(line) <= 200 and not line.endswith((".", ",", ";", ":"))

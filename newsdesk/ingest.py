"""Read article files and folders for batch inference, one `Article` (or error row) at a time.

`iter_articles` walks files and folders lazily (sorted per directory; hidden entries, whose name
starts with ".", are skipped and counted) and yields one `Article` per article found. A bad input never stops the run: it becomes an `Article`
with `error` set and no text, so the output has one row per input and users can see what failed.

Supported inputs:
  .txt/.md     one article; the headline is split off with `split_title` (Markdown syntax removed)
  .html/.htm   article text extracted with trafilatura (menus, banners, footers dropped)
  .json        one object with "text" (optional "id", "title"), or a list of such objects
  .jsonl       one such record per line (the project's record schema; other keys ignored)
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura
from charset_normalizer import from_bytes

from newsdesk.cleaning import clean_text, normalise, split_title

SUPPORTED = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
EMPTY_ERROR = "empty: no article text after cleaning"


@dataclass
class Article:
    """One input article, or an error row (`error` set, `text` and `title` None)."""

    id: str  # record id, else the path relative to the input root ("<relpath>:<line>" for .jsonl)
    source: str  # file path as given/joined; "<path>:<line>" for .jsonl, "<path>#<n>" for .json lists
    text: str | None
    title: str | None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class IngestStats:
    """Counts for one ingest run. `files` counts every file seen, skipped ones included."""

    files: int = 0
    articles: int = 0
    skipped: int = 0  # unsupported type + hidden + excluded
    errors: int = 0
    skipped_by_ext: dict[str, int] = field(default_factory=dict)  # unsupported types
    hidden: int = 0  # hidden files and folders (a hidden folder counts once; it is not entered)
    excluded: int = 0  # files passed in `exclude` (the run's own output) met in a folder


class _InputError(Exception):
    """A whole file cannot be used; the message becomes the error row's `error`."""


def iter_articles(
    paths: Sequence[str | Path], max_bytes: int = 5_000_000, stats: IngestStats | None = None,
    exclude: Sequence[str | Path] = (),
) -> Iterator[Article]:
    """Yield articles (and error rows) from files and folders, streaming, in a deterministic order.

    Folders are walked recursively; their files with other extensions and their hidden entries are
    skipped and counted in `stats`, while a file named directly with one is read (or is an error
    row). Files in `exclude` (the run's own output) met in a folder are skipped and counted. Ids in
    the output are unique: a repeated id becomes an error row. Raises FileNotFoundError (before
    yielding anything) only when a given path does not exist at all.
    """
    roots = [Path(p) for p in paths]
    missing = [str(p) for p in roots if not os.path.lexists(p)]
    if missing:
        raise FileNotFoundError(f"input path does not exist: {', '.join(missing)}")
    return _iter_articles(roots, max_bytes, stats if stats is not None else IngestStats(), [Path(p) for p in exclude])


def _iter_articles(roots: list[Path], max_bytes: int, stats: IngestStats, exclude: list[Path]) -> Iterator[Article]:
    first_seen: dict[str, str] = {}  # id -> source of the row that used it first
    excluded_names = {p.name for p in exclude}
    excluded_real: set[str] | None = None  # resolved lazily: the output may not exist when the walk starts
    for root in roots:
        base = root if root.is_dir() else None  # ids are relative to a folder given
        entries = _walk(root, set(), stats) if base else iter([(root, None)])
        for path, folder_error in entries:
            if base and folder_error is None and path.name in excluded_names:
                if excluded_real is None:
                    excluded_real = {os.path.realpath(p) for p in exclude}
                if os.path.realpath(path) in excluded_real:
                    stats.files += 1
                    stats.skipped += 1
                    stats.excluded += 1
                    continue
            if folder_error is not None:
                articles = [_error_row(_rel_id(path, base), str(path), folder_error)]
            elif base and path.suffix.lower() not in SUPPORTED:
                stats.files += 1
                stats.skipped += 1
                ext = path.suffix.lower() or "(none)"
                stats.skipped_by_ext[ext] = stats.skipped_by_ext.get(ext, 0) + 1
                continue
            else:
                stats.files += 1
                articles = read_file(path, base, max_bytes)
            for article in articles:
                _make_unique(article, _locator(article, path, base), first_seen)
                if article.ok:
                    stats.articles += 1
                else:
                    stats.errors += 1
                yield article


def _walk(folder: Path, visited: set[str], stats: IngestStats) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, None) under `folder` in sorted order, or (folder, reason) for an unreadable one;
    hidden entries are counted in `stats`, not yielded."""
    real = os.path.realpath(folder)
    if real in visited:  # reached again through a symlink (or a symlink loop)
        return
    visited.add(real)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield folder, f"cannot read folder: {e.strerror or e}"
        return
    hidden = [e for e in entries if e.name.startswith(".")]
    stats.files += len(hidden)
    stats.skipped += len(hidden)
    stats.hidden += len(hidden)
    entries = [e for e in entries if not e.name.startswith(".")]
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(Path(entry.path), visited, stats)
        else:  # files, and broken links or special files that read_file reports
            yield Path(entry.path), None


def read_file(path: Path, root: Path | None, max_bytes: int) -> list[Article]:
    """Read one file into its articles (several for .json lists and .jsonl), or one error row.

    `root` is the folder the user gave (ids are relative to it), or None for a file given directly.
    """
    rel = _rel_id(path, root)
    source = str(path)
    ext = path.suffix.lower()
    warnings: list[str] = []
    try:
        if ext not in SUPPORTED:
            raise _InputError(f"unsupported file type {ext or '(no extension)'!r}; supported: {', '.join(SUPPORTED)}")
        data = _read_bytes(path, max_bytes)
        if not data.strip():
            raise _InputError(EMPTY_ERROR)
        text = _decode(data, warnings, html=ext in (".html", ".htm"))
        if ext == ".jsonl":
            return list(_read_jsonl(text, rel, source, warnings))
        if ext == ".json":
            return _read_json(text, rel, source, warnings)
        if ext in (".html", ".htm"):
            title, body = _extract_html(text)
        elif ext == ".md":
            title, body = _split_markdown(text)
        else:
            title, body = split_title(text)
        if not body:
            raise _InputError(EMPTY_ERROR)
        return [Article(rel, source, body, title, warnings)]
    except _InputError as e:
        return [_error_row(rel, source, str(e), warnings)]
    except Exception as e:  # noqa: BLE001 - one odd file must not stop a batch of thousands
        return [_error_row(rel, source, f"could not process file ({type(e).__name__}: {e})", warnings)]


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise _InputError(f"cannot read file: {kind}")
        if st.st_size > max_bytes:
            raise _InputError(f"file is {st.st_size} bytes, over --max-bytes {max_bytes}")
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError as e:
        reason = "broken symbolic link" if path.is_symlink() else (e.strerror or str(e))
        raise _InputError(f"cannot read file: {reason}") from e
    except OSError as e:
        raise _InputError(f"cannot read file: {e.strerror or e}") from e
    if len(data) > max_bytes:  # grew while we were reading
        raise _InputError(f"file is over --max-bytes {max_bytes}")
    return data


_HTML_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _decode(data: bytes, warnings: list[str], html: bool = False) -> str:
    """Bytes -> str: UTF-8 (BOM or not) first, UTF-16 by BOM, an HTML <meta charset>, else detection."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise _InputError(f"binary or undecodable file (bad UTF-16: {e.reason})") from e
        warnings.append("encoding:utf_16")
        return _check_text(text)
    if b"\x00" in data:  # UTF-16 text without a BOM (its ASCII-range bytes are valid UTF-8 too)
        text = _decode_utf16_without_bom(data, warnings)
        if text is not None:
            return _check_text(text)
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise _InputError("binary or undecodable file (contains NUL bytes)")
    text = _decode_mostly_utf8(data, warnings)
    if text is None and html:
        text = _decode_declared_charset(data, warnings)
    if text is None:
        text = _decode_detected(data, warnings)
    return _check_text(text)


def _decode_utf16_without_bom(data: bytes, warnings: list[str]) -> str | None:
    """UTF-16 text with no byte-order mark, told by where its NUL bytes are: the high byte of every
    Latin character is 0, so in UTF-16-LE text the odd bytes hold many NULs and the even bytes almost
    none (the other way round in -BE). Binary data has NULs at both. None when it is not that."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    units = len(data) // 2
    for nuls, other, encoding in ((odd, even, "utf_16_le"), (even, odd, "utf_16_be")):
        if nuls >= 0.3 * units and other <= 0.01 * units:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            warnings.append(f"encoding:{encoding}")
            return text
    return None


def _decode_mostly_utf8(data: bytes, warnings: list[str]) -> str | None:
    """UTF-8 text with a few stray bad bytes (cut multi-byte sequences): keep it, replacing those.

    "Mostly UTF-8" means at least twice as many valid non-ASCII characters as bad sequences; text
    in a legacy code page almost never contains valid UTF-8 multi-byte sequences by accident.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    if good >= 2 * bad:
        warnings.append(f"invalid_utf8_bytes:{bad}")
        return text
    return None


def _decode_declared_charset(data: bytes, warnings: list[str]) -> str | None:
    match = _HTML_CHARSET_RE.search(data[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
        name = "cp1252" if name == "iso8859-1" else name.replace("-", "_")  # latin-1 means cp1252 in browsers
        text = data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None
    if name not in ("utf_8", "ascii"):
        warnings.append(f"encoding:{name}")
    return text


def _decode_detected(data: bytes, warnings: list[str]) -> str:
    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise _InputError("binary or undecodable file (no text encoding fits its bytes)")
    encoding = best.encoding
    # Ties between single-byte Latin code pages are common (cp1250 vs cp1252 decode English the
    # same); prefer cp1252, by far the commonest legacy encoding of Western-language web text.
    for match in results:
        if (match.chaos, match.coherence) == (best.chaos, best.coherence) and "cp1252" in match.could_be_from_charset:
            encoding = "cp1252"
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = best.encoding, str(best)
    if encoding not in ("utf_8", "ascii"):
        warnings.append(f"encoding:{encoding}")
    return text


_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _check_text(text: str) -> str:
    """Reject decoded text that is really binary (many control characters)."""
    if len(_CONTROL_RE.findall(text[:20_000])) > max(8, len(text[:20_000]) // 100):
        raise _InputError("binary or undecodable file (too many control characters)")
    return text


# Menus and page footers are never article text; without them, a page with no article yields
# nothing instead of trafilatura's fallback returning the menu.
_NOT_ARTICLE_XPATH = ["//nav", "//footer"]


def _extract_html(html: str) -> tuple[str | None, str]:
    """Main text and title of an HTML page, via trafilatura."""
    doc = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        with_metadata=True,
        prune_xpath=_NOT_ARTICLE_XPATH,
    )
    if doc is None or not (doc.text or "").strip():
        raise _InputError("no article text found in HTML")
    title = _one_line(doc.title)  # og:title, <title> (site name cut) or <h1>
    # trafilatura puts one block (paragraph, heading, list item) per line.
    blocks = [b.strip() for b in doc.text.split("\n") if b.strip()]
    if title and blocks and blocks[0].casefold() == title.casefold():
        blocks = blocks[1:]  # the page's <h1> repeated as the first line
    return title, clean_text("\n\n".join(blocks))


# Markdown syntax removed before cleaning (kept modest: the common inline and line-start forms).
_MD_LINE_SUBS = [
    (re.compile(r"^ {0,3}(```|~~~).*$"), ""),  # code fence lines
    (re.compile(r"^ {0,3}([-*_])( *\1){2,} *$"), ""),  # horizontal rules
    (re.compile(r"^ {0,3}=+ *$"), ""),  # setext heading underline
    (re.compile(r"^ {0,3}\[[^\]]+\]: +\S+.*$"), ""),  # reference link definitions
    (re.compile(r"^ {0,3}#{1,6} +(.*?)( +#+)? *$"), r"\1"),  # ATX headings
    (re.compile(r"^ {0,3}(> ?)+"), ""),  # block quotes
    (re.compile(r"^ *[-*+] +"), ""),  # bullet list markers
]
_MD_INLINE_SUBS = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # **bold**, __bold__
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),  # _italic_
    (re.compile(r"~~(.+?)~~"), r"\1"),  # ~~strike~~
    (re.compile(r"`([^`]+)`"), r"\1"),  # `code`
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])"), r"\1"),  # backslash escapes
]
_MD_HEADING_RE = re.compile(r"^ {0,3}#{1,6} +\S")


def _strip_markdown(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        for pattern, repl in _MD_LINE_SUBS:
            line = pattern.sub(repl, line)
        for pattern, repl in _MD_INLINE_SUBS:
            line = pattern.sub(repl, line)
        lines.append(line)
    return "\n".join(lines)


def _split_markdown(text: str) -> tuple[str | None, str]:
    """(title, body) of a Markdown article: a leading `#` heading is the title, else `split_title`."""
    lines = normalise(text).split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and _MD_HEADING_RE.match(lines[first]):
        title = _one_line(_strip_markdown(lines[first]))
        return title, clean_text(_strip_markdown("\n".join(lines[first + 1:])))
    return split_title(_strip_markdown("\n".join(lines)))


def _read_json(text: str, rel: str, source: str, warnings: list[str]) -> list[Article]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise _InputError(f"invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from e
    if isinstance(data, dict):
        return [_from_record(data, rel, source, warnings)]
    if isinstance(data, list) and data:
        return [
            _from_record(item, f"{rel}#{n}", f"{source}#{n}", list(warnings)) for n, item in enumerate(data, 1)
        ]
    raise _InputError("JSON file must hold an object with a 'text' field, or a non-empty list of such objects")


def _read_jsonl(text: str, rel: str, source: str, warnings: list[str]) -> Iterator[Article]:
    lines = text.split("\n")  # not splitlines(): U+2028 may appear raw inside JSON strings
    if not any(line.strip() for line in lines):
        raise _InputError(EMPTY_ERROR)
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        loc, src = f"{rel}:{lineno}", f"{source}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            yield _error_row(loc, src, f"invalid JSON on line {lineno}: {e.msg} (column {e.colno})", warnings)
            continue
        yield _from_record(record, loc, src, list(warnings))


def _from_record(record: object, loc: str, source: str, warnings: list[str]) -> Article:
    """Article from one JSON record: "text" required, "id" and "title" optional.

    The row's id is the record's "id", else `loc` (also used when the id itself is invalid).
    """
    if not isinstance(record, dict):
        return _error_row(loc, source, f"record is not a JSON object (got {_json_type(record)})", warnings)
    raw_id = record.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int, type(None))):
        return _error_row(loc, source, f"record field 'id' must be a string (got {_json_type(raw_id)})", warnings)
    rec_id = (str(raw_id).strip() if raw_id is not None else "") or loc
    text = record.get("text")
    if not isinstance(text, str):
        got = "missing" if "text" not in record else f"got {_json_type(text)}"
        return _error_row(rec_id, source, f"record field 'text' must be a string ({got})", warnings)
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        warnings.append("title_not_a_string")
        title = None
    body = clean_text(text)
    if not body:
        return _error_row(rec_id, source, EMPTY_ERROR, warnings)
    return Article(rec_id, source, body, _one_line(title), warnings)


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _one_line(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(normalise(text).split()) or None


def _error_row(rec_id: str, source: str, error: str, warnings: list[str] | None = None) -> Article:
    return Article(rec_id, source, None, None, list(warnings or []), error)


def _rel_id(path: Path, root: Path | None) -> str:
    """Id of a file: its path relative to the folder given (posix style), or its name."""
    if root is None:
        return path.name
    rel = path.relative_to(root).as_posix()
    return str(path) if rel == "." else rel


def _locator(article: Article, path: Path, root: Path | None) -> str:
    """Where a row came from, as an id: "<relpath>", "<relpath>:<line>" or "<relpath>#<n>"."""
    return _rel_id(path, root) + article.source[len(str(path)):]


def _make_unique(article: Article, locator: str, first_seen: dict[str, str]) -> None:
    """Keep output ids unique: a good article whose id was already used becomes an error row."""
    if article.id in first_seen:
        if article.ok:
            article.error = f"duplicate id {article.id!r} (first seen in {first_seen[article.id]})"
            article.text = article.title = None
        new_id, n = locator, 1
        while new_id in first_seen:
            n += 1
            new_id = f"{locator}~{n}"
        article.id = new_id
    first_seen[article.id] = article.source

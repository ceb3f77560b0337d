"""Bad input files for ingest and inference tests: one file per kind of problem.

Use `make_bad_inputs(folder)` and ingest the folder with `max_bytes=MAX_BYTES`. It returns
{id of the error row: expected substring of its error}. The folder also holds inputs that are not
errors: `GOOD_IDS` ingest fine (valid lines around the bad ones, the first use of a duplicated
id) and `SKIPPED_FILES` are skipped (unknown extension) without an error row.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

MAX_BYTES = 10_000
GOOD_IDS = ("dup-1", "dup-2", "mixed-ok-1", "mixed-ok-3", "mixed.jsonl:4")
SKIPPED_FILES = ("report.pdf",)
# Root reads through chmod 000, so the permission case only exists for other users.
CAN_TEST_PERMISSIONS = hasattr(os, "geteuid") and os.geteuid() != 0

_BODY = (
    "The army said on Monday that its forces had repelled an attack on a checkpoint near the town, "
    "killing several fighters. Residents reported hearing gunfire for most of the night."
)


def _jsonl(path: Path, lines: list[object | str]) -> None:
    """Write JSON Lines; a str item is written verbatim (to make an invalid line)."""
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")


def make_bad_inputs(folder: Path) -> dict[str, str]:
    """Write one file per bad-input kind into `folder`; return {row id: expected error substring}."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    expected: dict[str, str] = {}

    (folder / "empty.txt").write_bytes(b"")
    expected["empty.txt"] = "empty: no article text after cleaning"

    (folder / "whitespace.txt").write_text(" \n\t\n   \n\u00a0\n", encoding="utf-8")
    expected["whitespace.txt"] = "empty: no article text after cleaning"

    (folder / "boilerplate_only.md").write_text("Related Articles\n\nBack to top button\n", encoding="utf-8")
    expected["boilerplate_only.md"] = "empty: no article text after cleaning"

    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(500))
    expected["binary.txt"] = "binary or undecodable file"

    # No NUL bytes, yet no text encoding makes sense of them.
    (folder / "undecodable.txt").write_bytes(bytes(rng.randrange(1, 256) for _ in range(600)))
    expected["undecodable.txt"] = "binary or undecodable file"

    (folder / "too_big.txt").write_text("Headline of a very long file\n\n" + (_BODY + "\n\n") * 80, encoding="utf-8")
    expected["too_big.txt"] = f"over --max-bytes {MAX_BYTES}"

    (folder / "bad.json").write_text('{"id": "bad-json-1",\n "text": "unterminated\n', encoding="utf-8")
    expected["bad.json"] = "invalid JSON: "

    (folder / "no_article.html").write_text(
        "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        "<footer>Contact us</footer></body></html>",
        encoding="utf-8",
    )
    expected["no_article.html"] = "no article text found in HTML"

    _jsonl(folder / "mixed.jsonl", [
        {"id": "mixed-ok-1", "title": "Clashes reported near checkpoint", "text": _BODY},
        '{"id": "mixed-bad", "text": "missing closing brace"',
        {"id": "mixed-ok-3", "text": _BODY},
        {"text": _BODY},  # no id: the row id is "mixed.jsonl:4"
        {"id": "mixed-no-text", "title": "A record without text"},
        {"id": "mixed-text-list", "text": ["not", "a", "string"]},
    ])
    expected["mixed.jsonl:2"] = "invalid JSON on line 2"
    expected["mixed-no-text"] = "record field 'text' must be a string (missing)"
    expected["mixed-text-list"] = "record field 'text' must be a string (got array)"

    # "dup-1" is used first in dup_1.json, then again in dup_2.jsonl (line 1); "dup-2" on lines 2 and 3.
    first_use = {"id": "dup-1", "title": "First use", "text": _BODY}
    (folder / "dup_1.json").write_text(json.dumps(first_use), encoding="utf-8")
    _jsonl(folder / "dup_2.jsonl", [
        {"id": "dup-1", "text": _BODY},
        {"id": "dup-2", "text": _BODY},
        {"id": "dup-2", "text": _BODY},
    ])
    expected["dup_2.jsonl:1"] = "duplicate id 'dup-1' (first seen in "
    expected["dup_2.jsonl:3"] = "duplicate id 'dup-2' (first seen in "

    (folder / "broken_link.txt").symlink_to(folder / "does_not_exist.txt")
    expected["broken_link.txt"] = "cannot read file: broken symbolic link"

    if CAN_TEST_PERMISSIONS:
        unreadable = folder / "unreadable.txt"
        unreadable.write_text("Headline here today\n\n" + _BODY, encoding="utf-8")
        unreadable.chmod(0)
        expected["unreadable.txt"] = "cannot read file: Permission denied"

    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    return expected

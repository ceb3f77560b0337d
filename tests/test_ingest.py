"""Tests for newsdesk.ingest: sample articles, bad inputs, encodings, ordering, streaming."""

from __future__ import annotations

import codecs
import inspect
import json
import os
from pathlib import Path

import pytest

import newsdesk.ingest as ingest
from newsdesk.ingest import SUPPORTED, Article, IngestStats, iter_articles, read_file
from tests.bad_inputs import CAN_TEST_PERMISSIONS, GOOD_IDS, HIDDEN_FILES, MAX_BYTES, SKIPPED_FILES, make_bad_inputs

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
BODY = "Soldiers and rebels fought for control of the bridge on Monday, residents said. " * 3


def _by_id(paths: list[str | Path], **kwargs) -> dict[str, Article]:
    rows = list(iter_articles(paths, **kwargs))
    ids = [a.id for a in rows]
    assert len(ids) == len(set(ids)), "ids must be unique"
    return {a.id: a for a in rows}


# --- the sample folder -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, Article]:
    return _by_id([ARTICLES])


def test_sample_articles_all_ingest_with_text_and_title():
    stats = IngestStats()
    rows = _by_id([ARTICLES], stats=stats)
    assert len(rows) == 13
    for a in rows.values():
        assert a.ok, (a.id, a.error)
        assert a.text and len(a.text.split()) >= 60, a.id
        assert a.title, a.id
    assert stats == IngestStats(files=10, articles=13, skipped=0, errors=0, skipped_by_ext={})
    assert {Path(a.source.split(":")[0]).suffix for a in rows.values()} == set(SUPPORTED) - {".htm"}


def test_sample_txt_scraper_layout(sample):
    a = sample["mali_labbezanga_border.txt"]
    assert a.title == (
        "Islamic State fighters seize Mali border crossing as army pushes north, ceasefire declared around Kidal"
    )
    assert a.text.startswith("BAMAKO — Fighters loyal to the Islamic State group seized")
    assert a.text.endswith('said a security researcher based in Dakar.')
    for junk in ("Africa\n", "Related Articles", "Burkina Faso: convoy attacked", "Back to top button"):
        assert junk not in a.text
    assert a.warnings == []


def test_sample_cp1252_file_is_decoded_with_a_warning(sample):
    a = sample["colombia_eln_arrest_cp1252.txt"]
    assert "encoding:cp1252" in a.warnings
    assert a.title == "Colombian police arrest ELN commander accused of Cúcuta car bomb"
    assert "south of Bogotá" in a.text
    assert "known by the alias “El Profe”" in a.text
    assert "the Defensoría del Pueblo" in a.text
    assert "\r" not in a.text and "\ufffd" not in a.text


@pytest.mark.parametrize(
    ("name", "title", "present", "junk"),
    [
        (
            "drc_m23_uvira_advance.html",
            "M23 rebels advance towards Uvira as Congolese troops fall back",
            ["Rebels of the M23 movement advanced on Thursday to within 30 kilometres of Uvira",
             "Aid agencies said the advance had cut the main supply route"],
            ["We use cookies", "Accept all cookies", "Manage preferences", "Newsletter sign-up", "Opinion",
             "Related stories", "Aid agencies warn of cholera", "All rights reserved", "Privacy policy",
             "Share this article", "The Great Lakes Monitor"],
        ),
        (
            "myanmar_sagaing_airstrike.html",
            "Military airstrike on Sagaing village kills 19, resistance groups say",
            ["A Myanmar military aircraft bombed a village in the Sagaing region on Saturday",
             "fled Kyaung Taung and neighbouring villages towards the Chindwin river"],
            ["This site uses cookies", "I agree", "Support our journalism", "Front page", "Related stories",
             "Arakan Army claims capture", "morning briefing", "Copyright 2025", "Tags:", "Contact us"],
        ),
    ],
)
def test_sample_html_keeps_the_article_and_drops_page_furniture(sample, name, title, present, junk):
    a = sample[name]
    assert a.title == title
    assert not a.text.startswith(title)  # the <h1> is not repeated in the body
    for sentence in present:
        assert sentence in a.text
    for s in junk:
        assert s not in a.text, s
    assert "\n\n" in a.text  # one paragraph per <p>


def test_sample_markdown_syntax_is_removed(sample):
    a = sample["sudan_el_fasher_shelling.md"]
    assert a.title == "RSF shelling kills 12 in displacement camp near El Fasher"
    assert a.text.startswith("EL FASHER, Sudan — Artillery fire")
    assert "The Sudan Doctors Network said shells struck" in a.text
    assert "\nEl Fasher is the last major city in Darfur" in a.text
    for syntax in ("**", "](", "https://", "#", "\n>", "\n- ", "*Joint"):
        assert syntax not in a.text, syntax


def test_sample_json_and_jsonl_records(sample):
    somalia = sample["sample-somalia-001"]
    assert somalia.title == "Al-Shabaab fighters attack army base in Middle Shabelle"
    assert somalia.source == str(ARTICLES / "somalia_shabaab_base.json")
    for n in range(1, 5):
        wire = sample[f"wire-00{n}"]
        assert wire.source == f"{ARTICLES / 'wire_items.jsonl'}:{n}"
    assert "ceasefire" in sample["wire-002"].title


# --- bad inputs --------------------------------------------------------------------------------


def test_bad_inputs_give_documented_errors(tmp_path):
    expected = make_bad_inputs(tmp_path / "bad")
    stats = IngestStats()
    rows = _by_id([tmp_path / "bad"], max_bytes=MAX_BYTES, stats=stats)
    for rid, message in expected.items():
        assert rid in rows, f"no row for {rid}"
        row = rows[rid]
        assert row.error and message in row.error, (rid, row.error)
        assert row.text is None and row.title is None
    for rid in GOOD_IDS:
        assert rows[rid].ok and rows[rid].text, rid
    assert set(rows) == set(expected) | set(GOOD_IDS)
    assert not any(name in a.source for a in rows.values() for name in SKIPPED_FILES)
    assert not any(name in a.source for a in rows.values() for name in HIDDEN_FILES)
    assert stats.skipped == 1 + len(HIDDEN_FILES) and stats.skipped_by_ext == {".pdf": 1} and stats.hidden == len(HIDDEN_FILES)
    assert stats.errors == len(expected) and stats.articles == len(GOOD_IDS)
    assert stats.files == len({Path(a.source.split(":")[0]) for a in rows.values()}) + 1 + len(HIDDEN_FILES)
    assert rows["utf16le_no_bom.txt"].title == "Talks collapse in capital" and "encoding:utf_16_le" in rows["utf16le_no_bom.txt"].warnings
    assert rows["utf16be_no_bom.txt"].text == rows["utf16le_no_bom.txt"].text


def test_bad_input_messages_are_specific(tmp_path):
    make_bad_inputs(tmp_path)
    rows = _by_id([tmp_path], max_bytes=MAX_BYTES)
    big = (tmp_path / "too_big.txt").stat().st_size
    assert rows["too_big.txt"].error == f"file is {big} bytes, over --max-bytes {MAX_BYTES}"
    assert rows["bad.json"].error.startswith("invalid JSON: ") and "(line 2, column" in rows["bad.json"].error
    assert rows["mixed.jsonl:2"].error.startswith("invalid JSON on line 2: Expecting ',' delimiter")
    assert rows["dup_2.jsonl:1"].error == f"duplicate id 'dup-1' (first seen in {tmp_path / 'dup_1.json'})"
    assert rows["dup_2.jsonl:3"].error == f"duplicate id 'dup-2' (first seen in {tmp_path / 'dup_2.jsonl'}:2)"
    assert rows["binary.txt"].error == "binary or undecodable file (contains NUL bytes)"


def test_too_big_file_is_not_read(tmp_path, monkeypatch):
    (tmp_path / "big.txt").write_text("x" * 100)
    monkeypatch.setattr("builtins.open", lambda *a, **k: pytest.fail("opened a file over max_bytes"))
    (row,) = iter_articles([tmp_path], max_bytes=50)
    assert row.error == "file is 100 bytes, over --max-bytes 50"


@pytest.mark.skipif(not CAN_TEST_PERMISSIONS, reason="running as root: chmod 000 does not block reads")
def test_unreadable_file_and_folder(tmp_path):
    (tmp_path / "locked.txt").write_text("Headline of the story\n\n" + BODY)
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(BODY)
    (tmp_path / "sub").chmod(0)
    try:
        rows = _by_id([tmp_path])
    finally:
        (tmp_path / "sub").chmod(0o755)
    assert rows["locked.txt"].error == "cannot read file: Permission denied"
    assert rows["sub"].error == "cannot read folder: Permission denied"


def test_special_file_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (row,) = iter_articles([tmp_path])
    assert row.id == "pipe.txt" and row.error == "cannot read file: not a regular file"


def test_missing_path_raises_before_iteration(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist: .*nope"):
        iter_articles([ARTICLES, tmp_path / "nope"])


def test_file_given_directly(tmp_path):
    path = ARTICLES / "kashmir_loc_shelling.txt"
    (row,) = iter_articles([str(path)])
    assert row.ok and row.id == "kashmir_loc_shelling.txt" and row.source == str(path)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    stats = IngestStats()
    (row,) = iter_articles([tmp_path / "notes.pdf"], stats=stats)
    assert row.error.startswith("unsupported file type '.pdf'")
    assert stats.errors == 1 and stats.skipped == 0


def test_same_ids_twice_stay_unique(tmp_path):
    rows = list(iter_articles([ARTICLES, ARTICLES]))
    assert len(rows) == 26 and len({a.id for a in rows}) == 26
    second = {a.id: a for a in rows[13:]}
    assert second["kashmir_loc_shelling.txt~2"].error.startswith("duplicate id 'kashmir_loc_shelling.txt'")
    assert second["wire_items.jsonl:1"].error.startswith("duplicate id 'wire-001'")
    assert all(a.text is None for a in second.values())


# --- formats -----------------------------------------------------------------------------------


def test_encodings(tmp_path):
    text = "Protesters in Bogotá, Cúcuta and Medellín marched on Friday.\n\n" + BODY
    (tmp_path / "bom.txt").write_bytes(codecs.BOM_UTF8 + text.encode())
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "stray.txt").write_bytes(text.encode() + b" \xe2\x82\n")  # cut multi-byte sequence
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Bogotá march</title></head>'
        f"<body><article><p>{text}</p></article></body></html>"
    )
    (tmp_path / "latin1.html").write_bytes(page.encode("latin-1"))
    rows = _by_id([tmp_path])
    assert rows["bom.txt"].warnings == [] and rows["bom.txt"].text.startswith("Protesters in Bogotá")
    assert rows["utf16.txt"].warnings == ["encoding:utf_16"] and "Bogotá" in rows["utf16.txt"].text
    assert rows["stray.txt"].warnings == ["invalid_utf8_bytes:1"] and "Bogotá" in rows["stray.txt"].text
    assert rows["latin1.html"].warnings == ["encoding:cp1252"] and "Bogotá" in rows["latin1.html"].text


def test_utf16_without_bom_is_detected(tmp_path):
    """Issue 14 item 4: UTF-16 without a byte-order mark was rejected as binary ("too many control
    characters"); it is told by where its NUL bytes are. Binary with NULs at both positions stays binary."""
    text = "Protesters in Bogotá marched on Friday.\n\n" + BODY
    (tmp_path / "le.txt").write_bytes(text.encode("utf-16-le"))
    (tmp_path / "be.txt").write_bytes(text.encode("utf-16-be"))
    (tmp_path / "short.txt").write_bytes("Troops advanced.".encode("utf-16-le"))
    (tmp_path / "odd_length.txt").write_bytes(text.encode("utf-16-le") + b"x")  # not UTF-16: NULs, odd length
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01ab\x00c\x00\x00d" * 50)
    rows = _by_id([tmp_path])
    assert rows["le.txt"].warnings == ["encoding:utf_16_le"] and rows["le.txt"].text.startswith("Protesters in Bogotá")
    assert rows["be.txt"].warnings == ["encoding:utf_16_be"] and rows["be.txt"].text == rows["le.txt"].text
    assert rows["short.txt"].text == "Troops advanced."
    assert rows["odd_length.txt"].error.startswith("binary or undecodable file")
    assert rows["binary.txt"].error.startswith("binary or undecodable file")


def test_output_file_in_an_input_folder_is_skipped_and_counted(tmp_path):
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "out.jsonl").write_text('{"id": "a.txt"}\n')
    stats = IngestStats()
    ids = [a.id for a in iter_articles([tmp_path], stats=stats, exclude=[tmp_path / "out.jsonl", tmp_path / "out.csv"])]
    assert ids == ["a.txt"] and stats.excluded == 1 and stats.skipped == 1


def test_markdown_inline_syntax(tmp_path):
    md = (
        "Europe\n\n## Police detain **dozens** at rally\n\n"
        "> Police said the [march](https://example.org/m) was *unauthorised* and `illegal`.\n\n"
        "![photo](pic.jpg)\n- The snake_case_name stays.\n* Second __point__ here.\n\n---\n\n"
        + BODY
    )
    (tmp_path / "a.md").write_text(md)
    (row,) = iter_articles([tmp_path / "a.md"])
    assert row.title == "Police detain dozens at rally"
    assert row.text.startswith("Police said the march was unauthorised and illegal.\n\nThe snake_case_name stays.\n")
    assert "Second point here." in row.text and "Europe" not in row.text and "---" not in row.text


def test_markdown_heading_first_is_the_title(tmp_path):
    (tmp_path / "b.md").write_text("# Ceasefire holds in the north\n\nBody text. " + BODY)
    (row,) = iter_articles([tmp_path / "b.md"])
    assert row.title == "Ceasefire holds in the north" and row.text.startswith("Body text.")


def test_json_list_and_odd_records(tmp_path):
    records = [
        {"id": "x-1", "text": BODY, "title": "T"},
        {"text": BODY, "title": 5},
        "just a string",
        {"id": [1], "text": BODY},
    ]
    (tmp_path / "list.json").write_text(json.dumps(records))
    (tmp_path / "scalar.json").write_text("42")
    rows = _by_id([tmp_path])
    assert rows["x-1"].ok and rows["x-1"].source == f"{tmp_path / 'list.json'}#1"
    assert rows["list.json#2"].ok and rows["list.json#2"].title is None
    assert rows["list.json#2"].warnings == ["title_not_a_string"]
    assert rows["list.json#3"].error == "record is not a JSON object (got string)"
    assert rows["list.json#4"].error == "record field 'id' must be a string (got array)"
    assert rows["scalar.json"].error.startswith("JSON file must hold an object")


def test_jsonl_blank_lines_and_empty_text(tmp_path):
    lines = ["", json.dumps({"id": 7, "text": BODY}), "   ", json.dumps({"id": "e", "text": "Advertisement\n\n"})]
    (tmp_path / "a.jsonl").write_text("\n".join(lines))
    (tmp_path / "blank.jsonl").write_text("\n\n")
    rows = _by_id([tmp_path])
    assert rows["7"].ok and rows["7"].source.endswith("a.jsonl:2")
    assert rows["e"].error == "empty: no article text after cleaning"
    assert rows["blank.jsonl"].error == "empty: no article text after cleaning"


# --- walking -----------------------------------------------------------------------------------


def test_order_is_sorted_and_hidden_entries_are_skipped_and_counted(tmp_path):
    """Issue 14 item 4: hidden files got neither a row nor a count; now they are counted as skipped
    (a hidden folder counts once and is not entered)."""
    for rel in ["e.txt", "b/d.txt", "a.txt", "b/c.md", ".hidden.txt", ".git/x.txt", "b/.DS_Store", "b/z.pdf"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(BODY)
    stats = IngestStats()
    ids = [a.id for a in iter_articles([tmp_path], stats=stats)]
    assert ids == ["a.txt", "b/c.md", "b/d.txt", "e.txt"]
    assert ids == [a.id for a in iter_articles([tmp_path])]
    assert stats.skipped_by_ext == {".pdf": 1} and stats.hidden == 3  # .hidden.txt, .git/, b/.DS_Store
    assert stats.files == 8 and stats.skipped == 4


def test_symlinked_folder_loop_is_walked_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(BODY)
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [a.id for a in iter_articles([tmp_path])] == ["a/one.txt"]


def test_streaming_reads_lazily(tmp_path, monkeypatch):
    for d in range(20):
        folder = tmp_path / f"d{d:02}"
        folder.mkdir()
        for f in range(100):
            (folder / f"{f:03}.txt").write_text(f"Item {d}-{f}. " + BODY)
    reads: list[Path] = []
    scans: list[str] = []
    real_read, real_scandir = ingest.read_file, os.scandir
    monkeypatch.setattr(ingest, "read_file", lambda p, *a: reads.append(p) or real_read(p, *a))
    monkeypatch.setattr(ingest.os, "scandir", lambda p: scans.append(str(p)) or real_scandir(p))

    gen = iter_articles([tmp_path])
    assert inspect.isgenerator(gen)
    assert reads == [] and scans == []  # nothing happens before iteration
    first = next(gen)
    assert first.id == "d00/000.txt"
    assert reads == [tmp_path / "d00" / "000.txt"]
    assert scans == [str(tmp_path), str(tmp_path / "d00")]
    assert sum(1 for _ in gen) == 1999 and len(reads) == 2000


def test_read_file_directly():
    rows = read_file(ARTICLES / "wire_items.jsonl", ARTICLES, 1_000_000)
    assert [a.id for a in rows] == ["wire-001", "wire-002", "wire-003", "wire-004"]

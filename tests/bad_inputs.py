"""Bad inputs for ingest, inference, the Python API and model loading: one case per kind of problem
(issue 14's probe, plus what it found).

- `make_bad_inputs(folder)`: input files; ingest the folder with `max_bytes=MAX_BYTES`. Returns
  {id of the error row: expected substring of its error}. The folder also holds inputs that are not
  errors: `GOOD_IDS` ingest fine (valid lines around the bad ones, the first use of a duplicated id,
  UTF-16 without a BOM, one long line with no sentence break, a file name a spreadsheet would run as
  a formula), `SKIPPED_FILES` are skipped (unknown extension) and `HIDDEN_FILES` are skipped and
  counted as hidden, all without an error row.
- `make_foreign_outputs(folder)`: files that `--out` must refuse (exit 1, bytes untouched).
- `BAD_PREDICT_TEXTS` / `BAD_PREDICT_CALLS`: `predict()` items that become error rows, and calls
  that raise.
- `make_bad_model_dirs(model, folder)`: damaged copies of a model directory, with the expected message.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

MAX_BYTES = 10_000
GOOD_IDS = ("dup-1", "dup-2", "mixed-ok-1", "mixed-ok-3", "mixed.jsonl:4", "utf16le_no_bom.txt", "utf16be_no_bom.txt",
            "one_long_line.txt", "=HYPERLINK(1).txt")
SKIPPED_FILES = ("report.pdf",)
HIDDEN_FILES = (".hidden.txt", ".cache")  # a hidden file and a hidden folder (counted once, not entered)
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

    # NUL bytes at both byte positions: binary, not UTF-16 text without a BOM.
    (folder / "nul_bytes.txt").write_bytes(b"Headline\x00\x00 text \x00\x01\x02\x03 " * 20)
    expected["nul_bytes.txt"] = "binary or undecodable file"

    # Not errors: UTF-16 with no byte-order mark (was rejected as binary), a ~9 KB line with no
    # sentence break (evidence capped, sentence split), a file name that is a spreadsheet formula.
    utf16 = "Talks collapse in capital\n\n" + _BODY + "\n"
    (folder / "utf16le_no_bom.txt").write_bytes(utf16.encode("utf-16-le"))
    (folder / "utf16be_no_bom.txt").write_bytes(utf16.encode("utf-16-be"))
    (folder / "one_long_line.txt").write_text(" ".join(_BODY.replace(".", "").split() * 30), encoding="utf-8")
    (folder / "=HYPERLINK(1).txt").write_text("Formula in the name\n\n" + _BODY, encoding="utf-8")

    (folder / ".hidden.txt").write_text("Hidden headline here\n\n" + _BODY, encoding="utf-8")
    (folder / ".cache").mkdir()
    (folder / ".cache" / "x.txt").write_text(_BODY, encoding="utf-8")
    return expected


def one_mb_line(path: Path, size: int = 1_000_000) -> Path:
    """A file of one line of article words, no sentence break, `size` bytes (issue 14 item 3)."""
    rng = random.Random(7)
    words = _BODY.replace(".", "").replace(",", "").split() + ["Houthi", "forces", "Marib", "army", "rebels"]
    out, n = [], 0
    while n < size:
        w = rng.choice(words)
        out.append(w)
        n += len(w) + 1
    path.write_text(" ".join(out)[:size], encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- --out
_ROW1 = {"id": "a.txt", "source": "a.txt", "region": None, "event_types": None, "actors": None, "summary": None,
         "scores": None, "warnings": [], "error": "empty", "model": "m@schema1", "schema_version": 1,
         "evidence": None, "faithfulness": None}


def make_foreign_outputs(folder: Path) -> dict[str, str]:
    """Existing files that `--out` must refuse without changing a byte: {file name: expected message}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "notes.jsonl": (b"my notes, not an output\n", "line 1 is not a newsdesk output row"),
        "notes_no_newline.jsonl": (b"my notes without a final newline", "last line is not a newsdesk output row"),
        "data.jsonl": (b'{"id": "r1", "text": "a record"}\n{"id": "r2", "text": "another"}',
                       "line 1 is not a newsdesk output row"),
        "data_one_line.jsonl": (b'{"id": "r1", "text": "a record"}', "last line is not a newsdesk output row"),
        "schema1.jsonl": (json.dumps(_ROW1).encode() + b"\n", "schema_version 1; this newsdesk writes schema_version 2"),
        "table.csv": (b"a,b\n1,2\n", "is not a newsdesk csv output"),
        "table.parquet": (b"PAR1 not really", "is not a newsdesk parquet output"),
        "notes.txt": (b"plain text\n", "line 1 is not a newsdesk output row"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: message for name, (_, message) in files.items()}


# ----------------------------------------------------------------------------- predict()
# Items of a list: each becomes an error row with this error (the other items are predicted).
BAD_PREDICT_TEXTS = [
    ("", "empty: no article text after cleaning"),
    ("   \n\t ", "empty: no article text after cleaning"),
    ("\u200b\x00\x01", "empty: no article text after cleaning"),
    (None, "not text: got NoneType"),
    (123, "not text: got int"),
    (b"Rebels seized the town.", "not text: got bytes"),
    (["a", "list"], "not text: got list"),
]
# Calls that raise: (args, kwargs, exception type, message substring).
BAD_PREDICT_CALLS = [
    ((None,), {}, TypeError, "predict(texts=...) takes a string or a list of strings, got NoneType"),
    ((123,), {}, TypeError, "got int"),
    ((b"Rebels seized the town.",), {}, TypeError, "got bytes"),
    (({"text": "a"},), {}, TypeError, "got dict"),
    (({"a", "b"},), {}, TypeError, "got set"),
    ((["a", "b"],), {"ids": ["x"]}, ValueError, "predict(ids=...) has 1 ids for 2 texts"),
    ((["a"],), {"ids": "x"}, TypeError, "predict(ids=...) takes a list of ids, got str"),
    ((["a"],), {"ids": [None]}, TypeError, "predict(ids=...) takes strings or ints, got NoneType"),
    ((["a"],), {"batch_size": 0}, ValueError, "predict(batch_size=...) must be at least 1"),
    ((["a"],), {"batch_size": "8"}, TypeError, "predict(batch_size=...) takes a positive int, got str"),
]


# ----------------------------------------------------------------------------- model directories
def _copy_dir(src: Path, dst: Path) -> None:
    """Symlinks to `src`'s files (the weights are large); `_put` replaces one with real bytes."""
    dst.mkdir(parents=True)
    for f in src.iterdir():
        (dst / f.name).symlink_to(f.resolve())


def _put(path: Path, data: bytes | str) -> None:
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def _edit_config(d: Path, edit) -> None:
    cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
    edit(cfg)
    _put(d / "config.json", json.dumps(cfg))


def make_bad_model_dirs(model: Path, folder: Path) -> dict[str, str]:
    """Damaged copies of `model` under `folder`: {dir name: expected substring of the ModelDirError}.
    Every one must fail on load with that message, never a traceback or a silent wrong answer."""
    weights = (model / "model.safetensors").read_bytes()
    n = int.from_bytes(weights[:8], "little")
    cases: dict[str, tuple] = {
        "weights_truncated": (lambda d: _put(d / "model.safetensors", weights[: len(weights) // 2]), "but its header describes"),
        "weights_empty": (lambda d: _put(d / "model.safetensors", b""), "is not a safetensors file (0 bytes, empty)"),
        "weights_random": (lambda d: _put(d / "model.safetensors", random.Random(3).randbytes(5000)), "is not a safetensors file"),
        "weights_header_only": (lambda d: _put(d / "model.safetensors", weights[: 8 + n]), "but its header describes"),
        "weights_bad_header": (lambda d: _put(d / "model.safetensors", weights[:8] + b"x" * n + weights[8 + n:]), "damaged safetensors header"),
        "weights_missing": (lambda d: (d / "model.safetensors").unlink(), "is missing model.safetensors"),
        "config_null": (lambda d: _put(d / "config.json", "null"), "must hold a JSON object, got null"),
        "config_list": (lambda d: _put(d / "config.json", "[]"), "must hold a JSON object, got a list"),
        "config_not_json": (lambda d: _put(d / "config.json", "{"), "config.json is not valid JSON"),
        "config_binary": (lambda d: _put(d / "config.json", b"\xff\xfe\x00"), "config.json is not valid JSON"),
        "thresholds_short": (lambda d: _edit_config(d, lambda c: c["thresholds"].update(event_types=c["thresholds"]["event_types"][:-1])),
                             "thresholds.event_types must be"),
        "thresholds_nan": (lambda d: _edit_config(d, lambda c: c["thresholds"]["event_types"].__setitem__(0, float("nan"))),
                           "thresholds.event_types must be"),
        "thresholds_above_1": (lambda d: _edit_config(d, lambda c: c["thresholds"]["event_types"].__setitem__(0, 7)),
                               "numbers between 0 and 1"),
        "thresholds_a_list": (lambda d: _edit_config(d, lambda c: c.update(thresholds=[0.5])), "thresholds must be a JSON object"),
        "mention_threshold_text": (lambda d: _edit_config(d, lambda c: c["thresholds"].update(mentions="x")), "thresholds.mentions"),
        "fewshot_triggers_bad_regex": (lambda d: _edit_config(d, lambda c: c.update(fewshot={"ceasefire": {
            "weight": [0.0], "bias": 0.0, "triggers": {"match": ["truce("]}}})), "fewshot.ceasefire.triggers must be null or"),
        "triggers_bad_regex": (lambda d: _edit_config(d, lambda c: c.update(triggers={"capture": {"match": ["seiz("]}})),
                               "triggers.capture must be an event type's"),
        "triggers_not_a_type": (lambda d: _edit_config(d, lambda c: c.update(triggers={"truce": {"match": ["truce"]}})),
                                "triggers.truce must be an event type's"),
        "article_thresholds_short": (lambda d: _edit_config(d, lambda c: c["thresholds"].update(article={"event_types": [0.5]})),
                                     "thresholds.article.event_types must be null or"),
        "calibration_pairs": (lambda d: _edit_config(d, lambda c: c["calibration"].update(event_types=[[1]] * len(c["labels"]["event_types"]))),
                              "calibration.event_types must be"),
        "calibration_nan": (lambda d: _edit_config(d, lambda c: c["calibration"]["actors"].__setitem__(0, [float("nan"), 0])),
                            "calibration.actors must be"),
        "calibration_region": (lambda d: _edit_config(d, lambda c: c["calibration"].update(region=-1)), "positive temperature"),
        "calibration_a_list": (lambda d: _edit_config(d, lambda c: c.update(calibration=[1])), "calibration must be a JSON object"),
        "labels_reordered": (lambda d: _edit_config(d, lambda c: c["labels"]["event_types"].reverse()), "checksum mismatch"),
        "labels_null": (lambda d: _edit_config(d, lambda c: c.update(labels=None)), "'labels' must map"),
        "vocab_size_text": (lambda d: _edit_config(d, lambda c: c.update(vocab_size="x")), "vocab_size must be a whole number"),
        "max_length_text": (lambda d: _edit_config(d, lambda c: c.update(max_length="x")), "max_length must be"),
        "stride_too_big": (lambda d: _edit_config(d, lambda c: c.update(stride=10**6)), "stride must be"),
        "aliases_a_list": (lambda d: _edit_config(d, lambda c: c.update(aliases=[1])), "aliases must be a JSON object"),
        "fewshot_a_list": (lambda d: _edit_config(d, lambda c: c.update(fewshot=[1])), "fewshot must be a JSON object"),
        "auto_map": (lambda d: _edit_config(d, lambda c: c.update(auto_map={"AutoModel": "x.Y"})), "remote code (auto_map)"),
        "tokenizer_garbage": (lambda d: _put(d / "tokenizer.json", "garbage{"), "tokenizer.json is not valid JSON"),
        "tokenizer_not_a_tokenizer": (lambda d: _put(d / "tokenizer.json", "{}"), "is not a tokenizer file"),
        "tokenizer_deleted": (lambda d: (d / "tokenizer.json").unlink(), "is missing tokenizer.json"),
        "tokenizer_config_garbage": (lambda d: _put(d / "tokenizer_config.json", "garbage{"), "cannot load the tokenizer"),
        "generation_not_json": (lambda d: _put(d / "generation_config.json", "{"), "generation_config.json is not valid JSON"),
        "generation_null": (lambda d: _put(d / "generation_config.json", "null"), "generation_config.json must hold a JSON object"),
        "summary_vocab_garbage": (lambda d: _put(d / "summary_vocab.json", "{garbage"), "summary_vocab.json is not valid JSON"),
    }

    def nan_weights(d: Path) -> None:
        from safetensors.torch import load_file, save_file

        tensors = load_file(model / "model.safetensors")
        name = sorted(k for k, t in tensors.items() if t.is_floating_point())[0]
        tensors[name] = tensors[name].clone()
        tensors[name].view(-1)[0] = float("nan")
        (d / "model.safetensors").unlink()
        save_file(tensors, d / "model.safetensors", metadata={"format": "pt"})

    cases["weights_nan"] = (nan_weights, "holds NaN or infinite weights")
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (damage, message) in cases.items():
        _copy_dir(model, folder / name)
        damage(folder / name)
        out[name] = message
    return out

"""The engine seam under inference (issue 16 item 4): `newsdesk.engines.base` below both engines and
`newsdesk.inference`; LocalEngine and RayEngine with the same `.label(chunks, progress)`; the Ray
driver checks the model directory without loading the weights."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from newsdesk.engines import ROW_KEYS, FatalError, LocalEngine, RayEngine, chunks, make_engine
from newsdesk.engines import ray as ray_engine
from newsdesk.ingest import Article
from newsdesk.predictor import ModelDirError, Predictor

PACKAGE = Path(__file__).resolve().parent.parent / "newsdesk"


def _newsdesk_imports(path: Path) -> set[str]:
    """Every newsdesk module a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newsdesk"):
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("newsdesk")}
    return found


def test_base_is_below_the_engines_and_the_run():
    above = {"newsdesk.inference", "newsdesk.distributed", "newsdesk.engines.local", "newsdesk.engines.ray", "newsdesk.cli"}
    assert not _newsdesk_imports(PACKAGE / "engines" / "base.py") & above
    for engine in ("local.py", "ray.py"):
        assert not _newsdesk_imports(PACKAGE / "engines" / engine) & {"newsdesk.inference", "newsdesk.distributed"}


def test_engines_have_the_same_label_signature():
    local = inspect.signature(LocalEngine.label).parameters
    ray = inspect.signature(RayEngine.label).parameters
    assert list(local) == ["self", "chunks", "progress"] and list(ray) == ["self", "chunks", "progress"]
    assert local["progress"].default is None and ray["progress"].default is None


def test_chunks():
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]] and list(chunks([], 3)) == []


def test_unknown_engine_is_fatal(tiny_model):
    with pytest.raises(FatalError, match="--engine must be local or ray"):
        make_engine("spark", tiny_model)


def test_local_engine_labels_chunk_by_chunk(tiny_predictor):
    arts = [Article("a", "a.txt", "Rebels seized the town of Goma on Monday.", None),
            Article("b", "b.txt", None, None, [], "empty: no article text after cleaning"),
            Article("c", "c.txt", "Troops advanced toward the border.", None)]
    engine = LocalEngine(tiny_predictor, batch_size=2, summary=False)
    out = list(engine.label([arts[:2], arts[2:]]))
    assert [[r["id"] for r in rows] for rows in out] == [["a", "b"], ["c"]]
    assert all(tuple(r) == ROW_KEYS for rows in out for r in rows)
    assert out[0][1]["error"].startswith("empty") and out[0][1]["warnings"] == ["empty"]


def test_ray_driver_checks_the_model_dir_without_loading_it(tiny_model, tmp_path, monkeypatch):
    """Before: the driver ran Predictor.load (the whole model) just to validate the directory."""
    monkeypatch.setattr(ray_engine, "_import_ray", lambda: object())  # no Ray needed: nothing starts here

    def no_load(*args, **kwargs):
        raise AssertionError("the Ray driver loaded the model")

    monkeypatch.setattr(Predictor, "load", no_load)
    engine = RayEngine(tiny_model, workers=2, device="cpu", dtype="fp32", load_options={"generation": {"num_beams": 2}})
    assert engine.model_dir == str(Path(tiny_model).resolve())
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in Path(tiny_model).iterdir():
        (broken / f.name).symlink_to(f)
    (broken / "model.safetensors").unlink()
    (broken / "model.safetensors").write_bytes((Path(tiny_model) / "model.safetensors").read_bytes()[:1000])
    with pytest.raises(ModelDirError, match="model.safetensors"):
        RayEngine(broken, workers=2)
    with pytest.raises(ValueError, match="unknown generation setting"):
        RayEngine(tiny_model, load_options={"generation": {"beams": 2}})
    with pytest.raises(FatalError, match="pass the model directory"):
        RayEngine(Predictor.__new__(Predictor))

"""Shared by the bench scripts that refit one part of a trained model in place (fit_actor_naming,
fit_place_regions, fit_truecase)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def rewrite_config(model_dir: str | Path, key: str, value: Any) -> Path:
    """Set `key` of the model directory's config.json to `value`, leaving every other key as it is; the
    file is replaced atomically (written next to it, then renamed). Returns its path."""
    path = Path(model_dir) / "config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg[key] = value
    tmp = path.with_name("config.json.tmp")
    tmp.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path

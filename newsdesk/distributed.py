"""Moved: the Ray engine is `newsdesk.engines.ray` (kept here so `from newsdesk.distributed import RayEngine` works)."""

from newsdesk.engines.ray import CHUNK_ARTICLES, Labeler, RayEngine

__all__ = ["CHUNK_ARTICLES", "Labeler", "RayEngine"]

"""Process defaults (newsdesk.env): offline hub, and glibc's allocator settings for long inference runs."""

import os
import platform

import pytest

from newsdesk import env

glibc = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not glibc, reason="mallopt's M_MMAP_THRESHOLD is a glibc setting")
def test_allocator_defaults_fix_the_mmap_threshold_unless_the_user_set_it(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert env.allocator_defaults() is True
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert env.allocator_defaults() is False  # the user's value (read by glibc at start) wins


def test_infer_applies_the_allocator_defaults(tiny_model, tmp_path, monkeypatch):
    """infer.py's memory crept from 1.0 to 3.2 GB over 10,487 articles with glibc's dynamic threshold."""
    from newsdesk import cli

    calls = []
    monkeypatch.setattr(cli, "allocator_defaults", lambda: calls.append(1) or True)
    article = tmp_path / "a.txt"
    article.write_text("Rebels seized the town of Kidal on Monday after clashes with the army, officials said.",
                       encoding="utf-8")
    assert cli.infer_main([str(tiny_model), str(article), "--out", str(tmp_path / "o.jsonl"), "--no-summary"]) == 0
    assert calls == [1]


def test_offline_defaults_keep_a_users_setting(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    env.offline_defaults()
    assert os.environ["HF_HUB_OFFLINE"] == "0"

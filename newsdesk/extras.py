"""Optional dependencies (pip extras): imported where they are used, with a message that names the
extra to install when they are missing.

    nx = require("networkx", "TextRank")   # -> the module, or MissingExtra: pip install 'newsdesk[eval]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRA_OF = {"matplotlib": "eval", "networkx": "eval"}  # top-level module -> the extra of pyproject.toml that installs it


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra installs it."""


def require(module: str, purpose: str) -> ModuleType:
    """Import `module` (e.g. "matplotlib.figure") for `purpose`, or raise MissingExtra."""
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRA_OF.get(top, "eval")
        raise MissingExtra(f"{purpose} needs {top}, which is not installed: pip install 'newsdesk[{extra}]' "
                           f"(in a checkout: pip install -e '.[{extra}]')") from exc

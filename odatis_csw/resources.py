"""Locate the project's data folders (``schemas/``, ``mappings/``) in a checkout or a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` from the source checkout, else from the installed wheel."""
    for candidate in (_PACKAGE_DIR.parent / name, _PACKAGE_DIR / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"resource folder {name!r} not found beside {_PACKAGE_DIR}")


def samples_dir() -> Path:
    """Folder of the bundled sample records used by ``odatis-csw demo``."""
    return _PACKAGE_DIR / "samples"

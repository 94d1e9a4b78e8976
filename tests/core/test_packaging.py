"""Packaging metadata that installs without warnings."""

from __future__ import annotations

import tomllib
from pathlib import Path


def test_license_is_an_spdx_expression():
    """A ``{text = ...}`` table makes every ``pip install`` warn that it is deprecated."""
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())

    assert pyproject["project"]["license"] == "MIT"
    assert "setuptools>=77" in pyproject["build-system"]["requires"]

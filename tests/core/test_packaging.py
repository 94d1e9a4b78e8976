"""Packaging metadata that installs without warnings."""

from __future__ import annotations

import tomllib
from pathlib import Path


def test_license_is_an_spdx_expression():
    """A ``{text = ...}`` table makes every ``pip install`` warn that it is deprecated."""
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())

    assert pyproject["project"]["license"] == "MIT"
    assert "setuptools>=77" in pyproject["build-system"]["requires"]


def test_fakeredis_is_the_embedded_extra_not_a_runtime_dependency():
    """Production with a Redis server installs no fake Redis; ``make run`` (and dev) do."""
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]

    assert not [d for d in project["dependencies"] if d.startswith("fakeredis")]
    assert [d for d in project["optional-dependencies"]["embedded"] if d.startswith("fakeredis")]
    assert "linli[embedded]" in project["optional-dependencies"]["dev"]
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "pip install --quiet -e '.[embedded,dev]'" in makefile


def test_rq_is_new_enough_for_cron_strings():
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]

    assert "rq>=2.5" in project["dependencies"]

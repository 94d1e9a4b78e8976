"""The sections of a disclosure board, as data: ``sections.toml`` or the city's own file.

Which sections a board has, who publishes each and how often it must be published again
follow the disclosure duties of the city's rules, so they are read from a TOML file
(``backend/board/sections.toml``; a city sets ``BOARD_SECTIONS_FILE`` to its own) and
never written in code.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass

from flask import current_app

from backend.core.enums import LabeledEnum

DEFAULT_FILE = os.path.join(os.path.dirname(__file__), "sections.toml")
#: sections other features fill (``Feature.board_sources``): their codes are fixed
GENERATED_CODES = (
    "fee_standards",
    "vote_results",
    "evaluations",
    "fund_uses",
    "equipment",
    "survey_results",
)
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


class Publisher(LabeledEnum):
    """Who publishes a section."""

    company = "company", "物业服务企业"
    committee = "committee", "业主委员会"
    street = "street", "街道办事处"


@dataclass(frozen=True)
class Freshness:
    """A freshness duty: publish again within ``days`` (0: only when it changes)."""

    code: str
    label: str
    days: int


@dataclass(frozen=True)
class Section:
    """One section of the board and its duty."""

    code: str
    name: str
    duty: str
    publisher: Publisher
    freshness: Freshness
    public: bool = True
    generated: bool = False
    required: bool = True

    @property
    def publisher_label(self) -> str:
        return self.publisher.label


class SectionsError(ValueError):
    """The sections file is malformed (named with the reason)."""


def parse(text: str, source: str = "sections") -> tuple[Section, ...]:
    """The sections described by TOML ``text``; :class:`SectionsError` if it is malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SectionsError(f"{source}: {exc}") from exc
    duties = {}
    for code, spec in (data.get("freshness") or {}).items():
        days = spec.get("days")
        if not isinstance(days, int) or days < 0 or not spec.get("label"):
            raise SectionsError(f"{source}: freshness {code!r} needs a label and days ≥ 0")
        duties[code] = Freshness(code, str(spec["label"]), days)
    sections: list[Section] = []
    for spec in data.get("section") or []:
        code = spec.get("code", "")
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise SectionsError(f"{source}: bad section code {code!r}")
        if any(s.code == code for s in sections):
            raise SectionsError(f"{source}: section {code!r} is listed twice")
        if spec.get("freshness") not in duties:
            raise SectionsError(f"{source}: section {code!r} has an unknown freshness")
        try:
            publisher = Publisher(spec.get("publisher"))
        except ValueError as exc:
            raise SectionsError(f"{source}: section {code!r} has an unknown publisher") from exc
        if not spec.get("name") or not spec.get("duty"):
            raise SectionsError(f"{source}: section {code!r} needs a name and a duty")
        generated = bool(spec.get("generated", False))
        if generated and code not in GENERATED_CODES:
            raise SectionsError(f"{source}: only {GENERATED_CODES} can be generated")
        sections.append(
            Section(
                code=code,
                name=str(spec["name"]),
                duty=str(spec["duty"]),
                publisher=publisher,
                freshness=duties[spec["freshness"]],
                public=bool(spec.get("public", True)),
                generated=generated,
                required=bool(spec.get("required", True)),
            )
        )
    if not sections:
        raise SectionsError(f"{source}: no sections")
    return tuple(sections)


@functools.cache
def _load(path: str) -> tuple[Section, ...]:
    with open(path, encoding="utf-8") as file:
        return parse(file.read(), path)


def sections() -> tuple[Section, ...]:
    """The board's sections, in the order the board shows them."""
    return _load(current_app.config.get("BOARD_SECTIONS_FILE") or DEFAULT_FILE)


def section(code: str) -> Section | None:
    """The section ``code``, or ``None`` if the board has no such section."""
    return next((s for s in sections() if s.code == code), None)

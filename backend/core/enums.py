"""Enumerations whose members carry the Chinese label people see."""

from __future__ import annotations

import enum


class LabeledEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label: ``owner = "owner", "业主"``.

    The value (English) is what the database, the API and the code hold; ``label`` is what
    the panel, the audit log and messages show.
    """

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) of every member, in order: the options of a form's select."""
        return [(member.value, member.label) for member in cls]

"""Every enumeration people see carries its Chinese label through one base class."""

from __future__ import annotations

import enum
import re

from backend.accounts.models import ResidencyRole
from backend.core.enums import LabeledEnum


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_enums_with_labels_derive_from_one_base_class(app):
    """No enumeration hand-writes a ``label`` of its own any more."""
    ours = [cls for cls in _subclasses(enum.Enum) if cls.__module__.startswith("backend.")]

    hand_written = [
        cls.__qualname__ for cls in ours if "label" in vars(cls) and cls is not LabeledEnum
    ]

    assert hand_written == []
    assert len([cls for cls in ours if issubclass(cls, LabeledEnum)]) >= 10


def test_every_member_has_a_chinese_label(app):
    members = [member for cls in _subclasses(LabeledEnum) for member in cls]

    assert [m for m in members if not re.search(r"[\u4e00-\u9fff]", m.label)] == []


def test_a_labeled_enum_is_its_value_and_lists_its_choices():
    assert ResidencyRole("tenant") is ResidencyRole.tenant
    assert ResidencyRole.tenant == "tenant"
    assert ResidencyRole.tenant.label == "租户"
    assert ResidencyRole.choices() == [("owner", "业主"), ("family", "家属"), ("tenant", "租户")]

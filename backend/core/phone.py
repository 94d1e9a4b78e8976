"""Mainland mobile numbers, as people type them and as the owner registry keeps them."""

from __future__ import annotations

import re

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(phone: str) -> str:
    """``"+86 138-0000-0001"`` → ``"13800000001"``: the form the registry match compares."""
    return re.sub(r"[\s\-]", "", phone or "").removeprefix("+86")


def is_mobile(phone: str) -> bool:
    """Whether a normalised number is an 11-digit mainland mobile number."""
    return bool(MOBILE_RE.match(phone))

"""What the supervision services share: checked text and the estates in an officer's view."""

from __future__ import annotations

from backend.core.errors import Invalid
from backend.core.text import TextRefused, clean_text

NOT_FOUND = "未找到该记录，或不在您的管辖范围内"


def text(
    value: str | None,
    field: str,
    label: str,
    *,
    max_length: int | None = None,
    multiline: bool = False,
    required: bool = True,
) -> str:
    """``value`` stripped and checked (``backend.core.text``); :class:`Invalid` on ``field``
    when it is refused or missing."""
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"请填写{label}", {field: ["必填项"]})
    try:
        return clean_text(value, max_length=max_length, multiline=multiline)
    except TextRefused as exc:
        raise Invalid(f"{label}{exc.message}", {field: [exc.message]}) from exc

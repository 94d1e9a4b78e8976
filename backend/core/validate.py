"""The API's validators: marshmallow's, with their messages in Chinese at the source.

Use them as marshmallow's (``validate.Length(max=20)`` answers ``"最多 20 个字符"``); a
schema field may still pass its own ``error=`` where a more specific message helps.
Field-type messages (``"必填项"``, ``"应为整数"``) are set by ``backend.core.api.Schema``.
"""

from __future__ import annotations

from marshmallow import validate

from backend.core import text


class Length(validate.Length):
    """A text's length in characters: ``"最多 20 个字符"``."""

    message_min = text.TOO_SHORT
    message_max = text.TOO_LONG
    message_all = text.LENGTH_BETWEEN
    message_equal = text.LENGTH_EXACT


class Range(validate.Range):
    """A number's range: ``"不能小于 1"``, ``"应在 1 到 100 之间"``."""

    message_min = "{min_op} {{min}}"
    message_max = "{max_op} {{max}}"
    message_all = "应在 {{min}} 到 {{max}} 之间"
    message_gte = "不能小于"
    message_gt = "应大于"
    message_lte = "不能大于"
    message_lt = "应小于"


class OneOf(validate.OneOf):
    """One of a fixed set of values (the values themselves are codes, not shown)."""

    default_message = "取值不在允许范围内"


class NoneOf(validate.NoneOf):
    default_message = "取值无效"


class Equal(validate.Equal):
    default_message = "取值无效"


class Regexp(validate.Regexp):
    default_message = "格式不正确"


class Email(validate.Email):
    default_message = "邮箱格式不正确"


#: marshmallow's stock validators and the Chinese ones that take their place
CHINESE = {
    validate.Length: Length,
    validate.Range: Range,
    validate.OneOf: OneOf,
    validate.NoneOf: NoneOf,
    validate.Equal: Equal,
    validate.Regexp: Regexp,
    validate.Email: Email,
}

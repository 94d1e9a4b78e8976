"""The project's flask-smorest subclasses: one home for the error format and schema policy."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import render_template, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest import Page
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from backend.core.errors import DomainError
from backend.extensions import db

#: Chinese texts for the HTTP errors people may meet
HTTP_MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "未找到该资源",
    405: "不支持该请求方法",
    409: "与当前状态冲突",
    410: "已失效",
    413: "上传的内容过大",
    415: "不支持的内容类型",
    422: "提交的内容有误，请检查后重试",
    429: "操作过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    502: "上游服务暂时不可用，请稍后再试",
}

#: marshmallow's default English messages, in Chinese
FIELD_MESSAGES = {
    "Missing data for required field.": "必填项",
    "Unknown field.": "不支持的字段",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为是或否",
    "Not a valid date.": "日期格式不正确，应为 YYYY-MM-DD",
    "Not a valid datetime.": "时间格式不正确，应为 ISO 8601",
    "Invalid input type.": "格式不正确",
    "Invalid value.": "取值无效",
    "Not a valid list.": "应为列表",
    "Invalid input.": "格式不正确",
    "Invalid JSON body.": "请求体不是有效的 JSON",
    "Not a valid email address.": "邮箱格式不正确",
}


def _translate(errors):
    if isinstance(errors, dict):
        return {k: _translate(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [_translate(v) for v in errors]
    if isinstance(errors, str):
        if errors in FIELD_MESSAGES:
            return FIELD_MESSAGES[errors]
        if errors.startswith("Must be one of:"):
            return "取值不在允许范围内"
        if errors.startswith("Length must be"):
            return "长度不符合要求"
        if errors.startswith("Must be greater") or errors.startswith("Must be less"):
            return "数值超出允许范围"
    return errors


def error_payload(code: int, message: str | None = None, errors: dict | None = None) -> dict:
    """The JSON body of every API error: ``{code, status, message, errors}``."""
    from werkzeug.http import HTTP_STATUS_CODES

    return {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message or HTTP_MESSAGES.get(code, "请求失败"),
        "errors": errors or {},
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a positive id that fits the database's integer column.

    Anything else (0, or an id too large for PostgreSQL or SQLite) is simply not found,
    instead of reaching the database and failing there.
    """

    def __init__(self, map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


#: the largest id a request body may name (PostgreSQL's integer)
MAX_ID = 2**31 - 1


class Api(_Api):
    """Linli's Api: every error in the design's format, messages in Chinese."""

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, self.handle_domain_error)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        message = data.get("message") or HTTP_MESSAGES.get(error.code, error.name)
        errors = _translate(_by_field(data.get("errors") or data.get("messages") or {}))
        headers = dict(data.get("headers") or {})
        for key, value in error.get_headers():
            if key.lower() not in {"content-type", "content-length"}:
                headers.setdefault(key, value)
        return self._error_response(error.code, message, errors, headers)

    def handle_domain_error(self, error: DomainError):
        return self._error_response(error.status, error.message, error.errors, {})

    @staticmethod
    def _error_response(code: int, message: str, errors: dict, headers: dict):
        if not wants_json():
            return render_template("error.html", code=code, message=message), code, headers
        return error_payload(code, message, errors), code, headers


#: where webargs found the faulty input; the error body names fields, not locations
_LOCATIONS = {"json", "query", "form", "files", "headers", "path", "cookies"}


def _by_field(errors: dict) -> dict:
    """``{"json": {"code": [...]}}`` → ``{"code": [...]}``; other shapes are kept."""
    if errors and set(errors) <= _LOCATIONS and all(isinstance(v, dict) for v in errors.values()):
        return {field: msgs for loc in errors.values() for field, msgs in loc.items()}
    return errors


class Blueprint(_Blueprint):
    """Linli's Blueprint: the one place for policy shared by every API blueprint (none yet
    beyond flask-smorest's; the error format lives in :class:`Api`)."""


class Schema(ma.Schema):
    """Base schema: unknown fields are refused, never silently dropped."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class SelectPage(Page):
    """Paginate a SQLAlchemy select in the database (count and slice), not in Python."""

    @property
    def item_count(self):
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery())
        )

    @property
    def items(self):
        params = self.page_params
        if params.first_item >= params.item_count:
            # past the end (also keeps absurd ?page= values away from the database)
            return []
        return list(
            db.session.scalars(self.collection.offset(params.first_item).limit(params.page_size))
        )

"""The project's flask-smorest subclasses: one home for the error format and schema policy."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import marshmallow as ma
import sqlalchemy as sa
from flask import render_template, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest import Page
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from backend.core import validate
from backend.core.errors import DomainError, Invalid
from backend.core.text import TextRefused, clean_text
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
    414: "请求地址过长",
    415: "不支持的内容类型",
    422: "提交的内容有误，请检查后重试",
    429: "操作过于频繁，请稍后再试",
    431: "请求头过大",
    500: "服务器内部错误，请稍后再试",
    502: "上游服务暂时不可用，请稍后再试",
}


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


def check_request_text() -> None:
    """Refuse a request whose path, query or form holds text no database can take.

    Runs before every view (``before_request``): NUL bytes, other control characters
    (line breaks and tabs allowed) and lone surrogates in a path segment answer 404 (there
    is no such thing), in a panel query or form field 422, instead of a 500 from
    PostgreSQL. JSON bodies and the API's query strings are checked by :class:`Schema`
    after sign-in, so a request without a token still gets 401 first.
    """
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and _refused(value):
            raise NotFound()
    if wants_json():
        return
    errors = {}
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if _refused(key):
                errors.setdefault("", []).append(_refused(key))
            elif _refused(value):
                errors.setdefault(key, []).append(_refused(value))
    if errors:
        raise Invalid("提交的内容含有无法处理的字符", errors)


def _refused(value: str) -> str | None:
    try:
        clean_text(value, multiline=True)
    except TextRefused as exc:
        return exc.message
    return None


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a positive id that fits the database's integer column.

    Anything else (0, or an id too large for PostgreSQL or SQLite) is simply not found,
    instead of reaching the database and failing there.
    """

    def __init__(self, map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


#: the largest id a request body may name (PostgreSQL's integer)
MAX_ID = 2**31 - 1


def _decimal_as_string(converter, field, ret, **kwargs) -> dict:
    """A Decimal sent as a string (money rates, areas) is documented as the string it is;
    apispec would call it a number."""
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


class Api(_Api):
    """Linli's Api: every error in the design's format, messages in Chinese.

    No catch-all ``default`` response is documented: each operation lists the error
    statuses it can answer (:meth:`Blueprint.errors`), so the document says what the API
    really does (the fuzz test in ``tests/security`` holds it to that).
    """

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(_decimal_as_string)

    def register_blueprint(self, blp: Blueprint, *, parameters=None, **options):
        """Register ``blp`` and document its operations under its Chinese tag (``blp.tag``).

        flask-smorest names the tag after the blueprint (``accounts``); the name stays the
        blueprint's (endpoints, ``url_for``), only the documentation says it in Chinese.
        """
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
        self.spec.tag({"name": blp.doc_tag, "description": blp.description})

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, self.handle_domain_error)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        message = data.get("message") or HTTP_MESSAGES.get(error.code, error.name)
        errors = _by_field(data.get("errors") or data.get("messages") or {})
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


#: field-type messages in Chinese, set on every field at the source (marshmallow's are English)
FIELD_MESSAGES = {
    "required": "必填项",
    "null": "不能为空",
    "validator_failed": "取值无效",
    "type": "格式不正确",
    "too_large": "数值过大",
    "special": "不能是 NaN 或无穷大",
    "invalid_utf8": "含有无效的字符编码",
    "invalid_awareness": "时间须带时区",
}
#: what "invalid" says, by field type (the first match in the field class's MRO)
INVALID_MESSAGES = {
    ma.fields.Email: "邮箱格式不正确",
    ma.fields.Url: "网址格式不正确",
    ma.fields.String: "应为文本",
    ma.fields.Integer: "应为整数",
    ma.fields.Number: "应为数字",
    ma.fields.Boolean: "应为是或否",
    ma.fields.DateTime: "时间格式不正确，应为 ISO 8601",
    ma.fields.Date: "日期格式不正确，应为 YYYY-MM-DD",
    ma.fields.Time: "时间格式不正确，应为 HH:MM",
    ma.fields.TimeDelta: "时长格式不正确",
    ma.fields.List: "应为列表",
    ma.fields.Tuple: "应为列表",
    ma.fields.Mapping: "应为对象",
    ma.fields.UUID: "格式不正确",
}


def _invalid_message(field: ma.fields.Field) -> str:
    for cls in type(field).__mro__:
        if cls in INVALID_MESSAGES:
            return INVALID_MESSAGES[cls]
    return "格式不正确"


def _chinese_validator(validator):
    """A stock marshmallow validator without its own ``error=`` → the Chinese one."""
    chinese = validate.CHINESE.get(type(validator))
    if chinese is None or validator.error:
        return validator
    if chinese is validate.Length:
        return chinese(min=validator.min, max=validator.max, equal=validator.equal)
    if chinese is validate.Range:
        return chinese(
            min=validator.min,
            max=validator.max,
            min_inclusive=validator.min_inclusive,
            max_inclusive=validator.max_inclusive,
        )
    if chinese is validate.OneOf:
        return chinese(validator.choices, labels=validator.labels)
    if chinese is validate.NoneOf:
        return chinese(validator.iterable)
    if chinese is validate.Equal:
        return chinese(validator.comparable)
    if chinese is validate.Regexp:
        return chinese(validator.regex)
    return chinese()


def _clean_string(multiline: bool):
    def check(value: str) -> None:
        try:
            clean_text(value, multiline=multiline)
        except TextRefused as exc:
            raise ma.ValidationError(exc.message) from None

    return check


def localize_field(field: ma.fields.Field) -> None:
    """Give ``field`` Chinese messages and validators, and clean it if it holds text.

    Text is checked by :func:`backend.core.text.clean_text` (no control characters, lone
    surrogates or direction overrides; ``metadata={"multiline": True}`` allows line breaks).
    """
    messages = {key: FIELD_MESSAGES.get(key, "格式不正确") for key in field.error_messages}
    if "invalid" in messages:
        messages["invalid"] = _invalid_message(field)
    field.error_messages = messages
    field.validators = [_chinese_validator(v) for v in field.validators]
    if isinstance(field, ma.fields.String):
        field.validators.append(_clean_string(bool(field.metadata.get("multiline"))))
    inner = getattr(field, "inner", None)
    if isinstance(inner, ma.fields.Field):
        localize_field(inner)


#: what the schema itself may say (a body that is not an object, a field it does not know)
SCHEMA_MESSAGES = {"type": "格式不正确", "unknown": "不支持的字段"}


class Schema(ma.Schema):
    """Base schema: unknown fields are refused, never silently dropped; every message is
    Chinese, and every string is cleaned (:func:`localize_field`)."""

    error_messages = SCHEMA_MESSAGES

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        localize_field(field_obj)

    @ma.pre_load
    def refuse_unstorable_names(self, data, **kwargs):
        """Field names are text too: a NUL or a lone surrogate in a key, or in the value of
        a field a schema lets through undeclared (``unknown = INCLUDE``), is refused."""
        if not isinstance(data, Mapping):
            return data
        for key in data:
            problem = _refused(key) if isinstance(key, str) else None
            if problem is None and key not in self.load_fields:
                value = data[key]
                problem = _refused(value) if isinstance(value, str) else None
            if problem:
                raise ma.ValidationError(problem, "_schema")
        return data


class Parser(FlaskParser):
    """webargs' parser for the API: JSON errors in Chinese, even JSON too deeply nested to
    parse, and schemas that are not ours (flask-smorest's pagination) localised too."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # Python's parser gives up around 1,000 levels: a client error, not ours
            raise json.JSONDecodeError("nested too deeply", "[", 0) from None

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, exc=error, messages={"json": ["请求体不是有效的 JSON"]})

    def _get_schema(self, argmap, req):
        schema = super()._get_schema(argmap, req)
        if not isinstance(schema, Schema):
            schema.error_messages = {**schema.error_messages, **SCHEMA_MESSAGES}
            for field in schema.fields.values():
                localize_field(field)
        return schema


class Blueprint(_Blueprint):
    """Linli's Blueprint: the one place for policy shared by every API blueprint (the
    argument parser; the error format lives in :class:`Api`)."""

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()

    def __init__(self, name: str, import_name: str, *args, tag: str | None = None, **kwargs):
        super().__init__(name, import_name, *args, **kwargs)
        #: what the API documentation calls this group of operations, in Chinese
        self.tag = tag

    @property
    def doc_tag(self) -> str:
        """The tag its operations are listed under: ``tag``, else the blueprint's name."""
        return self.tag or self.name

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, tags=None, **options):
        """As flask-smorest's, with the operations tagged ``doc_tag`` unless ``tags`` says."""
        if tags is None:
            tags = [self.doc_tag]
        super().add_url_rule(rule, endpoint, view_func, *args, tags=tags, **options)

    def errors(self, *codes: int):
        """Document the error statuses a view may answer, each with the error body
        ``{code, status, message, errors}`` (422 is documented by ``arguments`` already)."""

        def decorator(func):
            for code in codes:
                func = self.alt_response(
                    code, schema="Error", description=HTTP_MESSAGES.get(code, "请求失败")
                )(func)
            return func

        return decorator

    def _document_pagination_metadata(self, spec, resp_doc):
        # the header carries the metadata as JSON text, which OpenAPI 3 says with ``content``
        # (flask-smorest's default declares an object ``schema``, which a client would read
        # as comma-separated key,value pairs)
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "分页信息（JSON）：total、total_pages、page、first_page、last_page…",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}
            },
        }


@dataclass(frozen=True)
class PageOf:
    """What a paginated view returns when a page of rows needs more than the rows: the
    ``select`` to count and slice, and ``view``, called once with the page's rows, which
    returns what is serialised (so related data is looked up for the page at once, not
    per row)."""

    select: sa.Select
    view: Callable[[list], list]


class SelectPage(Page):
    """Paginate a SQLAlchemy select in the database (count and slice), not in Python.

    The view returns the select, or a :class:`PageOf` to turn the page's rows into views.
    The first page is read before it is counted: when it is not full it holds every row,
    so its length is the total and the count is never sent (most residents' lists).
    """

    def __init__(self, collection, page_params):
        self.collection = collection
        self.page_params = page_params
        self._rows = None
        if page_params.first_item == 0:
            self._rows = self._slice()
            if len(self._rows) < page_params.page_size:
                page_params.item_count = len(self._rows)
                return
        page_params.item_count = self.item_count

    @property
    def _select(self) -> sa.Select:
        return self.collection.select if isinstance(self.collection, PageOf) else self.collection

    def _slice(self) -> list:
        params = self.page_params
        return list(
            db.session.scalars(self._select.offset(params.first_item).limit(params.page_size))
        )

    @property
    def item_count(self):
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(self._select.order_by(None).subquery())
        )

    @property
    def items(self):
        params = self.page_params
        if self._rows is not None:
            rows = self._rows
        elif params.first_item >= params.item_count:
            # past the end (also keeps absurd ?page= values away from the database)
            return []
        else:
            rows = self._slice()
        return self.collection.view(rows) if isinstance(self.collection, PageOf) else rows

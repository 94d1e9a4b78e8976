"""What every screen shares: pagination, htmx detection and (for screens not yet on
``admin.forms``) hand-parsed form fields."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination, SelectPagination

from backend.core.api import MAX_ID
from backend.core.errors import Invalid
from backend.extensions import db

PER_PAGE = 20
MAX_PER_PAGE = 100
#: no list has this many pages; a larger ?page= would overflow the database's offset
MAX_PAGE = 100_000


def paginate(stmt: sa.Select, per_page: int = PER_PAGE) -> Pagination:
    """One page of ``stmt`` (``?page=``), counted and sliced in the database."""
    return db.paginate(
        stmt,
        page=min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )


class RowPagination(SelectPagination):
    """Pagination of a select of several columns (a report's rows, not entities)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select))


def paginate_rows(stmt: sa.Select, per_page: int = PER_PAGE) -> Pagination:
    """One page of a many-column ``stmt`` (``?page=``), counted and sliced in the database."""
    return RowPagination(
        select=stmt,
        session=db.session(),
        page=min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )


def count(stmt: sa.Select) -> int:
    """How many rows ``stmt`` returns."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))


def page_url(page: int) -> str:
    """The current page's URL with ``?page=`` set and the other query arguments kept."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def is_htmx() -> bool:
    """Whether htmx sent the request (it then wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def form_int(name: str) -> int | None:
    """An optional integer form field (an id chosen in a select)."""
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    # isdigit() alone takes "²" and "٣", which int() then refuses
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
        raise Invalid("提交的选项无效，请重新选择", {name: ["取值无效"]})
    return int(value)


def form_date(name: str) -> date | None:
    """An optional date form field (``YYYY-MM-DD``, as a date input sends it)."""
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("日期格式不正确，应为 YYYY-MM-DD", {name: ["日期格式不正确"]}) from None


#: the page sizes a list offers (``?per_page=``); the first is the default
PAGE_SIZES = (PER_PAGE, 50, MAX_PER_PAGE)


def per_page() -> int:
    """The page size chosen with ``?per_page=`` (one of :data:`PAGE_SIZES`)."""
    size = request.args.get("per_page", PER_PAGE, type=int)
    return size if size in PAGE_SIZES else PER_PAGE


def safe_back(default: str) -> str:
    """Where a form asks to go back to (its ``next`` field: a page of this panel, never
    another site), else ``default``."""
    from admin.auth import _safe_next

    return _safe_next(request.form.get("next")) or default


def attachment(name: str, fallback: str = "download") -> str:
    """A Content-Disposition for a download named ``name`` (Chinese allowed): an ASCII
    ``filename`` for old clients and the real name as RFC 5987 ``filename*``."""
    from urllib.parse import quote

    ascii_name = name if name.isascii() else f"{fallback}.{name.rsplit('.', 1)[-1]}"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def send_download(stream, name: str, mimetype: str, fallback: str = "download"):
    """``stream`` as a download named ``name`` (see :func:`attachment`): the ASCII name
    for old clients is ``fallback`` with the same extension (``bills.xlsx``)."""
    from flask import send_file

    response = send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = attachment(name, fallback)
    return response

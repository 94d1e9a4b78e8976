"""What every screen shares: pagination, lists (sort, page size, filters: :class:`ListSpec`),
htmx detection and (for screens not yet on ``admin.forms``) hand-parsed form fields."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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


# --- lists: sortable columns, page size, the filter bar --------------------------------------

#: what a sort key orders by: one column expression, several, or a function of the direction
#: (``descending``) giving them (for keys whose nulls or ties need care)
SortBy = sa.ColumnElement | tuple | Callable[[bool], Sequence]


@dataclass
class ListSpec:
    """One list screen's sorting, page sizes and filters, declared once and applied to the
    service's query by :meth:`page`::

        BILLS = ListSpec(sorts=services.BILL_SORTS, default="-period", filters=("estate_id", …))

    The request's ``?sort=``, ``?dir=`` (``asc``/``desc``) and ``?per_page=`` are read
    safely: an unknown key, direction or size is the default, never an error. ``sorts`` maps
    a key to what it orders by (:data:`SortBy`, from the feature's services: views build no
    queries); ``default`` is a key, ``-key`` for descending. ``filters`` names the query
    arguments of the filter bar (kept by the sort links, cleared by 重置)."""

    sorts: Mapping[str, SortBy]
    default: str
    filters: tuple[str, ...] = ()
    sizes: tuple[int, ...] = PAGE_SIZES
    #: the last ordering, so that equal keys page stably (the entity's id)
    tiebreak: Sequence[sa.ColumnElement] = field(default=())

    def __post_init__(self):
        assert self.default.lstrip("-") in self.sorts, self.default
        assert all(0 < size <= MAX_PER_PAGE for size in self.sizes), self.sizes

    def chosen(self) -> tuple[str, bool]:
        """The sort key and whether descending, from ``?sort=`` and ``?dir=``."""
        key = request.args.get("sort", "")
        if key not in self.sorts:
            return self.default.lstrip("-"), self.default.startswith("-")
        default_dir = "desc" if self.default == f"-{key}" else "asc"
        return key, (request.args.get("dir") or default_dir) == "desc"

    def per_page(self) -> int:
        """The page size from ``?per_page=`` (one of :attr:`sizes`, else the first)."""
        size = request.args.get("per_page", self.sizes[0], type=int)
        return size if size in self.sizes else self.sizes[0]

    def order(self, stmt: sa.Select, key: str, descending: bool) -> sa.Select:
        """``stmt`` ordered by ``key`` (any order it had is replaced)."""
        by = self.sorts[key]
        if inspect.isfunction(by):  # it gives the columns, each with its direction
            columns = list(by(descending))
        else:
            columns = list(by) if isinstance(by, (list, tuple)) else [by]
            columns = [c.desc() if descending else c.asc() for c in columns]
        tiebreak = [c.desc() if descending else c.asc() for c in self.tiebreak]
        return stmt.order_by(None).order_by(*columns, *tiebreak)

    def page(self, stmt: sa.Select, *, rows: bool = False) -> Listing:
        """One page of ``stmt`` sorted as asked, counted in the database (``rows``: a
        select of several columns, as :func:`paginate_rows`)."""
        key, descending = self.chosen()
        ordered = self.order(stmt, key, descending)
        size = self.per_page()
        pages = paginate_rows(ordered, size) if rows else paginate(ordered, size)
        return Listing(self, pages, key, descending)


@dataclass(frozen=True)
class Listing:
    """A page of a list and how it was asked for: what the list macros of ``_macros.html``
    (``sort_header``, ``filter_bar``, ``list_meta``) render."""

    spec: ListSpec
    page: Pagination
    sort: str
    descending: bool

    @property
    def items(self) -> list:
        return self.page.items

    @property
    def total(self) -> int:
        return self.page.total

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.spec.sizes

    @property
    def filtered(self) -> bool:
        """Whether a filter of the bar is set (the empty state then says so)."""
        return any(request.args.get(name) for name in self.spec.filters)

    def sort_url(self, key: str) -> str:
        """The list sorted by ``key`` (the other direction if it is the current key; the
        key's own first direction otherwise), filters and page size kept, first page."""
        if key == self.sort:
            direction = "asc" if self.descending else "desc"
        else:
            direction = "desc" if self.spec.default == f"-{key}" else "asc"
        return list_url(sort=key, dir=direction, page=None)

    def reset_url(self) -> str:
        """The list without the filter bar's filters (sort and page size kept)."""
        return list_url(**dict.fromkeys(self.spec.filters), page=None)

    def hidden_args(self) -> dict[str, str]:
        """What the filter bar's form carries along that it has no field for."""
        keep = ("sort", "dir", "per_page")
        return {k: v for k, v in request.args.items() if k in keep and v}


def list_url(**changes) -> str:
    """The current page's URL with ``changes`` made to its query (``None`` removes one)."""
    args = request.args.to_dict()
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# --- a filter bar's arguments, read safely (a value not offered is no filter, never an error) --


def arg_id(name: str) -> int | None:
    """An id chosen in a filter (``?estate_id=``); anything else is no filter."""
    value = (request.args.get(name) or "").strip()
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID:
        return int(value)
    return None


def arg_enum(name: str, enum_cls):
    """A member of ``enum_cls`` chosen by its value (``?status=unpaid``), else ``None``."""
    value = request.args.get(name) or ""
    return enum_cls(value) if value in {member.value for member in enum_cls} else None


def arg_day(name: str) -> date | None:
    """A day (``YYYY-MM-DD``, as a date input sends it), else ``None``."""
    try:
        return date.fromisoformat((request.args.get(name) or "").strip()[:10])
    except ValueError:
        return None


def arg_text(name: str, limit: int = 40) -> str:
    """A search box's words, trimmed to ``limit`` characters."""
    return " ".join((request.args.get(name) or "").split())[:limit]

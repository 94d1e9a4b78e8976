"""Disclosure boards in the panel: an estate's board, writing a post with a sanitised
preview (attachments, money statement, must-read), correcting and withdrawing with a
reason, the version history, the compliance overview and the read statistics of must-read
posts, and the estate's QR poster for the paper board."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, request, url_for
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import BAD_CHOICE, Form, YuanField, _DateField, _strip, yuan_value
from admin.page import ListSpec, arg_day, arg_id, arg_text
from backend.accounts.models import Staff
from backend.authz import scope
from backend.board import panel, services, views
from backend.board.models import Post
from backend.board.public import poster_response
from backend.board.sections import sections
from backend.board.services import Content
from backend.core.api import MAX_ID
from backend.core.db import commit, rollback
from backend.core.errors import DomainError, Invalid, NotFound
from backend.core.text import CleanText
from backend.media.api import release_transaction
from backend.media.services import PhotoRefused

#: the statement's optional totals: when given they must match the lines
TOTALS = ("total_income", "total_expense", "closing_balance")


class PostForm(Form):
    """A post being written (a new one or a correction)."""

    estate_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID, message=BAD_CHOICE)])
    section = StringField(validators=[CleanText(40)], filters=[_strip])
    title = StringField(
        validators=[DataRequired("请填写标题"), CleanText(120, min_length=2)], filters=[_strip]
    )
    body = TextAreaField(validators=[CleanText(50_000, multiline=True)], default="")
    must_read = BooleanField()
    effective_from = _DateField(validators=[Optional()])
    effective_until = _DateField(validators=[Optional()])
    reason = StringField(validators=[CleanText(500)], filters=[_strip], default="")
    statement_title = StringField(validators=[CleanText(120)], filters=[_strip], default="")
    service_phone = StringField(validators=[CleanText(20)], filters=[_strip], default="")
    opening_balance = YuanField(signed=True)
    total_income = YuanField()
    total_expense = YuanField()
    closing_balance = YuanField(signed=True)


class ReasonForm(Form):
    reason = StringField(
        validators=[DataRequired("请填写原因"), CleanText(500, min_length=2)], filters=[_strip]
    )


class RedactForm(ReasonForm):
    """Removing a version's content: a reason and an explicit confirmation (irreversible)."""

    confirm = StringField(
        validators=[
            DataRequired("请勾选确认：删除后无法恢复"),
            AnyOf(["y"], message="请勾选确认：删除后无法恢复"),
        ]
    )


def _arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID else None


def _statement_rows() -> list[dict]:
    """The statement table's rows as typed (blank rows dropped)."""
    rows = zip(
        request.form.getlist("line_item"),
        request.form.getlist("line_income"),
        request.form.getlist("line_expense"),
        strict=False,
    )
    return [
        {"item": item.strip(), "income": income.strip(), "expense": expense.strip()}
        for item, income, expense in rows
        if item.strip() or income.strip() or expense.strip()
    ][:200]


def _statement(form: PostForm, rows: list[dict]) -> dict | None:
    """The money statement the form describes (in fen), or ``None`` when it has none."""
    if not rows:
        if form.opening_balance.data is not None or any(
            getattr(form, t).data is not None for t in TOTALS
        ):
            raise Invalid("收支明细至少填写一行", {"statement": ["请填写收支明细"]})
        return None
    statement: dict = {
        "title": form.statement_title.data or "",
        "opening_balance_fen": form.opening_balance.data or 0,
        "lines": [
            {
                "item": row["item"],
                "income_fen": yuan_value(row["income"] or "0", f"line_{number}"),
                "expense_fen": yuan_value(row["expense"] or "0", f"line_{number}"),
            }
            for number, row in enumerate(rows, start=1)
        ],
    }
    for name in TOTALS:
        value = getattr(form, name).data
        if value is not None:
            statement[f"{name}_fen"] = value
    return statement


def _ids(name: str) -> list[int]:
    values = request.form.getlist(name)
    ids = [int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID]
    return list(dict.fromkeys(ids))


def _uploaded_files() -> list[tuple[bytes, str]]:
    """The chosen files' bytes and names, each refused (413) above the upload limit."""
    config = current_app.config
    limit = max(config["PHOTO_MAX_BYTES"], config["DOCUMENT_MAX_BYTES"])
    uploads = [u for u in request.files.getlist("files") if u.filename]
    if len(uploads) > services.MAX_ATTACHMENTS:
        raise Invalid(f"附件最多 {services.MAX_ATTACHMENTS} 个", {"files": ["附件过多"]})
    files = []
    for upload in uploads:
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise PhotoRefused(f"附件不能超过 {limit // (1024 * 1024)} MB", 413)
        files.append((data, upload.filename))
    return files


def _files(staff) -> tuple[list[int], list[int]]:
    """Files kept from before (their ids in the form) and the ones chosen now, stored.

    New files are stored before the post is checked, so that a preview or a refused
    attempt keeps them: the form lists them and sends their ids again.
    """
    photo_ids, document_ids = _ids("photo_ids"), _ids("document_ids")
    files = _uploaded_files()
    if not files:
        return photo_ids, document_ids
    staff_id = staff.id
    # the photo pipeline is CPU-heavy: no transaction stays open meanwhile
    release_transaction()
    new_photos, new_documents = panel.upload_files(staff_id, files)
    # kept even if the post is then refused; never attached, they are cleaned up later
    commit()
    return photo_ids + new_photos, document_ids + new_documents


def _content(form: PostForm, rows: list[dict], photo_ids, document_ids) -> Content:
    data = form.checked()
    return Content(
        title=data["title"] or "",
        body=data["body"] or "",
        statement=_statement(form, rows),
        effective_from=data["effective_from"],
        effective_until=data["effective_until"],
        photo_ids=tuple(photo_ids),
        document_ids=tuple(document_ids),
        service_phone=data["service_phone"] or "",
    )


def _render_form(
    *,
    form: PostForm,
    rows: list[dict],
    photo_ids: list[int],
    document_ids: list[int],
    post=None,
    preview=None,
    error: str | None = None,
    errors: dict | None = None,
    status: int = 200,
):
    staff = current_staff()
    padding = max(panel.STATEMENT_ROWS - len(rows), 2)
    return (
        render_template(
            "admin/board/compose.html",
            form=form,
            post=post,
            rows=rows + [{"item": "", "income": "", "expense": ""}] * padding,
            estates=services.estates_for(staff),
            sections=services.sections_for(staff),
            files=panel.file_views(staff, photo_ids, document_ids),
            preview=preview,
            error=error,
            errors=errors or {},
        ),
        status,
    )


def _submit(
    write: Callable[[Staff, PostForm, Content], Post],
    done: Callable[[Post], str],
    post_id: int | None = None,
):
    """A post form sent: shown again with its preview, or written by ``write`` and the post
    shown; a refusal shows the form again with its message and status (out of scope stays
    "not found"). ``post_id``: the post being corrected."""
    staff = current_staff()
    form = PostForm()
    rows = _statement_rows()
    photo_ids, document_ids = _ids("photo_ids"), _ids("document_ids")

    def again(**kwargs):
        post = services.staff_post(current_staff(), post_id) if post_id else None
        return _render_form(
            form=form,
            rows=rows,
            photo_ids=photo_ids,
            document_ids=document_ids,
            post=post,
            **kwargs,
        )

    try:
        action = request.form.get("action", "preview")
        if action not in ("preview", "publish"):
            raise Invalid(BAD_CHOICE, {"action": ["取值无效"]})
        photo_ids, document_ids = _files(staff)
        staff = current_staff()
        content = _content(form, rows, photo_ids, document_ids)
        if action == "preview":
            return again(preview=panel.preview(content.body, content.statement))
        post = write(staff, form, content)
    except DomainError as exc:
        if exc.status == 404:
            raise
        rollback()
        return again(error=exc.message, errors=exc.errors, status=exc.status)
    flash(done(post), "success")
    return redirect(url_for("admin.board_post", post_id=post.id))


# --- the board ----------------------------------------------------------------------------


@blueprint.get("/board")
@login_required
@permission_required("board.read")
def board():
    """信息公示栏：选择小区，按栏目查看现行公示、撤回记录与公示状态。"""
    staff = current_staff()
    estates = services.estates_for(staff)
    estate_id = _arg_int("estate_id") or (estates[0].id if estates else None)
    estate = panel.staff_estate(staff, estate_id) if estate_id else None
    return render_template(
        "admin/board/board.html",
        estates=estates,
        estate=estate,
        board=panel.estate_board(staff, estate) if estate else [],
    )


POSTS = ListSpec(
    sorts=panel.POST_SORTS,
    default="-published",
    filters=("estate_id", "section", "state", "from", "to", "q"),
    tiebreak=(Post.id,),
)
POST_SORT_LABELS = {"published": "发布时间", "estate": "小区", "section": "栏目"}


@blueprint.get("/board/posts")
@login_required
@permission_required("board.read")
def board_posts():
    """全部公示：管辖范围内各小区、各栏目的公示一览，可按小区、栏目、状态、发布日期与标题筛选。"""
    staff = current_staff()
    estate_id = arg_id("estate_id")
    if estate_id is None and request.args.get("estate_id"):
        raise NotFound("未找到该小区")  # not an id at all, as the register answers
    if estate_id is not None:
        panel.staff_estate(staff, estate_id)  # another's estate: 404
    section_code = request.args.get("section", "")
    state = request.args.get("state", "")
    f = panel.PostFilter(
        estate_id=estate_id,
        section=section_code if any(s.code == section_code for s in sections()) else None,
        state=state if state in panel.POST_STATES else "",
        published_from=arg_day("from"),
        published_to=arg_day("to"),
        q=arg_text("q"),
    )
    return render_template(
        "admin/board/posts.html",
        listing=POSTS.page(panel.posts_query(staff, f)),
        sort_labels=POST_SORT_LABELS,
        filters=f,
        estates=services.estates_for(staff),
        sections=sections(),
        section_names={s.code: s.name for s in sections()},
        states=panel.POST_STATES,
    )


@blueprint.get("/board/<int:estate_id>/poster.png", defaults={"fmt": "png"})
@blueprint.get("/board/<int:estate_id>/poster.pdf", defaults={"fmt": "pdf"})
@login_required
@permission_required("board.read")
def board_poster(estate_id: int, fmt: str):
    """下载小区公示栏二维码海报（A4，PNG 或 PDF）。"""
    return poster_response(panel.staff_estate(current_staff(), estate_id), fmt)


# --- writing ------------------------------------------------------------------------------


@blueprint.route("/board/compose", methods=["GET", "POST"])
@login_required
@permission_required("board.publish")
def board_compose():
    """发布公示：填写标题、正文、收支明细、附件与有效期，预览后发布。"""
    if request.method == "GET":
        form = PostForm(
            formdata=None,
            data={"estate_id": _arg_int("estate_id"), "section": request.args.get("section", "")},
        )
        return _render_form(form=form, rows=[], photo_ids=[], document_ids=[])
    return _submit(
        lambda staff, form, content: services.publish(
            staff,
            form.estate_id.data or 0,
            form.section.data or "",
            content,
            must_read=bool(form.must_read.data),
        ),
        lambda post: f"已发布：{post.current.title}",
    )


@blueprint.get("/board/posts/<int:post_id>")
@login_required
@permission_required("board.read")
def board_post(post_id: int):
    """一条公示：现行版本、全部历史版本与更正原因、撤回记录；必读公示的业主已读比例。"""
    return _post_page(post_id)


def _post_page(post_id: int, error: str | None = None, status: int = 200):
    staff = current_staff()
    post = services.staff_post(staff, post_id)
    writable = any(s.code == post.section for s in services.sections_for(staff))
    return (
        render_template(
            "admin/board/post.html",
            post=post,
            view=views.jsonable(views.post_view(post, versions=True)),
            share=services.read_share(post) if post.must_read else None,
            writable=writable and not post.withdrawn,
            can_redact=scope.can(staff, "board.redact"),
            redactions={v.number: v.redaction for v in post.versions if v.redaction},
            error=error,
        ),
        status,
    )


@blueprint.route("/board/posts/<int:post_id>/correct", methods=["GET", "POST"])
@login_required
@permission_required("board.publish")
def board_correct(post_id: int):
    """更正公示：发布新版本并写明原因；此前的版本仍可查看。"""
    staff = current_staff()
    post = services.staff_post(staff, post_id)
    panel.require_writable(staff, post)
    if request.method == "GET":
        current = post.current
        statement = current.statement or {}
        form = PostForm(
            formdata=None,
            data={
                "title": current.title,
                "body": current.body_html,
                "effective_from": current.effective_from,
                "effective_until": current.effective_until,
                "statement_title": statement.get("title", ""),
                # a YuanField holds fen
                "opening_balance": statement.get("opening_balance_fen"),
                "service_phone": current.service_phone,
            },
        )
        rows = [
            {
                "item": line["item"],
                "income": _yuan_text(line["income_fen"]),
                "expense": _yuan_text(line["expense_fen"]),
            }
            for line in statement.get("lines", [])
        ]
        photo_ids, document_ids = panel.version_files(post)
        return _render_form(
            form=form, rows=rows, photo_ids=photo_ids, document_ids=document_ids, post=post
        )
    return _submit(
        lambda staff, form, content: services.correct(
            staff, post_id, content, form.reason.data or ""
        ),
        lambda post: f"已发布更正（第 {post.version_count} 版）",
        post_id=post_id,
    )


def _yuan_text(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@blueprint.post("/board/posts/<int:post_id>/withdraw")
@login_required
@permission_required("board.publish")
def board_withdraw(post_id: int):
    """撤回公示（须写明原因）；撤回记录与全部版本仍保留、可查。"""
    try:
        reason = ReasonForm().checked()["reason"]
        services.withdraw(current_staff(), post_id, reason)
    except DomainError as exc:
        if exc.status == 404:
            raise
        rollback()
        return _post_page(post_id, error=exc.message, status=exc.status)
    flash("已撤回该公示", "success")
    return redirect(url_for("admin.board_post", post_id=post_id))


@blueprint.post("/board/posts/<int:post_id>/versions/<int:number>/redact")
@login_required
@permission_required("board.redact")
def board_redact(post_id: int, number: int):
    """删除某一版本中误发的个人信息（须写明原因并确认）：该版本的文字和附件对所有人删除，
    公示页显示“已删除”及时间；删除记录（何人、何时、何故）永久保留并记入操作日志。"""
    try:
        reason = RedactForm().checked()["reason"]
        services.redact(current_staff(), post_id, number, reason)
    except DomainError as exc:
        if exc.status == 404:
            raise
        rollback()
        return _post_page(post_id, error=exc.message, status=exc.status)
    flash(f"已删除第 {number} 版的内容", "success")
    return redirect(url_for("admin.board_post", post_id=post_id))


# --- oversight ----------------------------------------------------------------------------


def _street_arg() -> int | None:
    """``?street_id=``: the boards of one street (the bureau's home links each street's
    figure here); anything not an id is ignored."""
    value = request.args.get("street_id", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@blueprint.get("/board/compliance")
@login_required
@permission_required("board.read")
def board_compliance():
    """公示合规：各小区缺少或逾期未更新的栏目（街道可看辖区全部小区，按逾期程度排序）。"""
    order = request.args.get("order", "overdue")
    if order not in ("overdue", "missing", "name"):
        order = "overdue"
    return render_template(
        "admin/board/compliance.html",
        boards=panel.compliance_rows(current_staff(), order, _street_arg()),
        order=order,
    )


@blueprint.get("/board/reads")
@login_required
@permission_required("board.read")
def board_reads():
    """必读公示的阅读情况：已读业主（按人数）占全部业主的比例。"""
    staff = current_staff()
    estate_id = _arg_int("estate_id")
    if estate_id:
        panel.staff_estate(staff, estate_id)
    return render_template(
        "admin/board/reads.html",
        rows=panel.must_read_stats(staff, estate_id),
        estates=services.estates_for(staff),
        estate_id=estate_id,
    )

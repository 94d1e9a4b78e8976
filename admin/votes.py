"""Owners' votes in the panel, for the owners' committee and the street office that guides
the owners' assembly: motions of an estate, drafting and announcing one, live participation
against the 2/3 bars, paper and proxy ballots with their scans, corrections of the frozen
electorate, closing and publishing, the tally with every figure, the published file and the
anonymous ballot list as Excel. Phone width; every rule is in
``backend.votes`` (``motions``, ``ballots``, ``publication``)."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from wtforms import (
    BooleanField,
    IntegerField,
    MultipleFileField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.forms import BAD_CHOICE, Form, LocalDateTimeField, SearchForm, refused
from admin.page import ListSpec, arg_enum, arg_text, attachment, is_htmx, paginate
from backend.core.api import MAX_ID
from backend.core.db import rollback
from backend.core.errors import Conflict, DomainError, Invalid, NotFound
from backend.core.text import CleanText
from backend.core.time import to_local, utcnow
from backend.media import services as media
from backend.media.api import read_uploaded_files, release_transaction
from backend.votes import ballots, motions, panel, publication, services
from backend.votes.models import (
    ITEM_LABELS,
    Candidate,
    Channel,
    Choice,
    Motion,
    MotionKind,
    MotionState,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: what each state change is called on its button and in the message after it
ACTIONS = {
    "announce": "发布公告",
    "open": "开始投票",
    "close": "截止投票并计票",
    "publish": "公布结果",
}
#: seconds between two refreshes of the live participation while voting is open
POLL_SECONDS = 5
CHANNEL_REFUSED = "请选择纸质票或委托投票"
CHOICE_REFUSED = "请选择同意、反对或弃权"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MotionForm(Form):
    """A motion's draft. Text fields are checked one by one (the body and the candidates
    may hold line breaks)."""

    clean_text = False

    estate_id = IntegerField(
        validators=[DataRequired("请选择小区"), NumberRange(1, MAX_ID, message=BAD_CHOICE)]
    )
    item = IntegerField(
        validators=[
            DataRequired("请选择事项类别"),
            NumberRange(1, 9, message="事项须为《民法典》第二百七十八条第（一）至（九）项"),
        ]
    )
    kind = StringField(
        validators=[AnyOf([k.value for k in MotionKind], message=BAD_CHOICE)],
        default=MotionKind.ordinary.value,
    )
    title = StringField(
        validators=[DataRequired("请填写表决事项"), CleanText(Motion.title)], filters=[_strip]
    )
    body = TextAreaField(validators=[CleanText(5000, multiline=True)], filters=[_strip])
    extraordinary = BooleanField()
    seats = IntegerField(validators=[Optional(), NumberRange(1, services.MAX_SEATS)])
    candidates = TextAreaField(
        validators=[CleanText(services.MAX_CANDIDATES * 61, multiline=True)], filters=[_strip]
    )
    opens_at = LocalDateTimeField(validators=[DataRequired("请填写投票开始时间")])
    closes_at = LocalDateTimeField(validators=[DataRequired("请填写投票截止时间")])
    documents = MultipleFileField()

    def candidate_names(self) -> list[str]:
        """One candidate per line, blank lines dropped."""
        names = [line.strip() for line in (self.candidates.data or "").splitlines()]
        names = [name for name in names if name]
        too_long = [name for name in names if len(name) > Candidate.name.type.length]
        if too_long:
            raise Invalid("候选人姓名过长", {"candidates": ["姓名过长"]})
        return names


class BallotForm(Form):
    """A paper or proxy ballot: the voter's unit (by id from the electorate, or building and
    number), the channel, what the ballot says and the scan of what was signed."""

    unit_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID, message=BAD_CHOICE)])
    building_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID, message=BAD_CHOICE)])
    number = StringField(validators=[CleanText(40)], filters=[_strip])
    channel = StringField(
        validators=[AnyOf([Channel.paper.value, Channel.proxy.value], message=CHANNEL_REFUSED)]
    )
    choice = StringField(validators=[Optional(), AnyOf(list(Choice), message=CHOICE_REFUSED)])
    proxy_name = StringField(validators=[CleanText(60)], filters=[_strip])


class CorrectionForm(Form):
    """A correction of a unit's frozen area, with its reason."""

    unit_id = IntegerField(
        validators=[DataRequired("请选择房屋"), NumberRange(1, MAX_ID, message=BAD_CHOICE)]
    )
    area = StringField(
        validators=[DataRequired("请填写更正后的面积"), CleanText(20)], filters=[_strip]
    )
    reason = StringField(
        validators=[DataRequired("请填写更正原因"), CleanText(200)], filters=[_strip]
    )


# --- the list and the draft ----------------------------------------------------------------


def _arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


MOTIONS = ListSpec(
    sorts=services.MOTION_SORTS,
    default="-created",
    filters=("estate_id", "state", "q"),
    tiebreak=(Motion.id,),
)
MOTION_SORT_LABELS = {
    "created": "起草时间",
    "title": "事项",
    "item": "类别",
    "state": "状态",
    "opens": "投票时间",
    "ballots": "已投票",
}


@blueprint.get("/votes")
@login_required
@permission_required("vote.read")
def votes():
    """业主表决：管辖范围内各小区的表决事项（按小区、状态、标题筛选，按列排序）。"""
    staff = current_staff()
    estate_id = _arg_int("estate_id")
    state = arg_enum("state", MotionState)
    stmt = services.staff_motions(staff, estate_id, state, arg_text("q"))
    return render_template(
        "admin/votes/list.html",
        listing=MOTIONS.page(stmt),
        sort_labels=MOTION_SORT_LABELS,
        estates=panel.estates_for(staff),
        estate_id=estate_id,
        states=list(MotionState),
        state=state,
    )


def _new_page(form: MotionForm | None = None, errors: dict | None = None, status: int = 200):
    staff = current_staff()
    return (
        render_template(
            "admin/votes/new.html",
            form=form or MotionForm(formdata=None),
            errors=errors or {},
            estates=panel.estates_for(staff, "vote.manage"),
            items=ITEM_LABELS,
            kinds=list(MotionKind),
            estate_id=_arg_int("estate_id"),
        ),
        status,
    )


@blueprint.get("/votes/new")
@login_required
@permission_required("vote.manage")
def motion_new():
    """起草表决事项：事项类别（《民法典》第二百七十八条）、内容、附件、选举的候选人与名额、投票时间。"""
    return _new_page()


@blueprint.post("/votes/new")
@login_required
@permission_required("vote.manage")
def motion_create():
    """保存表决事项草稿（发布公告前可核对）。"""
    form = MotionForm()
    try:
        data = form.checked()
        candidates = form.candidate_names() if data["kind"] == MotionKind.election else []
        files = read_uploaded_files("documents")
        photo_ids = []
        if files:
            staff_id = current_staff().id
            release_transaction()
            photo_ids = [media.upload_photo(b, staff_id=staff_id).id for b in files]
        motion = motions.create_motion(
            current_staff(),
            data["estate_id"],
            item=data["item"],
            title=data["title"],
            body=data["body"] or "",
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            kind=MotionKind(data["kind"] or MotionKind.ordinary),
            extraordinary=bool(data["extraordinary"]),
            seats=data["seats"] if data["kind"] == MotionKind.election else None,
            candidates=candidates,
            document_photo_ids=photo_ids,
        )
    except DomainError as exc:
        return _new_page(form, exc.errors, refused(exc))
    flash(f"已保存草稿：{motion.title}。核对后请发布公告。", "success")
    return redirect(url_for("admin.motion", motion_id=motion.id))


def _draft_form(motion: Motion) -> MotionForm:
    """The edit form of a draft, filled with what it says (times as Beijing wall clock)."""
    return MotionForm(
        formdata=None,
        data={
            "estate_id": motion.estate_id,
            "item": motion.item,
            "kind": motion.kind.value,
            "title": motion.title,
            "body": motion.body,
            "extraordinary": motion.extraordinary,
            "seats": motion.seats,
            "candidates": "\n".join(c.name for c in motion.candidates),
            "opens_at": to_local(motion.opens_at),
            "closes_at": to_local(motion.closes_at),
        },
    )


def _edit_page(motion: Motion, form: MotionForm, errors: dict | None = None, status: int = 200):
    staff = current_staff()
    return (
        render_template(
            "admin/votes/new.html",
            motion=motion,
            form=form,
            errors=errors or {},
            estates=panel.estates_for(staff, "vote.manage"),
            items=ITEM_LABELS,
            kinds=list(MotionKind),
            estate_id=motion.estate_id,
        ),
        status,
    )


def _editable_draft(motion_id: int) -> Motion:
    motion = services.staff_motion(current_staff(), motion_id, "vote.manage")
    if motion.state != MotionState.draft:
        raise Conflict("只有草稿可以修改或删除；已公告的事项不能再改")
    return motion


@blueprint.get("/votes/<int:motion_id>/edit")
@login_required
@permission_required("vote.manage")
def motion_edit(motion_id: int):
    """修改表决事项草稿：事项类别、内容、投票时间与会议类型（候选人与附件按起草时）。"""
    motion = _editable_draft(motion_id)
    return _edit_page(motion, _draft_form(motion))


@blueprint.post("/votes/<int:motion_id>/edit")
@login_required
@permission_required("vote.manage")
def motion_update(motion_id: int):
    """保存草稿的修改。"""
    staff = current_staff()
    motion = _editable_draft(motion_id)
    form = MotionForm()
    # the estate, the kind and the candidates stay as drafted (the form shows them fixed)
    form.estate_id.data = motion.estate_id
    try:
        data = form.checked()
        motions.update_draft(
            staff,
            motion,
            item=data["item"],
            title=data["title"],
            body=data["body"] or "",
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            extraordinary=bool(data["extraordinary"]),
        )
    except DomainError as exc:
        status = refused(exc)
        return _edit_page(services.staff_motion(staff, motion_id), form, exc.errors, status)
    flash(f"已保存草稿：{motion.title}", "success")
    return redirect(url_for("admin.motion", motion_id=motion.id))


@blueprint.post("/votes/<int:motion_id>/delete")
@login_required
@permission_required("vote.manage")
def motion_delete(motion_id: int):
    """删除表决事项草稿（已公告的事项不能删除）。"""
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id, "vote.manage")
    title = motion.title
    try:
        motions.delete_draft(staff, motion)
    except DomainError as exc:
        return _motion_page(motion_id, exc.errors, refused(exc))
    flash(f"已删除草稿：{title}", "success")
    return redirect(url_for("admin.votes"))


# --- one motion ----------------------------------------------------------------------------


def _motion_page(motion_id: int, errors: dict | None = None, status: int = 200, form=None):
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id)
    frozen = motion.state != MotionState.draft
    entered = panel.entered_ballots(staff, motion) if frozen else []
    return (
        render_template(
            "admin/votes/motion.html",
            motion=motion,
            notice_ends_at=motions.notice_ends_at(motion),
            live=panel.participation_bars(motion) if frozen else None,
            poll=POLL_SECONDS if motion.state == MotionState.open else None,
            figures=panel.result_figures(motion),
            corrections=panel.corrections(motion) if frozen else [],
            entered=entered,
            entered_by=panel.staff_names({b.staff_id for b in entered if b.staff_id}),
            buildings=panel.buildings_of(motion) if motion.state == MotionState.open else [],
            photo_view=media.photo_view,
            choice_text=lambda choice: panel.choice_text(motion, choice),
            ratio_percent=panel.ratio_percent,
            ratio_reading=panel.ratio_reading,
            failed_conditions=panel.FAILED_CONDITIONS,
            threshold_labels=panel.THRESHOLD_LABELS,
            actions=_actions(motion),
            channels=[Channel.paper, Channel.proxy],
            choices=list(Choice),
            errors=errors or {},
            form=form or {},
            now=utcnow(),
        ),
        status,
    )


def _actions(motion: Motion) -> list[str]:
    """The state changes the motion's state allows (the service still decides)."""
    return {
        MotionState.draft: ["announce"],
        MotionState.announced: ["open"],
        MotionState.open: ["close"],
        MotionState.closed: ["publish"],
    }.get(motion.state, [])


@blueprint.get("/votes/<int:motion_id>")
@login_required
@permission_required("vote.read")
def motion(motion_id: int):
    """表决事项：公告期、投票时间、实时参与情况（面积与人数对照三分之二）、纸质票与委托票、计票结果。"""
    return _motion_page(motion_id)[0]


@blueprint.get("/votes/<int:motion_id>/participation")
@login_required
@permission_required("vote.read")
def motion_participation(motion_id: int):
    """实时参与情况（页面每隔几秒刷新这一块）。"""
    motion = services.staff_motion(current_staff(), motion_id)
    if motion.state == MotionState.draft:
        raise NotFound("表决事项尚未公告，没有参与情况")
    template = "admin/votes/_participation.html"
    if not is_htmx():
        template = "admin/votes/participation.html"
    return render_template(
        template,
        motion=motion,
        live=panel.participation_bars(motion),
        poll=POLL_SECONDS if motion.state == MotionState.open else None,
    )


@blueprint.post("/votes/<int:motion_id>/<string(maxlength=40):action>")
@login_required
@permission_required("vote.manage")
def motion_action(motion_id: int, action: str):
    """发布公告、开始投票、截止投票并计票、公布结果。"""
    if action not in ACTIONS:
        raise NotFound("不支持的操作")
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id, "vote.manage")
    try:
        if action == "announce":
            motions.announce(staff, motion)
        elif action == "open":
            motions.open_voting(staff, motion)
        elif action == "close":
            motions.close_voting(staff, motion)
        else:
            publication.publish(staff, motion)
    except DomainError as exc:
        return _motion_page(motion_id, exc.errors, refused(exc))
    flash(f"{motion.title}：已{ACTIONS[action]}", "success")
    return redirect(url_for("admin.motion", motion_id=motion_id))


@blueprint.post("/votes/<int:motion_id>/ballots")
@login_required
@permission_required("vote.enter_ballot")
def motion_ballot(motion_id: int):
    """录入纸质表决票或委托投票，须上传签字表决票或授权委托书的扫描件。"""
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id)
    form = BallotForm()
    shown = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        data = form.checked()
        unit_id = data["unit_id"] or panel.unit_of_motion(
            motion, data["building_id"], data["number"] or ""
        )
        candidates = [
            int(v) for v in request.form.getlist("candidates") if v.isdigit() and len(v) < 4
        ]
        files = read_uploaded_files("scan")
        if len(files) != 1:
            raise Invalid("请上传一份签字表决票或授权委托书的扫描件", {"scan": ["请上传扫描件"]})
        staff_id = staff.id
        release_transaction()
        scan = media.upload_photo(files[0], staff_id=staff_id)
        staff = current_staff()
        motion = services.staff_motion(staff, motion_id)
        ballot = ballots.enter_ballot(
            staff,
            motion,
            unit_id,
            channel=Channel(data["channel"]),
            scan_photo_id=scan.id,
            choice=None if motion.is_election else (data["choice"] or None),
            candidates=candidates if motion.is_election else None,
            proxy_name=data["proxy_name"] or "",
        )
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
        return _motion_page(motion_id, exc.errors, 404 if exc.status == 404 else exc.status, shown)
    flash(f"已录入{ballot.channel.label}，回执码 {ballot.receipt}", "success")
    return redirect(url_for("admin.motion", motion_id=motion_id) + "#entered-ballots")


# --- the electorate ------------------------------------------------------------------------


def _electorate_page(motion_id: int, errors: dict | None = None, status: int = 200):
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id)
    if motion.state == MotionState.draft:
        raise NotFound("表决事项尚未公告，表决人名册在公告时确定")
    search = SearchForm()
    q = search.q.data if search.validate() else ""
    page = paginate(panel.electorate_query(motion, q))
    return (
        render_template(
            "admin/votes/electorate.html",
            motion=motion,
            page=page,
            q=q,
            voted=panel.voted_voter_ids(motion, [v.id for v in page.items]),
            corrections=panel.corrections(motion),
            errors=errors or {},
            can_correct=motion.state in (MotionState.announced, MotionState.open),
            can_enter=motion.state == MotionState.open,
        ),
        status,
    )


@blueprint.get("/votes/<int:motion_id>/electorate")
@login_required
@permission_required("vote.read")
def motion_electorate(motion_id: int):
    """表决人名册（公告时冻结）：每位表决人的房屋、面积、业主，是否已投票；更正记录。"""
    return _electorate_page(motion_id)[0]


@blueprint.post("/votes/<int:motion_id>/electorate")
@login_required
@permission_required("vote.correct")
def motion_correct(motion_id: int):
    """更正表决人名册中某套房屋的面积（须写明原因，随结果公布）。"""
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id)
    try:
        data = CorrectionForm().checked()
        motions.correct_electorate(
            staff, motion, data["unit_id"], area=data["area"], reason=data["reason"]
        )
    except DomainError as exc:
        if exc.status == 404 and "名册" not in exc.message:
            raise
        rollback()
        flash(exc.message, "error")
        return _electorate_page(motion_id, exc.errors, exc.status)
    flash("已更正表决人名册，更正记录将随结果公布", "success")
    return redirect(url_for("admin.motion_electorate", motion_id=motion_id))


# --- downloads -----------------------------------------------------------------------------


@blueprint.get("/votes/<int:motion_id>/result.json")
@login_required
@permission_required("vote.read")
def motion_result_json(motion_id: int):
    """下载已公布的完整结果文件（含每张票的面积，可用 python -m backend.votes.recount
    复核）；每次查阅记入操作日志。"""
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id)
    document = publication.oversight_document(staff, motion)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": attachment(
                panel.export_name(motion, utcnow(), "json"), "motion"
            ),
            "Cache-Control": "private, no-store",
        },
    )


@blueprint.get("/votes/<int:motion_id>/ballots.xlsx")
@login_required
@permission_required("vote.read")
def motion_ballots_xlsx(motion_id: int):
    """导出匿名选票清单（Excel：回执码、选择、面积、人数、哈希链；不含姓名与房号）。"""
    staff = current_staff()
    motion = services.staff_motion(staff, motion_id)
    if motion.state not in (MotionState.closed, MotionState.published):
        raise Conflict("投票截止后才能导出选票清单")
    publication.open_ballot_list(staff, motion)
    return send_file(
        panel.ballots_xlsx(motion),
        mimetype=XLSX,
        as_attachment=True,
        download_name=panel.export_name(motion, utcnow(), "xlsx"),
    )

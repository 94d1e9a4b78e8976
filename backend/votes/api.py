"""Resident API of owners' votes: motions of my estates, casting my ballot, my receipt,
published results and their ballot lists, and checking a receipt against the list."""

from __future__ import annotations

import json

from flask import Response

from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.core.api import Blueprint, PageOf, SelectPage
from backend.core.errors import NotFound
from backend.core.time import utcnow
from backend.extensions import configured_limit, limiter
from backend.media.services import photo_view
from backend.votes import ballots, motions, publication, services, tally
from backend.votes.models import Choice, MotionState
from backend.votes.schemas import (
    BallotCastSchema,
    MotionDetailSchema,
    MotionSchema,
    MyBallotSchema,
    ReceiptCheckSchema,
    ReceiptQuerySchema,
    ResultSchema,
)
from backend.votes.tally import ELECTION_PREFIX

blp = Blueprint(
    "votes",
    __name__,
    tag="业主表决",
    description="业主共同决定事项：公告、投票、回执、结果公布与核对（《民法典》第二百七十八条）",
)


def ballot_view(ballot, resident) -> dict:
    """A ballot as an owner of its voter sees it."""
    election = ballot.choice.startswith(ELECTION_PREFIX)
    return {
        "receipt": ballot.receipt,
        "position": ballot.seq,
        "choice": None if election else ballot.choice,
        "choice_label": "选举票" if election else Choice(ballot.choice).label,
        "candidates": sorted(publication.election_choices(ballot.choice)) if election else None,
        "channel": ballot.channel.value,
        "channel_label": ballot.channel.label,
        "area": tally.area_text(ballot.area),
        "heads": ballot.heads,
        "cast_at": ballot.cast_at,
        "hash": ballot.hash,
        "mine": ballot.resident_id == resident.id,
    }


def result_view(motion) -> dict | None:
    """The published result without its ballot list (that is the download)."""
    if motion.state != MotionState.published or motion.published is None:
        return None
    document = motion.published
    return {
        "motion": document["motion"],
        "tally": document["tally"],
        "total_area": document["total_area"],
        "total_heads": document["total_heads"],
        "chain_head": document["chain_head"],
        "ballot_count": len(document["ballots"]),
        "corrections": document["corrections"],
        "published_at": document.get("published_at"),
        "summary": publication.result_summary(motion),
    }


def motion_row(motion, resident, ballot, has_voter: bool) -> dict:
    """A motion in a resident's list: ``ballot`` is their voter's (or None) and
    ``has_voter`` whether they hold a voter of it (see ``ballots.resident_votes``)."""
    now = utcnow()
    can_vote = (
        ballot is None
        and motion.state == MotionState.open
        and motion.opens_at <= now < motion.closes_at
        and has_voter
    )
    return {
        "id": motion.id,
        "estate_id": motion.estate_id,
        "estate": motion.estate.name,
        "item": motion.item,
        "item_label": motion.item_label,
        "threshold_class": tally.threshold_class(motion.item),
        "kind": motion.kind.value,
        "kind_label": motion.kind.label,
        "title": motion.title,
        "state": motion.state.value,
        "state_label": motion.state.label,
        "extraordinary": motion.extraordinary,
        "announced_at": motion.announced_at,
        "opens_at": motion.opens_at,
        "closes_at": motion.closes_at,
        "voted": ballot is not None,
        "can_vote": can_vote,
        "passed": motion.passed if motion.state == MotionState.published else None,
    }


def motion_rows(motions, resident) -> list[dict]:
    """A page of motions as a resident's list shows them (a bounded number of statements)."""
    votes = ballots.resident_votes(resident, motions)
    return [motion_row(m, resident, *votes[m.id]) for m in motions]


def motion_detail(motion, resident) -> dict:
    """A motion with its documents (signed URLs), candidates, my ballot and its result."""
    ballot = ballots.resident_ballot(resident, motion)
    has_voter = ballot is not None or bool(ballots.resident_voters(resident, motion))
    row = motion_row(motion, resident, ballot, has_voter)
    return {
        **row,
        "body": motion.body,
        "documents": [photo_view(p) for p in motion.documents],
        "seats": motion.seats,
        "candidates": [
            {"number": c.number, "name": c.name, "introduction": c.introduction}
            for c in motion.candidates
        ],
        "total_area": tally.area_text(motion.total_area) if motion.total_area else None,
        "total_heads": motion.total_heads,
        "notice_ends_at": motions.notice_ends_at(motion),
        "my_ballot": ballot_view(ballot, resident) if ballot else None,
        "result": result_view(motion),
    }


@blp.get("/me/motions")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MotionSchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401)
def my_motions():
    """我所在小区的表决事项（已公告、投票中、已截止、已公布；分页）"""
    resident = current_resident()
    return PageOf(services.resident_motions(resident), lambda page: motion_rows(page, resident))


@blp.get("/me/motion-results")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MotionSchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401)
def published_results():
    """已公布结果的表决事项（分页）"""
    resident = current_resident()
    return PageOf(
        services.resident_motions(resident, published_only=True),
        lambda page: motion_rows(page, resident),
    )


@blp.get("/me/motions/<int:motion_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MotionDetailSchema)
@blp.errors(401, 404)
def my_motion(motion_id):
    """表决事项详情：说明、附件、候选人、我的选票与公布的结果"""
    resident = current_resident()
    return motion_detail(services.resident_motion(resident, motion_id), resident)


@blp.post("/me/motions/<int:motion_id>/ballot")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit(configured_limit("RATELIMIT_BALLOT"), key_func=resident_rate_key)
@blp.arguments(BallotCastSchema)
@blp.response(201, MyBallotSchema)
@blp.alt_response(403, description="家属、租户不能投票：只有业主本人可以")
@blp.alt_response(409, description="未开始、已截止，或本户已投票（任何方式）")
@blp.errors(400, 401, 403, 404, 409, 422, 429)
def cast_ballot(payload, motion_id):
    """投票（每位表决人一票；共有人共用一票，先投者有效）"""
    resident = current_resident()
    motion = services.resident_motion(resident, motion_id)
    ballot = ballots.cast_online(resident, motion, **payload)
    return ballot_view(ballot, resident)


@blp.get("/me/motions/<int:motion_id>/ballot")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MyBallotSchema)
@blp.errors(401, 404)
def my_ballot(motion_id):
    """本户的选票与回执码（共有人可见先投出的那一票）"""
    resident = current_resident()
    motion = services.resident_motion(resident, motion_id)
    ballot = ballots.resident_ballot(resident, motion)
    if ballot is None:
        raise NotFound("本户尚未投票")
    return ballot_view(ballot, resident)


@blp.get("/me/motions/<int:motion_id>/result")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, ResultSchema)
@blp.alt_response(409, description="结果尚未公布")
@blp.errors(401, 404, 409)
def motion_result(motion_id):
    """公布的表决结果：全部数据、哈希链末端、名册更正记录"""
    motion = services.resident_motion(current_resident(), motion_id)
    publication.published_of(motion)
    return result_view(motion)


@blp.get("/me/motions/<int:motion_id>/published.json")
@blp.doc(
    security=BEARER,
    responses={
        "200": {
            "description": "公布文件：可用 python -m backend.votes.recount 复核",
            "content": {"application/json": {}},
        }
    },
)
@resident_required
@blp.alt_response(409, description="结果尚未公布")
@blp.errors(401, 404, 409)
def published_file(motion_id):
    """下载公布的选票清单（匿名：回执码、选项、人数、哈希链；不含每张票的面积，以免据面积对应到房屋），可核对本人回执与人数"""
    motion = services.resident_motion(current_resident(), motion_id)
    document = publication.resident_document(motion)
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="motion-{motion.id}-published.json"'
    )
    return response


@blp.get("/me/motions/<int:motion_id>/receipt-check")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(ReceiptQuerySchema, location="query")
@blp.response(200, ReceiptCheckSchema)
@blp.alt_response(409, description="结果尚未公布")
@blp.errors(401, 404, 409)
def check_receipt(args, motion_id):
    """核对回执码是否在公布的选票清单中"""
    resident = current_resident()
    motion = services.resident_motion(resident, motion_id)
    found = ballots.check_receipt(motion, args["receipt"], resident)
    return {
        "receipt": args["receipt"].strip().upper(),
        "found": found is not None,
        "position": found["position"] if found else None,
        "choice": found["choice"] if found else None,
        "area": found["area"] if found else None,
        "heads": found["heads"] if found else None,
        "hash": found["hash"] if found else None,
        "chain_head": motion.published["chain_head"],
    }

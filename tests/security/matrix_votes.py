"""Permission-matrix rows of owners' votes (joined in ``ROUTES`` of ``matrix.py``), the
motions they act on (``seed_votes``, called by the guardrails' world) and their ids
(``TARGETS``, merged into ``test_permission_matrix.TARGETS``).

Each estate has an open motion (``motion_id=open_x``) and a published one in which its owner
voted (``motion_id=published_x``). Only residents of the estate see its motions; only owners
vote (family members and tenants 403); staff hold no resident token (401). The residents of
X and Y bind to each other's estates in earlier rows (invites, binding requests), so the
motions nobody may see are estate Z's, where no actor ever lives.
"""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.votes import ballots, motions, publication
from tests.factories import OwnerRecordFactory, ResidencyFactory, UnitFactory


def _motion(staff, side, *, opens_at, closes_at, title):
    motion = motions.create_motion(
        staff, side.estate.id, item=4, title=title, opens_at=opens_at, closes_at=closes_at
    )
    motions.announce(staff, motion, now=opens_at - timedelta(days=16))
    motions.open_voting(staff, motion, now=opens_at)
    return motion


def seed_votes(w) -> None:
    """Each estate: an open motion, and a published one its owner voted in."""
    now = utcnow()
    for side, owner in ((w.x, w.owner_x), (w.y, w.owner_y)):
        staff = w.staff.plat
        side.open_motion = _motion(
            staff,
            side,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=6),
            title=f"{side.estate.name}续聘物业",
        )
        past = _motion(
            staff,
            side,
            opens_at=now - timedelta(days=10),
            closes_at=now - timedelta(days=3),
            title=f"{side.estate.name}增设充电桩",
        )
        ballots.cast_online(owner.resident, past, choice="agree", now=now - timedelta(days=5))
        motions.close_voting(staff, past, now=past.closes_at)
        publication.publish(staff, past, now=past.closes_at)
        side.published_motion = past
    # estate Z: its own company, street and owner, none of them an actor
    unit = UnitFactory()
    OwnerRecordFactory(unit=unit, name="业主Z", phone="13900000009")
    z_owner = ResidencyFactory(unit=unit).resident
    w.z = type(w.x)(estate=unit.estate)
    w.z.open_motion = _motion(
        w.staff.plat,
        w.z,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6),
        title="小区Z续聘物业",
    )
    past = _motion(
        w.staff.plat,
        w.z,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=3),
        title="小区Z增设充电桩",
    )
    ballots.cast_online(z_owner, past, choice="agree", now=now - timedelta(days=5))
    motions.close_voting(w.staff.plat, past, now=past.closes_at)
    publication.publish(w.staff.plat, past, now=past.closes_at)
    w.z.published_motion = past
    commit()


TARGETS = {
    "motion_id=open_x": lambda w: w.x.open_motion.id,
    "motion_id=open_y": lambda w: w.y.open_motion.id,
    "motion_id=published_x": lambda w: w.x.published_motion.id,
    "motion_id=published_y": lambda w: w.y.published_motion.id,
    "motion_id=open_z": lambda w: w.z.open_motion.id,
    "motion_id=published_z": lambda w: w.z.published_motion.id,
}

# fmt: off

VOTES_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/me/motions": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/motion-results": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/motions/{motion_id}": {
        "motion_id=open_x":                    "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=published_z":               "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    # owners of the frozen electorate only: family members, tenants and owners bound after
    # the announcement (resY in X by then) are refused; estate Z's motion is unknown
    "POST /api/v1/me/motions/{motion_id}/ballot": {
        "json": {"choice": "agree"},
        "motion_id=open_x":                    "401  201  403  403  403  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=open_z":                    "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/motions/{motion_id}/ballot": {
        "motion_id=published_x":               "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=published_y":               "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=published_z":               "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/motions/{motion_id}/result": {
        "motion_id=published_x":               "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=open_x":                    "401  409  409  409  409  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=published_z":               "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/motions/{motion_id}/published.json": {
        "motion_id=published_x":               "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=published_z":               "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/motions/{motion_id}/receipt-check": {
        "query": {"receipt": "ABCD-EFGH-JKMN"},
        "motion_id=published_x":               "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=open_x":                    "401  409  409  409  409  401  401  401  401  401  401  401  401  401  401  401",
        "motion_id=published_z":               "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
}

# --- the panel's vote screens (admin/votes.py) ----------------------------------------------

TARGETS["action=announce"] = lambda w: "announce"

#: an opening time far ahead, as a datetime-local input sends it
_WINDOW = {"opens_at": "2030-01-10T09:00", "closes_at": "2030-01-17T09:00"}

# fmt: off

VOTES_PANEL = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/votes": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  200  200  200  200  200",
    },
    "GET /admin/votes/new": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  200  200  200  403  200",
    },
    # a draft for estate X: its committee, its street office and the platform; street B's
    # officer does not reach estate X
    "POST /admin/votes/new": {
        "form": {"estate_id": "{estate_id}", "item": "4", "title": "续聘物业", **_WINDOW},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  302  302  404  403  302",
    },
    "GET /admin/votes/{motion_id}": {
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  200  200  404  200  200",
        "motion_id=open_y":                    "401  401  401  401  401  403  403  403  403  403  403  404  404  200  404  200",
    },
    "GET /admin/votes/{motion_id}/participation": {
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  200  200  404  200  200",
        "motion_id=open_y":                    "401  401  401  401  401  403  403  403  403  403  403  404  404  200  404  200",
    },
    # announcing an open motion is refused by its state (409) once authorization let one in
    "POST /admin/votes/{motion_id}/{action}": {
        "motion_id=open_x,action=announce":    "401  401  401  401  401  403  403  403  403  403  403  409  409  404  403  409",
        "motion_id=open_y,action=announce":    "401  401  401  401  401  403  403  403  403  403  403  404  404  409  403  409",
    },
    # drafts only: an open motion is refused by its state (409) once authorization let one in
    "GET /admin/votes/{motion_id}/edit": {
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  409  409  404  403  409",
        "motion_id=open_y":                    "401  401  401  401  401  403  403  403  403  403  403  404  404  409  403  409",
    },
    "POST /admin/votes/{motion_id}/edit": {
        "form": {"item": "4", "title": "续聘物业", **_WINDOW},
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  409  409  404  403  409",
        "motion_id=open_y":                    "401  401  401  401  401  403  403  403  403  403  403  404  404  409  403  409",
    },
    "POST /admin/votes/{motion_id}/delete": {
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  409  409  404  403  409",
        "motion_id=open_y":                    "401  401  401  401  401  403  403  403  403  403  403  404  404  409  403  409",
    },
    # paper and proxy ballots: the committee member only; without a scan the entry is refused
    "POST /admin/votes/{motion_id}/ballots": {
        "form": {"channel": "paper", "unit_id": "{unit_id}", "choice": "agree"},
        "motion_id=open_x,unit_id=x":          "401  401  401  401  401  403  403  403  403  403  403  422  403  403  403  403",
        "motion_id=open_y,unit_id=y":          "401  401  401  401  401  403  403  403  403  403  403  404  403  403  403  403",
    },
    "GET /admin/votes/{motion_id}/electorate": {
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  200  200  404  200  200",
        "motion_id=open_y":                    "401  401  401  401  401  403  403  403  403  403  403  404  404  200  404  200",
    },
    # corrections: the committee and the street office; an area that is no number is refused
    "POST /admin/votes/{motion_id}/electorate": {
        "form": {"unit_id": "{unit_id}", "area": "九十", "reason": "登记面积有误"},
        "motion_id=open_x,unit_id=x":          "401  401  401  401  401  403  403  403  403  403  403  422  422  404  403  403",
        "motion_id=open_y,unit_id=y":          "401  401  401  401  401  403  403  403  403  403  403  404  404  422  403  403",
    },
    "GET /admin/votes/{motion_id}/result.json": {
        "motion_id=published_x":               "401  401  401  401  401  403  403  403  403  403  403  200  200  404  200  200",
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  409  409  404  409  409",
        "motion_id=published_y":               "401  401  401  401  401  403  403  403  403  403  403  404  404  200  404  200",
    },
    "GET /admin/votes/{motion_id}/ballots.xlsx": {
        "motion_id=published_x":               "401  401  401  401  401  403  403  403  403  403  403  200  200  404  200  200",
        "motion_id=open_x":                    "401  401  401  401  401  403  403  403  403  403  403  409  409  404  409  409",
        "motion_id=published_y":               "401  401  401  401  401  403  403  403  403  403  403  404  404  200  404  200",
    },
}

"""Finding 6: what residents see of a published motion carries no per-ballot area (87 of
204 areas were unique: ballot → unit → choice); each owner still checks their own receipt
and choice and anyone the head counts; the full list is for the committee, the street and
the bureau, each opening audited, and the offline recount reproduces the result from it."""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.audit.models import AuditEntry
from backend.core.db import commit
from backend.votes import motions, publication
from tests.admin.conftest import login
from tests.factories import StaffFactory
from tests.helpers import bearer
from tests.votes.test_api import live  # noqa: F401  (the open motion of test_api)


def _published(client, live):  # noqa: F811
    url = f"/api/v1/me/motions/{live.live.id}"
    receipts = {}
    for owner, choice in ((live.bing, "agree"), (live.jia, "oppose")):
        cast = client.post(f"{url}/ballot", json={"choice": choice}, headers=bearer(owner))
        assert cast.status_code == 201, cast.get_json()
        receipts[owner.id] = cast.get_json()["receipt"]
    motions.close_voting(live.committee, live.live, now=live.live.closes_at)
    publication.publish(live.committee, live.live, now=live.live.closes_at)
    commit()
    return url, receipts


def test_residents_see_no_area_of_any_ballot_but_can_check_their_own(client, live, tmp_path):  # noqa: F811
    url, receipts = _published(client, live)
    download = client.get(f"{url}/published.json", headers=bearer(live.tenant))
    document = json.loads(download.data)
    assert document["ballots"] and all(
        set(b) == {"receipt", "choice", "heads", "prev", "hash"} for b in document["ballots"]
    )
    for area in ("100.00", "80.00", "100", "80"):
        assert f'"{area}"' not in json.dumps(document["ballots"])
    # head counts anyone can check: the ballots' heads add up to the published figure
    assert sum(b["heads"] for b in document["ballots"]) == document["tally"]["participating_heads"]
    # my own receipt: found, with my choice (and my own area, which I know anyway)
    mine = client.get(
        f"{url}/receipt-check",
        query_string={"receipt": receipts[live.bing.id]},
        headers=bearer(live.bing),
    ).get_json()
    assert mine["found"] and mine["choice"] == "agree" and mine["area"] == "80.00"
    # somebody else's receipt read off the list: no area
    other = client.get(
        f"{url}/receipt-check",
        query_string={"receipt": receipts[live.bing.id]},
        headers=bearer(live.yi),
    ).get_json()
    assert other["found"] and other["area"] is None


def test_oversight_opens_the_full_list_audited_and_the_recount_matches(client, live, tmp_path):  # noqa: F811
    _published(client, live)
    bureau = StaffFactory(role=StaffRole.bureau_officer, district="西湖区")
    for staff in (live.committee, live.street, bureau):
        login(client, staff)
        response = client.get(f"/admin/votes/{live.live.id}/result.json")
        assert response.status_code == 200, staff.role
        client.get("/admin/logout")
    full = json.loads(response.data)
    assert all("area" in b for b in full["ballots"])
    path = tmp_path / "full.json"
    path.write_bytes(response.data)
    out = subprocess.run(
        [sys.executable, "-m", "backend.votes.recount", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    opened = (
        client.application.extensions["sqlalchemy"]
        .session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "motion.ballots_opened"))
        .all()
    )
    assert len(opened) == 3 and {e.entity_id for e in opened} == {str(live.live.id)}
    assert {e.staff_id for e in opened} == {live.committee.id, live.street.id, bureau.id}
    # the command prints the published figures exactly
    assert full["tally"]["participating_area"] in out.stdout


def test_company_staff_cannot_open_the_full_list(client, live):  # noqa: F811
    _published(client, live)
    login(client, StaffFactory(role=StaffRole.company_admin, company=live.estate.company))
    assert client.get(f"/admin/votes/{live.live.id}/result.json").status_code in (403, 404)

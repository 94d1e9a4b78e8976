"""Staff QR invites: generated from a unit page, shown with code, QR and local expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from backend.accounts.models import Invite, ResidencyRole
from backend.audit.models import AuditEntry
from backend.core.time import local_today, to_local
from tests.factories import InviteFactory


def test_generating_an_invite_creates_it_and_shows_code_qr_and_expiry(world, as_staff, db):
    client = as_staff(world.desk_a)

    response = client.post(f"/admin/units/{world.unit_a.id}/invites", data={"role": "owner"})

    assert response.status_code == 302
    invite = db.session.scalars(sa.select(Invite)).one()
    assert response.location == f"/admin/invites/{invite.id}"
    assert (invite.unit_id, invite.role, invite.created_by_staff_id) == (
        world.unit_a.id,
        ResidencyRole.owner,
        world.desk_a.id,
    )
    assert db.session.scalars(sa.select(AuditEntry.action)).one() == "invite.create"

    page = client.get(response.location).data.decode()
    assert f"{invite.code[:4]}-{invite.code[4:]}" in page
    assert to_local(invite.expires_at).strftime("%Y-%m-%d %H:%M") in page
    assert f'src="/admin/invites/{invite.id}/qr.png"' in page

    qr = client.get(f"/admin/invites/{invite.id}/qr.png")
    assert qr.status_code == 200
    assert qr.mimetype == "image/png"
    assert qr.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_expiry_is_shown_in_shanghai_time(world, as_staff, db):
    client = as_staff(world.desk_a)
    client.post(f"/admin/units/{world.unit_a.id}/invites", data={"role": "family"})
    invite = db.session.scalars(sa.select(Invite)).one()

    page = client.get(f"/admin/invites/{invite.id}").data.decode()

    shown = re.search(r'id="invite-expires">([^<]+)<', page).group(1)
    utc_text = invite.expires_at.strftime("%Y-%m-%d %H:%M")
    local_text = (invite.expires_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert shown == local_text != utc_text


def test_tenant_invite_needs_an_end_date(world, as_staff, db):
    client = as_staff(world.desk_a)

    refused = client.post(f"/admin/units/{world.unit_a.id}/invites", data={"role": "tenant"})

    assert refused.status_code == 422
    assert "租户必须填写租期结束日期" in refused.data.decode()
    assert db.session.scalar(sa.select(sa.func.count(Invite.id))) == 0

    ends_on = (local_today() + timedelta(days=365)).isoformat()
    accepted = client.post(
        f"/admin/units/{world.unit_a.id}/invites", data={"role": "tenant", "ends_on": ends_on}
    )
    assert accepted.status_code == 302
    assert db.session.scalars(sa.select(Invite)).one().tenant_ends_on.isoformat() == ends_on


def test_malformed_role_or_date_is_refused_without_an_invite(world, as_staff, db):
    client = as_staff(world.desk_a)
    url = f"/admin/units/{world.unit_a.id}/invites"

    assert client.post(url, data={"role": "landlord"}).status_code == 422
    assert client.post(url, data={"role": "tenant", "ends_on": "明年"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Invite.id))) == 0


def test_company_a_cannot_invite_to_or_see_invites_of_company_b(world, as_staff, db):
    theirs = InviteFactory(unit=world.unit_b, created_by_staff_id=world.admin_b.id)
    client = as_staff(world.admin_a)

    assert client.get(f"/admin/invites/{theirs.id}/qr.png").status_code == 404
    assert client.get(f"/admin/invites/{theirs.id}").status_code == 404
    response = client.post(f"/admin/units/{world.unit_b.id}/invites", data={"role": "owner"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Invite.id))) == 1


def test_owners_own_invites_are_not_shown_to_staff(world, as_staff, db):
    from tests.factories import ResidencyFactory

    owner = ResidencyFactory(unit=world.unit_a)
    private = InviteFactory(unit=world.unit_a, created_by_residency_id=owner.id)

    response = as_staff(world.admin_a).get(f"/admin/invites/{private.id}/qr.png")

    assert response.status_code == 404


def test_roles_without_invite_permission_see_no_form_and_cannot_post(world, as_staff, db):
    client = as_staff(world.committee_a)

    page = client.get(f"/admin/units/{world.unit_a.id}").data.decode()
    response = client.post(f"/admin/units/{world.unit_a.id}/invites", data={"role": "owner"})

    assert 'id="invite-form"' not in page
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Invite.id))) == 0


def test_unit_page_shows_the_same_invite_state_as_redemption(world, as_staff, db):
    from datetime import timedelta

    from backend.accounts.models import ResidencyStatus
    from backend.core.time import utcnow
    from tests.factories import InviteFactory, ResidencyFactory

    unit = world.unit_a
    owner = ResidencyFactory(unit=unit, status=ResidencyStatus.ended)
    InviteFactory(
        unit=unit,
        code="LAPS2345",
        created_by_staff_id=world.desk_a.id,
        created_by_residency_id=owner.id,
    )
    InviteFactory(
        unit=unit,
        code="EXPI2345",
        created_by_staff_id=world.desk_a.id,
        expires_at=utcnow() - timedelta(minutes=1),
    )
    InviteFactory(unit=unit, code="GOOD2345", created_by_staff_id=world.desk_a.id)

    page = as_staff(world.desk_a).get(f"/admin/units/{unit.id}").data.decode()

    assert "邀请人已迁出" in page and "已过期" in page and "有效" in page

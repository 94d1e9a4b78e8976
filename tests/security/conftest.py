"""The world the guardrail tests run in, and the counts they print at the end of the run.

Two streets (A in 西湖区, B in 拱墅区), two companies (A serves estate X on street A,
B serves estate Y on street B), a committee in X, residents of both estates and one staff
account of every role on each side. ``actors`` signs a test client in as each of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

from backend.accounts.models import ResidencyRole, ResidencyStatus, StaffRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.fees.models import FeeBasis, PaymentMethod, ReminderChannel
from backend.fees.payments import receipt_code, record_offline_payment
from backend.fees.reminders import send_reminder
from tests.admin.conftest import login
from tests.factories import (
    BillFactory,
    BuildingFactory,
    CommitteeFactory,
    CommitteeMemberFactory,
    CommunityFactory,
    CompanyFactory,
    EstateFactory,
    FeeItemFactory,
    InviteFactory,
    NotificationFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    StaffFactory,
    StreetFactory,
    UnitFactory,
)
from tests.helpers import bearer
from tests.security.matrix_fund import seed_fund
from tests.security.matrix_votes import seed_votes

#: what the guardrails report at the end of the run (route × actor cases, fuzzed examples)
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARY:
        terminalreporter.write_line(line)


def _side(street, company, label: str) -> SimpleNamespace:
    """An estate served by ``company`` on ``street``: two buildings' units and an owner."""
    estate = EstateFactory(
        name=f"小区{label}", community=CommunityFactory(street=street), company=company
    )
    building = BuildingFactory(estate=estate, name=f"{label}1幢")
    unit = UnitFactory(building=building, number=f"{label}-101")
    spare = UnitFactory(building=building, number=f"{label}-102")
    OwnerRecordFactory(unit=unit, name=f"业主{label}", phone="13900000001")
    return SimpleNamespace(estate=estate, building=building, unit=unit, spare=spare)


@pytest.fixture
def world(db):
    """Estate X (company A, street A, with a committee) and estate Y (company B, street B)."""
    street_a = StreetFactory(name="街道A", district="西湖区")
    street_b = StreetFactory(name="街道B", district="拱墅区")
    company_a = CompanyFactory(name="物业A")
    company_b = CompanyFactory(name="物业B")
    x = _side(street_a, company_a, "X")
    y = _side(street_b, company_b, "Y")
    CommitteeMemberFactory(committee=CommitteeFactory(estate=x.estate))

    def residency(unit, role, **kw):
        return ResidencyFactory(unit=unit, role=role, **kw)

    staff = SimpleNamespace(
        admA=StaffFactory(role=StaffRole.company_admin, company=company_a),
        dskA=StaffFactory(role=StaffRole.service_desk, company=company_a),
        tecA=StaffFactory(role=StaffRole.technician, company=company_a),
        admB=StaffFactory(role=StaffRole.company_admin, company=company_b),
        dskB=StaffFactory(role=StaffRole.service_desk, company=company_b),
        tecB=StaffFactory(role=StaffRole.technician, company=company_b),
        comX=StaffFactory(role=StaffRole.committee_member, estate=x.estate),
        strA=StaffFactory(role=StaffRole.street_officer, street=street_a),
        strB=StaffFactory(role=StaffRole.street_officer, street=street_b),
        bur=StaffFactory(role=StaffRole.bureau_officer, district="西湖区"),
        plat=StaffFactory(role=StaffRole.platform_admin),
    )
    lease_end = utcnow().date() + timedelta(days=300)
    w = SimpleNamespace(
        street_a=street_a,
        street_b=street_b,
        company_a=company_a,
        company_b=company_b,
        x=x,
        y=y,
        owner_x=residency(x.unit, ResidencyRole.owner),
        family_x=residency(x.unit, ResidencyRole.family),
        tenant_x=residency(x.unit, ResidencyRole.tenant, ends_on=lease_end),
        owner_y=residency(y.unit, ResidencyRole.owner),
        staff=staff,
        # accounts the actors act upon (never one of the actors themselves)
        target_staff_a=StaffFactory(role=StaffRole.technician, company=company_a),
        target_staff_b=StaffFactory(role=StaffRole.technician, company=company_b),
        invite_x=InviteFactory(
            unit=x.spare, role=ResidencyRole.owner, created_by_staff_id=staff.dskA.id
        ),
        invite_y=InviteFactory(
            unit=y.spare, role=ResidencyRole.owner, created_by_staff_id=staff.dskB.id
        ),
    )
    w.owner_invite_x = InviteFactory(
        unit=x.unit,
        role=ResidencyRole.family,
        created_by_residency_id=w.owner_x.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    w.owner_invite_y = InviteFactory(
        unit=y.unit,
        role=ResidencyRole.family,
        created_by_residency_id=w.owner_y.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    w.message_x = NotificationFactory(resident=w.owner_x.resident)
    w.message_y = NotificationFactory(resident=w.owner_y.resident)
    _fees(w)
    _tickets(w)
    seed_votes(w)
    seed_fund(w)
    return w


def _tickets(w) -> None:
    """Each estate: its owner's repair ticket with a photo, and the photo's signed URL."""
    from flask import current_app

    from backend.core.signing import signed_url
    from backend.elder.models import HelpRequest
    from backend.extensions import db
    from backend.media.audio import tone_clip
    from backend.media.services import upload_photo, upload_voice
    from backend.tickets.models import TicketKind
    from backend.tickets.services import create_ticket
    from tests.media.conftest import jpeg

    for side, owner in ((w.x, w.owner_x), (w.y, w.owner_y)):
        side.photo = upload_photo(jpeg(), resident_id=owner.resident.id)
        side.voice = upload_voice(tone_clip(1), resident_id=owner.resident.id)
        side.ticket, _ = create_ticket(
            owner.resident,
            kind=TicketKind.home_repair,
            description="厨房水管漏水",
            unit_id=side.unit.id,
            photo_ids=[side.photo.id],
            voice_note_id=side.voice.id,
        )
        commit()
        with current_app.test_request_context():
            url = signed_url("media.photo_file", photo_id=side.photo.id, variant="full")
            voice_url = signed_url("media.voice_file", voice_note_id=side.voice.id)
        side.photo_query = dict(parse_qsl(urlsplit(url).query))
        side.voice_query = dict(parse_qsl(urlsplit(voice_url).query))
    # resX asked the household of X-101 (famX) to help with the ticket (请家人帮忙)
    db.session.add(
        HelpRequest(
            requester_id=w.owner_x.resident.id, unit_id=w.x.unit.id, ticket_id=w.x.ticket.id
        )
    )
    commit()


def _fees(w) -> None:
    """Each estate: a fee item, an unpaid bill, a bill paid at the counter, a reminder."""
    for side, admin in ((w.x, w.staff.admA), (w.y, w.staff.admB)):
        side.item = FeeItemFactory(estate=side.estate)
        side.water = FeeItemFactory(estate=side.estate, name="水费", basis=FeeBasis.metered)
        side.bill = BillFactory(unit=side.unit, fee_item=side.item, period=date(2026, 11, 1))
        paid = BillFactory(unit=side.unit, fee_item=side.item, period=date(2026, 10, 1))
        side.payment = record_offline_payment(admin, [paid.id], PaymentMethod.cash)
        side.reminder = send_reminder(admin, side.unit.id, ReminderChannel.written)
        commit()
        side.receipt_code = receipt_code(side.payment)


def pending_residency(unit):
    """A fresh binding request waiting for review in ``unit``."""
    return ResidencyFactory(
        unit=unit, role=ResidencyRole.family, status=ResidencyStatus.pending, activated_at=None
    )


@pytest.fixture
def actors(app, world):
    """A test client per actor of the matrix, signed in as that actor."""
    clients = {"anon": app.test_client()}
    residents = {
        "resX": world.owner_x,
        "famX": world.family_x,
        "tenX": world.tenant_x,
        "resY": world.owner_y,
    }
    for name, residency in residents.items():
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = bearer(residency.resident)["Authorization"]
        clients[name] = client
    for name, staff in vars(world.staff).items():
        client = app.test_client()
        response = login(client, staff)
        assert response.status_code == 302, f"{name} could not sign in"
        clients[name] = client
    return clients

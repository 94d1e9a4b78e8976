"""The audit log page: who did what and when, before and after; admins only."""

from __future__ import annotations

import re

import pytest

from tests.factories import AuditEntryFactory, ResidencyFactory


def test_audit_log_shows_who_what_when_before_and_after(world, as_staff, db):
    from backend.accounts.models import ResidencyStatus

    residency = ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    client = as_staff(world.admin_a)
    client.post(f"/admin/reviews/{residency.id}/reject", data={"reason": "材料不全"})

    page = client.get("/admin/audit").data.decode()

    row = re.search(r'<tr id="audit-\d+">.*?</tr>', page, re.S).group(0)
    assert "驳回绑定申请" in row
    assert world.admin_a.name in row
    assert f"住户身份 #{residency.id}" in row
    assert "&#34;status&#34;: &#34;pending&#34;" in row or '"status": "pending"' in row
    assert "材料不全" in row  # the JSON is shown with Chinese unescaped
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row)


def test_company_admin_sees_only_their_companys_entries(world, as_staff):
    AuditEntryFactory(action="staff.create", company_id=world.company_a.id, entity_id="111")
    AuditEntryFactory(action="staff.create", company_id=world.company_b.id, entity_id="222")

    page = as_staff(world.admin_a).get("/admin/audit").data.decode()

    assert "#111" in page and "#222" not in page


def test_audit_log_is_paginated(world, as_staff):
    for n in range(55):
        AuditEntryFactory(action="staff.create", entity_id=str(n))
    client = as_staff(world.platform)

    first = client.get("/admin/audit").data.decode()
    second = client.get("/admin/audit?page=2").data.decode()

    assert len(re.findall(r'<tr id="audit-', first)) == 50
    assert len(re.findall(r'<tr id="audit-', second)) == 5


@pytest.mark.parametrize(
    "member", ["desk_a", "technician_a", "committee_a", "street_officer_b", "bureau_xihu"]
)
def test_non_admins_get_403(world, as_staff, member):
    response = as_staff(getattr(world, member)).get("/admin/audit")

    assert response.status_code == 403

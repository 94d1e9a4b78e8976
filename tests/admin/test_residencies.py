"""The review queue: approve and reject pending residencies in scope."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole, ResidencySource, ResidencyStatus
from backend.audit.models import AuditEntry
from tests.factories import ResidencyFactory


def pending(unit, **values) -> Residency:
    values.setdefault("applicant_name", "张三")
    values.setdefault("applicant_phone", "13800001111")
    return ResidencyFactory(
        unit=unit, status=ResidencyStatus.pending, source=None, activated_at=None, **values
    )


def status_of(db, residency) -> ResidencyStatus:
    db.session.expire_all()
    return db.session.get(Residency, residency.id).status


def test_empty_queue_says_so(world, as_staff):
    page = as_staff(world.desk_a).get("/admin/reviews").data.decode()

    assert "暂无待审核的绑定申请" in page


def test_queue_shows_applicant_unit_role_and_tenant_end_in_scope_only(world, as_staff):
    pending(
        world.unit_a,
        role=ResidencyRole.tenant,
        ends_on=date(2031, 1, 31),
        applicant_name="李四",
        applicant_phone="13900002222",
        applicant_note="租房合同已上传",
    )
    pending(world.unit_b, applicant_name="外人")

    page = as_staff(world.desk_a).get("/admin/reviews").data.decode()

    assert "李四" in page and "13900002222" in page and "租房合同已上传" in page
    assert "翠苑一区 1幢 1-101" in page
    assert "租户" in page and "2031-01-31" in page
    assert "外人" not in page
    assert len(re.findall(r'<tr id="review-\d+"', page)) == 1


def test_approve_activates_the_residency_with_an_audit_entry(world, as_staff, db):
    residency = pending(world.unit_a)

    response = as_staff(world.desk_a).post(f"/admin/reviews/{residency.id}/approve")

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Residency, residency.id)
    assert saved.status == ResidencyStatus.active
    assert saved.source == ResidencySource.review
    assert saved.reviewed_by_id == world.desk_a.id
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.staff_id, entry.entity_id) == (
        "residency.approve",
        world.desk_a.id,
        str(residency.id),
    )
    assert entry.before["status"] == "pending" and entry.after["status"] == "active"


def test_approving_twice_is_refused_the_second_time(world, as_staff, db):
    residency = pending(world.unit_a)
    client = as_staff(world.desk_a)
    assert client.post(f"/admin/reviews/{residency.id}/approve").status_code == 302

    again = client.post(f"/admin/reviews/{residency.id}/approve")

    assert again.status_code == 409
    assert "该申请已被处理" in again.data.decode()
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 1


def test_reject_needs_a_reason(world, as_staff, db):
    residency = pending(world.unit_a)

    response = as_staff(world.desk_a).post(
        f"/admin/reviews/{residency.id}/reject", data={"reason": "  "}
    )

    assert response.status_code == 422
    assert "驳回必须填写原因" in response.data.decode()
    assert status_of(db, residency) == ResidencyStatus.pending


def test_reject_with_a_reason_records_it(world, as_staff, db):
    residency = pending(world.unit_a)

    response = as_staff(world.admin_a).post(
        f"/admin/reviews/{residency.id}/reject", data={"reason": "房号与产权证不符"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Residency, residency.id)
    assert saved.status == ResidencyStatus.rejected
    assert saved.reject_reason == "房号与产权证不符"
    assert db.session.scalars(sa.select(AuditEntry.action)).one() == "residency.reject"


def test_htmx_approve_swaps_the_row_in_place(world, as_staff, db):
    residency = pending(world.unit_a)

    response = as_staff(world.desk_a).post(
        f"/admin/reviews/{residency.id}/approve", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.data.decode()
    assert body.lstrip().startswith(f'<tr id="review-{residency.id}"')
    assert "已通过" in body
    assert status_of(db, residency) == ResidencyStatus.active


def test_htmx_reject_without_reason_returns_the_row_with_the_message(world, as_staff, db):
    residency = pending(world.unit_a)

    response = as_staff(world.desk_a).post(
        f"/admin/reviews/{residency.id}/reject", data={"reason": ""}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    body = response.data.decode()
    assert f'<tr id="review-{residency.id}"' in body and "驳回必须填写原因" in body
    assert status_of(db, residency) == ResidencyStatus.pending


def test_company_a_cannot_approve_or_reject_company_b_residencies(world, as_staff, db):
    residency = pending(world.unit_b)
    client = as_staff(world.admin_a)

    assert client.post(f"/admin/reviews/{residency.id}/approve").status_code == 404
    rejected = client.post(f"/admin/reviews/{residency.id}/reject", data={"reason": "无"})
    assert rejected.status_code == 404
    assert status_of(db, residency) == ResidencyStatus.pending
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_roles_without_review_permission_cannot_approve(world, as_staff, db):
    residency = pending(world.unit_a)

    response = as_staff(world.committee_a).post(f"/admin/reviews/{residency.id}/approve")

    assert response.status_code == 403
    assert status_of(db, residency) == ResidencyStatus.pending

"""The audit log page: who did what and when, before and after; admins only."""

from __future__ import annotations

import re

import pytest

from tests.factories import AuditEntryFactory, ResidencyFactory


def audit_row(page: str) -> str:
    """The newest entry's row of the audit page."""
    start = page.index('<tr id="audit-')
    end = page.find('<tr id="audit-', start + 1)
    return page[start : end if end != -1 else len(page)]


def test_audit_log_shows_who_what_when_before_and_after(world, as_staff, db):
    from backend.accounts.models import ResidencyStatus

    residency = ResidencyFactory(
        unit=world.unit_a, status=ResidencyStatus.pending, applicant_name="张伟"
    )
    client = as_staff(world.admin_a)
    client.post(f"/admin/reviews/{residency.id}/reject", data={"reason": "材料不全"})

    row = audit_row(client.get("/admin/audit").data.decode())

    assert "驳回绑定申请" in row
    assert world.admin_a.name in row
    assert "住户身份：张伟 · 翠苑一区 1幢 1-101" in row
    # a before/after table with Chinese field names and values
    for words in ("状态", "待审核", "已驳回", "驳回原因", "材料不全", "审核人"):
        assert words in row, words
    assert f"{world.admin_a.name}（{world.admin_a.username}）" in row
    # no internal codes, English keys or raw JSON
    for raw in ("residency.reject", "reject_reason", "reviewed_by_id", "status", "pending", "{"):
        assert raw not in row, raw
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row)


def test_staff_changes_read_with_role_and_company_names(world, as_staff, db):
    client = as_staff(world.admin_a)
    client.post(
        "/admin/staff/new",
        data={
            "username": "li.na",
            "name": "李娜",
            "password": "Welcome2026",
            "role": "service_desk",
        },
    )

    row = audit_row(client.get("/admin/audit").data.decode())

    assert "新增员工账号" in row and "员工账号：李娜（li.na）" in row
    for words in ("角色", "物业客服", "物业企业", world.company_a.name, "可以登录", "是"):
        assert words in row, words
    assert "company_id" not in row and "service_desk" not in row


def test_every_recorded_action_and_record_type_has_a_label():
    """Each ``audit.record(actor, "<action>", "<entity>", ...)`` in the code is declared
    by its feature (``audit_actions`` / ``audit_entities``)."""
    import pathlib

    import backend
    from backend.features import AUDIT_ACTIONS, AUDIT_ENTITIES

    calls = re.compile(r'audit\.record\(\s*\w+,\s*"([^"]+)",\s*"([^"]+)"')
    found = set()
    for path in pathlib.Path(backend.__file__).parent.rglob("*.py"):
        found.update(calls.findall(path.read_text(encoding="utf-8")))
    assert found
    for action, entity in found:
        assert action in AUDIT_ACTIONS, action
        assert entity in AUDIT_ENTITIES, entity


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


def _entry(world, **kw):
    from backend.accounts.models import Staff  # noqa: F401 - the factory's staff

    values = {"action": "staff.create", "entity_type": "staff", "company_id": world.company_a.id}
    return AuditEntryFactory(**{**values, **kw})


def _ids(page: str) -> set[str]:
    return set(re.findall(r'<tr id="audit-(\d+)"', page))


def test_audit_log_filters_by_person_feature_action_record_estate_and_days(world, as_staff):
    from datetime import UTC, datetime

    from backend.audit.models import AuditEntry  # noqa: F401

    by_admin = _entry(world, staff_id=world.admin_a.id, estate_id=world.estate_a.id)
    by_desk = _entry(
        world,
        staff_id=world.desk_a.id,
        action="ticket.accept",
        entity_type="ticket",
        entity_id="7",
        estate_id=world.estate_a2.id,
        at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC),  # 23:59 on 1 March in Shanghai
    )
    late = _entry(world, staff_id=world.desk_a.id, at=datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    client = as_staff(world.admin_a)

    def shown(query: str) -> set[str]:
        response = client.get("/admin/audit?" + query)
        assert response.status_code == 200
        return _ids(response.data.decode())

    assert shown(f"staff_id={world.desk_a.id}") == {str(by_desk.id), str(late.id)}
    assert shown("feature=tickets") == {str(by_desk.id)}
    assert shown("action=staff.create") == {str(by_admin.id), str(late.id)}
    assert shown("entity_type=ticket&entity_id=7") == {str(by_desk.id)}
    assert shown(f"estate_id={world.estate_a.id}") == {str(by_admin.id)}
    assert shown("from=2026-03-01&to=2026-03-01") == {str(by_desk.id)}
    # values that are not offered are ignored, never an error
    assert len(shown("action=nope&feature=x&from=2026-13-01&to=x&staff_id=-1&entity_type=y")) == 3


def test_filters_never_widen_a_company_admins_scope(world, as_staff):
    other = _entry(world, company_id=world.company_b.id, estate_id=world.estate_b.id)
    client = as_staff(world.admin_a)

    page = client.get(f"/admin/audit?estate_id={world.estate_b.id}").data.decode()

    assert str(other.id) not in _ids(page)
    assert "暂无操作记录" in page


def test_audit_export_is_a_spreadsheet_of_the_filtered_entries_in_words(world, as_staff):
    import io

    from openpyxl import load_workbook

    _entry(
        world,
        staff_id=world.admin_a.id,
        action="payment.offline",
        entity_type="payment",
        after={"amount_fen": 43878, "method": "cash", "receipt_no": '=HYPERLINK("x")'},
    )
    _entry(world, staff_id=world.admin_a.id)
    _entry(world, company_id=world.company_b.id, action="payment.offline", entity_type="payment")
    client = as_staff(world.admin_a)

    response = client.get("/admin/audit/export.xlsx?feature=fees")

    assert response.status_code == 200
    assert (
        "操作日志" in response.headers["Content-Disposition"]
        or "%E6%93%8D" in (response.headers["Content-Disposition"])
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "操作人", "账号", "操作", "对象", "变更内容", "IP")
    assert len(rows) == 2  # the company's one fee entry; not B's, not the staff entry
    assert rows[1][1] == world.admin_a.name and not rows[1][3].isascii()
    assert "金额：— → 438.78 元" in rows[1][5] and "收款方式：— → 现金" in rows[1][5]
    # what staff typed stays text, never a formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

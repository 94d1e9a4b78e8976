"""Every panel form is checked on the server, with Chinese messages, whatever the browser
allowed: lengths, phone format, control characters, dates, choices."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyStatus, Staff
from tests.factories import ResidencyFactory

NEW = {
    "username": "sun.li",
    "name": "孙丽",
    "phone": "13700001234",
    "password": "Welcome2026",
    "role": "platform_admin",
}


def staff_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Staff.id)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "孙" * 10_000, "最多 60 个字符"),
        ("name", "孙\x01丽", "字符"),
        ("name", "孙\n丽", "不能换行"),
        ("name", "孙\u202e丽", "字符"),
        ("phone", "abc", "手机号格式不正确"),
        ("phone", "1370000123", "手机号格式不正确"),
        ("username", "a b", "用户名须为 3–40 位字母、数字、下划线或点"),
        ("name", "", "请填写姓名"),
        ("district", "x" * 81, "最多 80 个字符"),
    ],
)
def test_staff_form_is_checked_on_the_server(world, as_staff, db, field, value, message):
    before = staff_count(db)
    response = as_staff(world.platform).post("/admin/staff/new", data={**NEW, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert staff_count(db) == before


def test_a_bad_scope_choice_is_refused_in_chinese(world, as_staff, db):
    response = as_staff(world.platform).post(
        "/admin/staff/new", data={**NEW, "role": "street_officer", "street_id": "9" * 30}
    )
    assert response.status_code == 422
    assert "提交的选项无效" in response.get_data(as_text=True)


def test_a_long_reject_reason_is_refused_not_cut(world, as_staff, db):
    residency = ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    response = as_staff(world.desk_a).post(
        f"/admin/reviews/{residency.id}/reject", data={"reason": "不" * 201}
    )
    assert response.status_code == 422
    assert "最多 200 个字符" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Residency, residency.id).status == ResidencyStatus.pending


def test_a_reject_reason_of_exactly_200_characters_is_kept(world, as_staff, db):
    residency = ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    response = as_staff(world.desk_a).post(
        f"/admin/reviews/{residency.id}/reject", data={"reason": "不" * 200}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Residency, residency.id).reject_reason == "不" * 200


def test_enabling_needs_a_known_choice(world, as_staff, db):
    response = as_staff(world.platform).post(
        f"/admin/staff/{world.desk_a.id}/active", data={"active": "maybe"}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Staff, world.desk_a.id).active is True

"""Staff account management: create with scope, password strength, disable, reset."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import Staff
from backend.audit.models import AuditEntry
from backend.authz.roles import StaffRole
from tests.admin.conftest import login

NEW = {"username": "sun.li", "name": "孙丽", "phone": "13700001234", "password": "Welcome2026"}


def staff_named(db, username: str) -> Staff | None:
    db.session.expire_all()
    return db.session.scalars(sa.select(Staff).where(Staff.username == username)).first()


def test_platform_admin_creates_a_street_officer(world, as_staff, db, app):
    client = as_staff(world.platform)

    response = client.post(
        "/admin/staff/new", data={**NEW, "role": "street_officer", "street_id": world.street_a.id}
    )

    assert response.status_code == 302
    created = staff_named(db, "sun.li")
    assert response.location == f"/admin/staff/{created.id}"
    assert (created.role, created.street_id, created.active) == (
        StaffRole.street_officer,
        world.street_a.id,
        True,
    )
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.entity_id) == ("staff.create", str(created.id))
    assert "password" not in entry.after and "password_hash" not in entry.after
    assert login(app.test_client(), created, password="Welcome2026").status_code == 302


def test_weak_password_is_refused(world, as_staff, db):
    response = as_staff(world.platform).post(
        "/admin/staff/new", data={**NEW, "password": "short1", "role": "platform_admin"}
    )

    assert response.status_code == 422
    assert "密码至少 8 位" in response.data.decode()
    assert staff_named(db, "sun.li") is None


def test_password_without_digits_is_refused(world, as_staff, db):
    response = as_staff(world.platform).post(
        "/admin/staff/new", data={**NEW, "password": "onlyletters", "role": "platform_admin"}
    )

    assert response.status_code == 422
    assert staff_named(db, "sun.li") is None


def test_duplicate_username_is_refused(world, as_staff, db):
    response = as_staff(world.platform).post(
        "/admin/staff/new", data={**NEW, "username": "desk_a", "role": "platform_admin"}
    )

    assert response.status_code == 409
    assert "该用户名已被使用" in response.data.decode()
    assert db.session.scalar(sa.select(sa.func.count()).where(Staff.username == "desk_a")) == 1


def test_refused_form_keeps_what_was_typed_but_not_the_password(world, as_staff):
    response = as_staff(world.platform).post(
        "/admin/staff/new", data={**NEW, "password": "weak", "role": "platform_admin"}
    )

    page = response.data.decode()
    assert 'value="sun.li"' in page and 'value="孙丽"' in page
    assert "weak" not in page


def test_company_admin_creates_company_roles_only_in_own_company(world, as_staff, db):
    client = as_staff(world.admin_a)

    # a company id of another company in the form is ignored: the staff joins company A
    response = client.post(
        "/admin/staff/new",
        data={**NEW, "role": "technician", "company_id": world.company_b.id},
    )

    assert response.status_code == 302
    created = staff_named(db, "sun.li")
    assert (created.role, created.company_id) == (StaffRole.technician, world.company_a.id)


def test_company_admin_cannot_give_roles_outside_the_company(world, as_staff, db):
    client = as_staff(world.admin_a)

    for role, extra in [
        ("platform_admin", {}),
        ("street_officer", {"street_id": world.street_a.id}),
        ("committee_member", {"estate_id": world.estate_a.id}),
    ]:
        response = client.post("/admin/staff/new", data={**NEW, "role": role, **extra})
        assert response.status_code == 403, role
        assert "您不能分配该角色" in response.data.decode()
    assert staff_named(db, "sun.li") is None
    form = client.get("/admin/staff/new").data.decode()
    assert 'value="technician"' in form and 'value="platform_admin"' not in form


def test_role_needs_its_scope_field(world, as_staff, db):
    response = as_staff(world.platform).post(
        "/admin/staff/new", data={**NEW, "role": "committee_member"}
    )

    assert response.status_code == 422
    assert "请选择业委会所在小区" in response.data.decode()
    assert staff_named(db, "sun.li") is None


def test_scope_fields_follow_the_chosen_role(world, as_staff):
    client = as_staff(world.platform)

    street = client.get("/admin/staff/scope-fields?role=street_officer").data.decode()
    estate = client.get("/admin/staff/scope-fields?role=committee_member").data.decode()
    none = client.get("/admin/staff/scope-fields?role=platform_admin").data.decode()

    assert 'name="street_id"' in street and "翠苑街道" in street
    assert 'name="estate_id"' in estate and "星河湾" in estate
    assert "<select" not in none and "<input" not in none


def test_staff_list_is_limited_to_own_company(world, as_staff):
    page = as_staff(world.admin_a).get("/admin/staff").data.decode()

    assert "desk_a" in page and "tech_a" in page
    assert "admin_b" not in page and "platform" not in page


def test_company_admin_gets_404_for_staff_of_another_company(world, as_staff, db):
    client = as_staff(world.admin_a)

    assert client.get(f"/admin/staff/{world.admin_b.id}").status_code == 404
    response = client.post(f"/admin/staff/{world.admin_b.id}/active", data={"active": "0"})
    assert response.status_code == 404
    assert staff_named(db, "admin_b").active is True


def test_disable_and_enable_an_account(world, as_staff, db, app):
    client = as_staff(world.admin_a)

    assert (
        client.post(f"/admin/staff/{world.desk_a.id}/active", data={"active": "0"}).status_code
        == 302
    )
    assert staff_named(db, "desk_a").active is False
    assert login(app.test_client(), world.desk_a).status_code == 401

    assert (
        client.post(f"/admin/staff/{world.desk_a.id}/active", data={"active": "1"}).status_code
        == 302
    )
    assert staff_named(db, "desk_a").active is True
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["staff.disable", "staff.enable"]


def test_nobody_disables_their_own_account(world, as_staff, db):
    response = as_staff(world.admin_a).post(
        f"/admin/staff/{world.admin_a.id}/active", data={"active": "0"}
    )

    assert response.status_code == 409
    assert "不能停用自己的账号" in response.data.decode()
    assert staff_named(db, "admin_a").active is True


def test_reset_password_checks_strength_and_records_no_secret(world, as_staff, db, app):
    client = as_staff(world.admin_a)
    url = f"/admin/staff/{world.desk_a.id}/password"

    weak = client.post(url, data={"password": "123"})
    assert weak.status_code == 422
    assert "密码至少 8 位" in weak.data.decode()

    assert client.post(url, data={"password": "Changed2026"}).status_code == 302
    assert login(app.test_client(), world.desk_a, password="Changed2026").status_code == 302
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "staff.password"
    assert "Changed2026" not in str(entry.after)


@pytest.mark.parametrize("street_id", ["9999999999", "99999999999999999999", "-1", "x"])
def test_out_of_range_choice_is_refused_not_a_crash(world, as_staff, db, street_id):
    client = as_staff(world.platform)

    response = client.post(
        "/admin/staff/new", data={**NEW, "role": "street_officer", "street_id": street_id}
    )

    assert response.status_code == 422
    assert "提交的选项无效" in response.data.decode()
    assert staff_named(db, "sun.li") is None


def test_absurd_page_number_shows_an_empty_page(world, as_staff):
    client = as_staff(world.platform)

    response = client.get("/admin/estates?page=99999999999999999999")

    assert response.status_code == 200

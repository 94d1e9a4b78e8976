"""Text no database can take gets a clear 4xx on the panel, on both stacks, never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import Staff, StaffRole
from tests.admin.conftest import login
from tests.factories import StaffFactory


@pytest.mark.parametrize(
    "form",
    [
        {"username": "wang\x00fang", "password": "x"},
        {"username": "wang.fang", "password": "pass\x00word1"},
        {"username\x00": "wang.fang", "password": "x"},
    ],
    ids=["username", "password", "field-name"],
)
def test_nul_bytes_in_the_login_form_are_a_422(client, db, form):
    StaffFactory(username="wang.fang")

    resp = client.post("/admin/login", data=form)

    assert resp.status_code == 422
    assert "无法处理的字符" in resp.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_nul_bytes_do_not_get_around_the_login_limit(client, db, app):
    """Refused before any password is checked, so they can guess nothing; and the real
    wrong passwords are still counted and limited."""
    member = StaffFactory(username="wang.fang")
    for _ in range(10):
        assert (
            client.post(
                "/admin/login", data={"username": "wang.fang", "password": "a\x00"}
            ).status_code
            == 422
        )
    for _ in range(5):
        assert login(client, member, password="wrong-password-1").status_code == 401

    assert login(client, member).status_code == 429


@pytest.mark.parametrize("query", ["q=a%00b", "q=%01", "page=1&q=ok&x%00=1"])
def test_nul_bytes_in_panel_queries_are_a_422(client, db, query):
    member = StaffFactory(username="platform", role=StaffRole.platform_admin)
    assert login(client, member).status_code == 302

    resp = client.get(f"/admin/estates?{query}")

    assert resp.status_code == 422
    assert "无法处理的字符" in resp.get_data(as_text=True)


def test_line_breaks_in_a_form_field_pass_the_guard(client, db):
    """A textarea may hold line breaks: only what cannot be stored is refused up front."""
    resp = client.post("/admin/login", data={"username": "a\nb", "password": "x\ty"})

    assert resp.status_code == 401


def test_a_nul_byte_in_a_path_segment_is_not_found(client, db):
    from tests.factories import ResidencyFactory
    from tests.helpers import bearer

    owner = ResidencyFactory()

    resp = client.get(
        f"/api/v1/me/residencies/{owner.id}/invites/AB%00CD/qr.png", headers=bearer(owner.resident)
    )

    assert resp.status_code == 404
    assert resp.json["code"] == 404
    assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == 0


STAFF = {"username": "sun.li", "name": "孙丽", "phone": "13900000009", "password": "Passw0rd!x"}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"role": "service_desk", "company_id": "²"}, "company_id"),
        ({"role": "service_desk", "company_id": "٣"}, "company_id"),
        ({"role": "platform_admin", "name": "长" * 10_000}, "name"),
        ({"role": "platform_admin", "phone": "1" * 25}, "phone"),
        ({"role": "bureau_officer", "district": "区" * 81}, "district"),
        ({"role": "platform_admin", "name": "孙\u202e丽"}, "name"),
    ],
    ids=["superscript-two", "arabic-three", "long-name", "long-phone", "long-district", "bidi"],
)
def test_staff_form_refuses_what_its_columns_cannot_hold(world, as_staff, db, form, field):
    """On PostgreSQL these were 500s (or a stored 10,000-character name on SQLite)."""
    client = as_staff(world.platform)
    before = db.session.scalar(sa.select(sa.func.count(Staff.id)))

    resp = client.post("/admin/staff/new", data={**STAFF, **form})

    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == before

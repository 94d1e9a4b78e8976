"""The layout shows each role only the screens it may use; the dashboard counts in scope."""

from __future__ import annotations

import re

import pytest

from backend.accounts.models import ResidencyStatus
from tests.factories import ResidencyFactory, StaffFactory, UnitFactory

#: every entry a company admin sees (owners' votes are the committee's and the officers')
ALL_ENTRIES = {
    "首页",
    "小区房屋",
    "绑定审核",
    "消息触达",
    "物业收费",
    "住户查询",
    "账号管理",
    "操作日志",
    "工单",
    "信息公示",
    "全部公示",
    "满意度测评",
}


def nav_entries(html: str) -> set[str]:
    nav = re.search(r'<nav class="nav".*?</ul>', html, re.S).group(0)
    return set(re.findall(r"<a [^>]*>([^<]+)</a>", nav))


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (
            "platform",
            ALL_ENTRIES
            | {
                "监管",
                "业主表决",
                "后台任务",
                "维修资金",
                "划款通知",
                "设施设备",
                "维保任务",
                "人民调解",
                "外部接入",
            },
        ),
        ("admin_a", ALL_ENTRIES | {"督办", "维修资金", "设施设备", "维保任务", "人民调解"}),
        (
            "desk_a",
            {
                "首页",
                "小区房屋",
                "绑定审核",
                "消息触达",
                "物业收费",
                "住户查询",
                "工单",
                "信息公示",
                "全部公示",
                "督办",
                "维修资金",
                "设施设备",
                "维保任务",
                "人民调解",
                "满意度测评",
            },
        ),
        (
            "technician_a",
            {
                "首页",
                "小区房屋",
                "消息触达",
                "住户查询",
                "工单",
                "信息公示",
                "全部公示",
                "设施设备",
                "维保任务",
                "满意度测评",
            },
        ),
        (
            "committee_a",
            {
                "首页",
                "小区房屋",
                "消息触达",
                "物业收费",
                "住户查询",
                "工单",
                "信息公示",
                "全部公示",
                "业主表决",
                "维修资金",
                "满意度测评",
            },
        ),
        (
            "street_officer_b",
            {
                "首页",
                "小区房屋",
                "消息触达",
                "物业收费",
                "住户查询",
                "工单",
                "信息公示",
                "全部公示",
                "监管",
                "业主表决",
                "维修资金",
                "设施设备",
                "维保任务",
                "人民调解",
                "外部接入",
                "满意度测评",
            },
        ),
        (
            "bureau_xihu",
            {
                "首页",
                "小区房屋",
                "消息触达",
                "物业收费",
                "住户查询",
                "工单",
                "信息公示",
                "全部公示",
                "监管",
                "业主表决",
                "维修资金",
                "设施设备",
                "维保任务",
                "人民调解",
                "满意度测评",
            },
        ),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(world, as_staff, member, expected):
    client = as_staff(getattr(world, member))

    page = client.get("/admin/").data.decode()

    assert nav_entries(page) == expected


@pytest.mark.parametrize(
    ("member", "path"),
    [
        ("technician_a", "/admin/reviews"),
        ("committee_a", "/admin/reviews"),
        ("desk_a", "/admin/staff"),
        ("desk_a", "/admin/staff/new"),
        ("street_officer_b", "/admin/audit"),
        ("desk_a", "/admin/audit"),
        ("committee_a", "/admin/import/template.xlsx"),
        ("technician_a", "/admin/bills"),
        ("committee_a", "/admin/payments/day-end"),
    ],
)
def test_hidden_screens_are_refused_with_403(world, as_staff, member, path):
    client = as_staff(getattr(world, member))

    response = client.get(path)

    assert response.status_code == 403
    assert "您的角色没有此项权限" in response.data.decode()


def test_dashboard_counts_only_what_is_in_scope(world, as_staff):
    UnitFactory(building=world.building_a)
    ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    ResidencyFactory(unit=world.unit_b, status=ResidencyStatus.pending)

    page = as_staff(world.admin_a).get("/admin/").data.decode()

    # company A: 翠苑一区 and 文华苑, 2 buildings, 3 units, 1 pending review (星河湾's is B's)
    assert re.search(r'id="stat-estates">2<', page)
    assert re.search(r'id="stat-buildings">2<', page)
    assert re.search(r'id="stat-units">3<', page)
    assert re.search(r'id="todo-reviews">1<', page)


def test_dashboard_has_an_empty_state(client, db, as_staff):
    from backend.authz.roles import StaffRole
    from tests.factories import CompanyFactory

    lonely = StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())

    page = as_staff(lonely).get("/admin/").data.decode()

    assert "您的管辖范围内暂无小区" in page
    assert 'id="dashboard-stats"' not in page


def test_pages_load_vendored_assets_only(world, as_staff):
    client = as_staff(world.platform)

    page = client.get("/admin/").data.decode()
    htmx = client.get("/admin/static/vendor/htmx.min.js")
    css = client.get("/admin/static/admin.css")

    assert htmx.status_code == 200 and b"htmx" in htmx.data
    assert css.status_code == 200
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert '<html lang="zh-CN">' in page


def test_invite_pages_mark_the_estates_entry_as_current(world, as_staff):
    client = as_staff(world.desk_a)
    invite = client.post(f"/admin/units/{world.unit_a.id}/invites", data={"role": "owner"})

    page = client.get(invite.location).data.decode()

    assert re.search(r'aria-current="page" class="active">小区房屋<', page)

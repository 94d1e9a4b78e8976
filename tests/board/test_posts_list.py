"""The flat list of posts (全部公示): every post of the boards in scope, whatever its estate
or section, narrowed by estate, section, state, publication date and title, each linking
to its own page; a company sees its estates, a street office its jurisdiction."""

from __future__ import annotations

import re
from datetime import timedelta

from backend.authz.roles import StaffRole
from backend.board import services
from backend.core.db import commit
from backend.core.time import local_today, utcnow
from tests.admin.conftest import login
from tests.factories import StaffFactory, StreetFactory


def _rows(page: str) -> list[int]:
    return sorted(int(i) for i in re.findall(r'<tr id="post-(\d+)"', page))


def _posts(world) -> dict[str, int]:
    """This month's manager post and an older standards post of the estate (one later
    withdrawn), and the other company's post of the other estate."""
    posts = {
        "manager": world.publish(title="项目负责人：物业服务中心"),
        "standards": world.publish(section="service_standards", title="2025年服务标准"),
        "withdrawn": world.publish(section="service_standards", title="电梯停运通知"),
        "other": world.publish(
            world.other_company, estate_id=world.other_estate.id, title="外区项目负责人"
        ),
    }
    posts["standards"].published_at = utcnow() - timedelta(days=400)
    services.withdraw(world.company, posts["withdrawn"].id, "通知有误，重新发布")
    commit()
    return {name: post.id for name, post in posts.items()}


def test_a_company_lists_the_posts_of_its_estates(client, world):
    ids = _posts(world)
    login(client, world.company)

    page = client.get("/admin/board/posts").get_data(as_text=True)

    assert _rows(page) == sorted([ids["manager"], ids["standards"], ids["withdrawn"]])
    assert "共 3 条" in page
    assert f'href="/admin/board/posts/{ids["manager"]}"' in page
    assert "项目负责人及投诉电话" in page and "已撤回" in page
    other = client.get(f"/admin/board/posts?estate_id={world.other_estate.id}")
    assert other.status_code == 404


def test_the_list_narrows_by_section_state_date_and_title(client, world):
    ids = _posts(world)
    login(client, world.company)
    today = local_today().isoformat()

    def rows(**args):
        return _rows(client.get("/admin/board/posts", query_string=args).text)

    assert rows(section="service_standards") == sorted([ids["standards"], ids["withdrawn"]])
    assert rows(state="withdrawn") == [ids["withdrawn"]]
    assert rows(state="published") == sorted([ids["manager"], ids["standards"]])
    assert rows(**{"from": today, "to": today}) == sorted([ids["manager"], ids["withdrawn"]])
    assert rows(q="服务") == sorted([ids["manager"], ids["standards"]])
    assert rows(q="100%_") == []
    # a section or state not offered is no filter
    assert len(rows(section="nonsense", state="draft")) == 3
    assert "没有符合条件的公示" in client.get("/admin/board/posts?q=不存在").text


def test_a_street_lists_its_jurisdiction_and_another_street_nothing(client, world):
    ids = _posts(world)
    login(client, world.street)

    page = client.get("/admin/board/posts").get_data(as_text=True)
    assert _rows(page) == sorted(ids.values())  # both estates are of its street

    elsewhere = StaffFactory(role=StaffRole.street_officer, street=StreetFactory())
    commit()
    other = client.application.test_client()
    login(other, elsewhere)
    page = other.get("/admin/board/posts").get_data(as_text=True)
    assert _rows(page) == [] and "管辖范围内还没有公示" in page

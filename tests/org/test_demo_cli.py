"""``flask seed-demo``: prints the logins and codes, is idempotent, and resets on request.
Each test starts from empty tables (the seeded demo's tests are in ``test_demo.py``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts import services as accounts
from backend.accounts.models import Residency, ResidencyStatus, Resident
from backend.core.db import commit
from backend.demo import DEMO_PASSWORD, seed_demo
from backend.extensions import db as _db
from backend.org.models import Unit


def count(model, *where) -> int:
    return _db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


@pytest.fixture
def seeded(db):
    summary = seed_demo()
    commit()
    return summary


def test_cli_seeds_prints_logins_and_codes_and_is_idempotent(app, db):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert "已创建演示数据：杭州市西湖区文新街道" in first.output
    for text in ("admin", "jiahe.admin", "xihu.zhujian", DEMO_PASSWORD, "平台管理员", "WXJD2345"):
        assert text in first.output
    assert "o-demo-zhang" in first.output
    assert second.exit_code == 0
    assert "演示数据已存在，未重复创建" in second.output
    assert "jiahe.admin" in second.output
    assert count(Unit) == 601


def test_a_second_run_with_used_codes_says_how_to_restore_the_demo(app, db, seeded):
    chen = Resident(openid="o-demo-chen")
    _db.session.add(chen)
    _db.session.flush()
    accounts.redeem_invite(chen, "WXJD2345")
    commit()

    second = app.test_cli_runner().invoke(args=["seed-demo"])

    assert "WXJD2345  嘉绿景苑 8幢 1101  业主  已使用" in second.output
    assert "flask --app backend seed-demo --reset --yes" in second.output


def test_cli_reset_erases_and_seeds_again(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    _db.session.add(Resident(openid="o-someone-else"))
    commit()

    refused = runner.invoke(args=["seed-demo", "--reset"], input="n\n")
    assert refused.exit_code == 1
    assert count(Resident, Resident.openid == "o-someone-else") == 1

    result = runner.invoke(args=["seed-demo", "--reset", "--yes"])

    assert result.exit_code == 0, result.output
    assert "已创建演示数据" in result.output
    assert count(Resident, Resident.openid == "o-someone-else") == 0
    assert count(Unit) == 601
    assert count(Residency, Residency.status == ResidencyStatus.pending) == 3

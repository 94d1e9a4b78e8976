"""seed-demo shows the board at once: every section, a correction, a withdrawal, a
must-read notice, a money statement, generated fee standards and a stale section."""

from __future__ import annotations

import sqlalchemy as sa

from backend.board.compliance import board_compliance
from backend.board.models import Post
from backend.board.sections import sections
from backend.demo import seed_demo


def test_demo_fills_every_section_of_the_board(db):
    seed_demo()
    posts = db.session.scalars(sa.select(Post)).all()
    shown = {p.section for p in posts}
    # votes, supervision, the fund, safety and surveys fill their generated sections after
    # the board demo
    assert {s.code for s in sections()} - shown <= {
        "vote_results",
        "evaluations",
        "fund_uses",
        "equipment",
        "survey_results",
    }
    assert any(p.version_count > 1 and p.versions[-1].reason for p in posts)
    assert any(p.withdrawn and p.withdraw_reason for p in posts)
    assert any(p.must_read for p in posts)
    assert any(p.current.statement for p in posts)
    assert any(p.section == "fee_standards" and p.current.data for p in posts)
    estates = {p.estate_id for p in posts}
    stale = [
        s
        for estate_id in estates
        for s in board_compliance(estate_id).statuses
        if s.state == "stale"
    ]
    assert stale


def test_every_demo_post_that_points_to_its_statement_has_one(db):
    """Issue 19: "详见收支明细" (see the statement) is never said of a post without one."""
    seed_demo()
    pointing = [
        p for p in db.session.scalars(sa.select(Post)) if "收支明细" in (p.current.body_html or "")
    ]
    assert pointing
    assert all(p.current.statement for p in pointing), [p.current.title for p in pointing]


def test_the_demo_names_the_company_as_it_is_registered():
    """Issue 19: the demo's motions say 嘉禾, as the company is named, never 嘉和."""
    from pathlib import Path

    import backend

    root = Path(backend.__file__).parent
    assert not [
        str(path) for path in root.rglob("*.py") if "嘉和" in path.read_text(encoding="utf-8")
    ]

"""``python -m backend.votes.recount FILE.json`` recomputes a published vote on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from backend.votes import recount
from backend.votes.chain import chain_head, link
from backend.votes.tally import CountedBallot, tally

ROOT = Path(__file__).resolve().parents[2]

# 12 voters, 1200.00 m²; an item (6) matter (repair fund): 8 take part, 6 agree
BALLOTS = [
    ("A-01", "agree", "100.10", 1),
    ("A-02", "agree", "99.90", 1),
    ("A-03", "agree", "120.00", 1),
    ("A-04", "agree", "80.00", 1),
    ("A-05", "agree", "100.00", 1),
    ("A-06", "agree", "100.00", 1),
    ("A-07", "oppose", "150.00", 1),
    ("A-08", "abstain", "50.00", 1),
]


def published_vote() -> dict:
    """A vote as the server publishes it (areas as strings)."""
    linked = link(
        {"receipt": r, "choice": c, "area": Decimal(a), "heads": h} for r, c, a, h in BALLOTS
    )
    return {
        "motion": {"id": 7, "item": 6, "title": "续筹专项维修资金"},
        "total_area": "1200.00",
        "total_heads": 12,
        "ballots": [{**b, "area": f"{b['area']:.2f}"} for b in linked],
        "chain_head": chain_head(linked),
    }


def run_recount(tmp_path: Path, content: object) -> subprocess.CompletedProcess:
    path = tmp_path / "published.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    # no server and no database: point the app's settings at nothing that exists
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
           "REDIS_URL": "redis://127.0.0.1:1/0"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "backend.votes.recount", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_recount_reproduces_the_published_figures(tmp_path):
    done = run_recount(tmp_path, published_vote())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "total_area": "1200.00",
        "total_heads": 12,
        "participating_area": "800.00",
        "participating_heads": 8,
        "participation_area_ratio": "2/3",
        "participation_head_ratio": "2/3",
        "agree_area": "600.00",
        "agree_heads": 6,
        "agree_area_ratio": "3/4",
        "agree_head_ratio": "3/4",
        "threshold_class": "three_quarters",
        "result": "passed",
        "failed_condition": None,
        "chain_valid": True,
    }


def test_recount_equals_the_engine_the_server_uses(tmp_path):
    vote = published_vote()
    vote["motion"]["item"] = 1
    vote["ballots"] = vote["ballots"][:5]
    done = run_recount(tmp_path, vote)
    engine = tally(
        [CountedBallot(c, Decimal(a), h) for _, c, a, h in BALLOTS[:5]],
        total_area=Decimal("1200.00"),
        total_heads=12,
        item=1,
    )
    assert json.loads(done.stdout) == {**engine.as_dict(), "chain_valid": False}
    assert engine.failed_condition == "participation_area"


def test_changing_one_ballot_of_the_published_list_makes_the_chain_invalid(tmp_path):
    vote = published_vote()
    vote["ballots"][6]["choice"] = "agree"
    done = run_recount(tmp_path, vote)
    figures = json.loads(done.stdout)
    assert figures["agree_heads"] == 7
    assert figures["chain_valid"] is False


def test_a_list_typed_by_hand_is_counted_with_no_chain(tmp_path):
    vote = published_vote()
    del vote["chain_head"]
    vote["ballots"] = [
        {k: b[k] for k in ("receipt", "choice", "area", "heads")} for b in vote["ballots"]
    ]
    figures = json.loads(run_recount(tmp_path, vote).stdout)
    assert figures["chain_valid"] is None
    assert figures["result"] == "passed"


def test_areas_typed_as_json_numbers_are_read_exactly(tmp_path):
    text = json.dumps(published_vote(), ensure_ascii=False)
    text = text.replace('"area": "100.10"', '"area": 100.10').replace(
        '"total_area": "1200.00"', '"total_area": 1200.00'
    )
    figures = json.loads(run_recount(tmp_path, text).stdout)
    assert figures["participating_area"] == "800.00"
    assert figures["chain_valid"] is True


def ballot_edit(index, key, value):
    def edit(vote):
        if value is None:
            del vote["ballots"][index][key]
        else:
            vote["ballots"][index][key] = value

    return edit


def top_edit(key, value):
    def edit(vote):
        if value is None:
            del vote[key]
        else:
            vote[key] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (ballot_edit(2, "choice", "yes"), "选项 'yes' 无效"),
        (ballot_edit(2, "area", "-1.00"), "面积不能为负数"),
        (ballot_edit(2, "area", "1.005"), "more than two decimals"),
        (ballot_edit(2, "area", "abc"), "is not a number"),
        (ballot_edit(2, "heads", 0), "heads must be an integer"),
        (ballot_edit(2, "receipt", None), "第 3 张选票 (ballot 3) 缺少字段 receipt"),
        (ballot_edit(3, "receipt", "A-01"), "回执码重复：A-01"),
        (top_edit("total_heads", None), "is missing the field total_heads"),
        (top_edit("total_area", "0.00"), "total_area 须大于零"),
        (top_edit("total_heads", 7), "超过总人数"),
        (top_edit("ballots", {}), "ballots must be a JSON array"),
        (lambda vote: vote["motion"].update(item=10), "第278条"),
    ],
)
def test_malformed_input_is_reported_in_chinese_and_english(tmp_path, capsys, edit, message):
    vote = published_vote()
    edit(vote)
    path = tmp_path / "published.json"
    path.write_text(json.dumps(vote, ensure_ascii=False), encoding="utf-8")
    # in-process (the subprocess runs above show the command itself); same exit path
    assert recount.main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert "错误 / error:" in err


def test_a_file_that_is_not_json_is_refused(tmp_path):
    done = run_recount(tmp_path, "{ballots: [")
    assert done.returncode == 2
    assert "不是有效的 JSON / not valid JSON" in done.stderr


def test_a_missing_file_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "backend.votes.recount", str(tmp_path / "none.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "无法读取文件 / cannot read the file" in done.stderr


def test_the_engine_imports_nothing_of_the_app():
    """The recount must run anywhere: its modules import only the standard library."""
    import ast

    for name in ("tally", "chain", "electorate", "recount"):
        tree = ast.parse((ROOT / "backend" / "votes" / f"{name}.py").read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert module.startswith("backend.votes.") or top in sys.stdlib_module_names, (
                    f"{name}.py imports {module}"
                )


def test_an_election_with_an_unknown_candidate_is_refused():
    from backend.votes.recount import RecountError, recount

    document = {
        "motion": {
            "id": 1, "item": 3, "title": "选举", "kind": "election", "seats": 1,
            "candidates": [{"number": 1, "name": "张三"}],
        },
        "total_area": "100.00",
        "total_heads": 1,
        "ballots": [{"receipt": "R1", "choice": "elect:2", "area": "100.00", "heads": 1}],
    }  # fmt: skip
    with pytest.raises(RecountError):
        recount(document)
    document["ballots"][0]["choice"] = "elect:1"
    figures = recount(document)
    assert figures["elected"] == [1] and figures["chain_valid"] is None

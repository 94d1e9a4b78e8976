"""Recount a published vote from its ballot list, without the server or a database.

    python -m backend.votes.recount FILE.json

reads the published JSON (``{"motion": {"id", "item", "title"}, "total_area": "1200.00",
"total_heads": 9, "ballots": [{"receipt", "choice", "area", "heads", "prev", "hash"}, …],
"chain_head": "…"}``; ``prev``/``hash``/``chain_head`` may be left out of a list typed by
hand) and prints the tally as JSON (``Tally.as_dict`` plus ``chain_valid``). Malformed
input is reported in Chinese and English on stderr with exit status 2.

An election (``"motion": {…, "kind": "election", "seats": 2, "candidates": [{"number": 1,
"name": "张三"}, …]}``) has ballots whose ``choice`` is ``elect:1,3`` (the chosen candidates'
numbers); it prints ``ElectionTally.as_dict`` (turnout, every candidate's figures, elected,
tied, unfilled seats) plus ``chain_valid``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from backend.votes.chain import chain_valid
from backend.votes.tally import (
    CHOICES,
    CountedBallot,
    election_tally,
    parse_election_choice,
    tally,
    threshold_class,
)

#: exit status for a file that cannot be recounted
MALFORMED = 2


class RecountError(ValueError):
    """A published list that cannot be recounted; the message is Chinese / English."""


def parse_area(value: object, where: str) -> Decimal:
    """An area in m²: a decimal string (or JSON number) ≥ 0 with at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise RecountError(
            f'{where}：面积须为十进制字符串，如 "150.00" / {where}: area must be a decimal '
            f'string such as "150.00"'
        )
    try:
        area = Decimal(value)
    except InvalidOperation:
        raise RecountError(
            f"{where}：面积 {value!r} 不是数字 / {where}: area {value!r} is not a number"
        ) from None
    if not area.is_finite() or area < 0:
        raise RecountError(
            f"{where}：面积不能为负数 / {where}: area must not be negative ({value})"
        )
    if area.as_tuple().exponent < -2:
        raise RecountError(
            f"{where}：面积最多两位小数 / {where}: area has more than two decimals ({value})"
        )
    return area


def parse_count(value: object, where: str, *, minimum: int) -> int:
    """A head count: a JSON integer of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RecountError(
            f"{where}：人数须为不小于 {minimum} 的整数 / {where}: heads must be an integer "
            f"of at least {minimum} (got {value!r})"
        )
    return value


def require(mapping: object, key: str, where: str) -> object:
    """``mapping[key]``, or a RecountError naming the missing field."""
    if not isinstance(mapping, dict):
        raise RecountError(f"{where} 须为 JSON 对象 / {where} must be a JSON object")
    if key not in mapping:
        raise RecountError(f"{where} 缺少字段 {key} / {where} is missing the field {key}")
    return mapping[key]


def parse_ballot(raw: object, number: int, election: Election | None = None) -> dict:
    """One ballot of the list, checked, with its area as ``Decimal`` (and, in an election,
    its chosen candidates as ``chosen``)."""
    where = f"第 {number} 张选票 (ballot {number})"
    receipt = require(raw, "receipt", where)
    if not isinstance(receipt, str) or not receipt:
        raise RecountError(f"{where}：回执码须为非空字符串 / {where}: receipt must be a string")
    choice = require(raw, "choice", where)
    chosen = None
    if election is not None:
        chosen = parse_choice_of_election(choice, election, where)
    elif choice not in CHOICES:
        raise RecountError(
            f"{where}：选项 {choice!r} 无效，须为 agree/oppose/abstain / {where}: choice "
            f"{choice!r} is not one of agree, oppose, abstain"
        )
    ballot = {
        "receipt": receipt,
        "choice": choice,
        "area": parse_area(require(raw, "area", where), where),
        "heads": parse_count(require(raw, "heads", where), where, minimum=1),
    }
    for key in ("prev", "hash"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise RecountError(f"{where}：{key} 须为字符串 / {where}: {key} must be a string")
            ballot[key] = raw[key]
    if chosen is not None:
        ballot["chosen"] = chosen
    return ballot


class Election:
    """What an election's header says: its seats and candidates (number → name)."""

    def __init__(self, seats: int, candidates: dict[int, str]):
        self.seats = seats
        self.candidates = candidates


def parse_election(motion: dict) -> Election | None:
    """The election of ``motion``, or None for an ordinary matter."""
    if motion.get("kind", "ordinary") == "ordinary":
        return None
    if motion.get("kind") != "election":
        raise RecountError(
            f"motion.kind 须为 ordinary 或 election / motion.kind must be ordinary or election, "
            f"got {motion.get('kind')!r}"
        )
    seats = parse_count(require(motion, "seats", "motion"), "motion.seats", minimum=1)
    raw = require(motion, "candidates", "motion")
    if not isinstance(raw, list) or not raw:
        raise RecountError("motion.candidates 须为非空数组 / motion.candidates must be a list")
    candidates: dict[int, str] = {}
    for position, entry in enumerate(raw, start=1):
        where = f"候选人 {position} (candidate {position})"
        number = parse_count(require(entry, "number", where), where, minimum=1)
        name = require(entry, "name", where)
        if not isinstance(name, str) or number in candidates:
            raise RecountError(
                f"{where}：序号重复或姓名无效 / {where}: repeated number or bad name"
            )
        candidates[number] = name
    return Election(seats, candidates)


def parse_choice_of_election(choice: object, election: Election, where: str) -> frozenset[int]:
    """The candidates an election ballot chose: known numbers, at most the seats."""
    try:
        chosen = parse_election_choice(choice)
    except ValueError:
        raise RecountError(
            f"{where}：选举选项 {choice!r} 无效，须如 elect:1,3 / {where}: election choice "
            f"{choice!r} must look like elect:1,3"
        ) from None
    if not chosen <= election.candidates.keys() or len(chosen) > election.seats:
        raise RecountError(
            f"{where}：所选候选人无效或超过应选名额 / {where}: unknown candidates or more "
            f"than {election.seats} chosen"
        )
    return chosen


def recount(published: object) -> dict:
    """The tally of a published vote as printed by the command (figures + ``chain_valid``)."""
    motion = require(published, "motion", "文件 (file)")
    item = require(motion, "item", "motion")
    try:
        threshold_class(item)
    except ValueError:
        raise RecountError(
            f"motion.item 须为 1 至 9 的整数（《民法典》第278条）/ motion.item must be an "
            f"integer from 1 to 9 (Civil Code Art. 278), got {item!r}"
        ) from None
    total_area = parse_area(require(published, "total_area", "文件 (file)"), "total_area")
    total_heads = parse_count(
        require(published, "total_heads", "文件 (file)"), "total_heads", minimum=1
    )
    if total_area <= 0:
        raise RecountError("total_area 须大于零 / total_area must be greater than zero")
    raw_ballots = require(published, "ballots", "文件 (file)")
    if not isinstance(raw_ballots, list):
        raise RecountError("ballots 须为数组 / ballots must be a JSON array")
    election = parse_election(motion)
    ballots = [
        parse_ballot(raw, number, election) for number, raw in enumerate(raw_ballots, start=1)
    ]
    receipts = [b["receipt"] for b in ballots]
    if len(set(receipts)) != len(receipts):
        repeated = sorted({r for r in receipts if receipts.count(r) > 1})
        raise RecountError(
            f"回执码重复：{', '.join(repeated)} / repeated receipts: {', '.join(repeated)}"
        )
    head = published.get("chain_head")
    if head is not None and not isinstance(head, str):
        raise RecountError("chain_head 须为字符串 / chain_head must be a string")
    try:
        if election is not None:
            result = election_tally(
                ((b["chosen"], b["area"], b["heads"]) for b in ballots),
                candidates=sorted(election.candidates.items()),
                seats=election.seats,
                total_area=total_area,
                total_heads=total_heads,
                item=item,
            )
        else:
            result = tally(
                (CountedBallot(b["choice"], b["area"], b["heads"]) for b in ballots),
                total_area=total_area,
                total_heads=total_heads,
                item=item,
            )
    except ValueError as exc:
        raise RecountError(f"{exc} / participation exceeds the electorate") from None
    return {**result.as_dict(), "chain_valid": chain_valid(ballots, head)}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m backend.votes.recount",
        description="按公布的选票清单重新计票 / recount a vote from its published ballot list",
    )
    parser.add_argument("file", help="公布的 JSON 文件 / the published JSON file")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as f:
            # numbers are read exactly: 150.10 stays Decimal("150.10"), never a float
            published = json.load(f, parse_float=Decimal)
    except OSError as exc:
        print(f"无法读取文件 / cannot read the file: {exc}", file=sys.stderr)
        return MALFORMED
    except (ValueError, RecursionError) as exc:
        print(f"不是有效的 JSON / not valid JSON: {exc}", file=sys.stderr)
        return MALFORMED
    try:
        result = recount(published)
    except RecountError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return MALFORMED
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

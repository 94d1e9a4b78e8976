"""Money statements on the board (收支公示): lines of income and expense in fen, checked.

A statement is stored as it was published::

    {"title": "2026 年第三季度公共收益收支", "opening_balance_fen": 100000,
     "lines": [{"item": "电梯广告", "income_fen": 360000, "expense_fen": 0,
                "balance_fen": 460000}, ...],
     "total_income_fen": ..., "total_expense_fen": ..., "closing_balance_fen": ...}

The publisher gives every figure; the board checks that they add up (the totals are the
sums of the lines, each line's balance follows from the one before, and the closing
balance is the opening one plus income minus expense) and refuses a statement that does
not, saying where in Chinese. Nothing is rounded or recomputed silently.
"""

from __future__ import annotations

from backend.core.errors import Invalid
from backend.core.money import yuan

MAX_LINES = 200
#: 一千亿元: far above any estate's figures, far below what a database integer holds
MAX_FEN = 10**13


def _fen(value, where: str, errors: dict, *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(where, []).append("金额应为整数（单位：分）")
        return 0
    if abs(value) > MAX_FEN or (value < 0 and not signed):
        errors.setdefault(where, []).append("金额超出范围" if value >= 0 else "金额不能为负")
        return 0
    return value


def check_statement(statement: dict | None) -> dict | None:
    """The statement as stored, if it adds up; :class:`Invalid` (in Chinese) otherwise."""
    if statement is None:
        return None
    errors: dict[str, list[str]] = {}
    lines = statement.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise Invalid(f"收支明细应有 1–{MAX_LINES} 行", {"statement.lines": ["明细行数无效"]})
    opening = _fen(
        statement.get("opening_balance_fen", 0), "opening_balance_fen", errors, signed=True
    )
    balance, income, expense = opening, 0, 0
    stored_lines = []
    problems = []
    for number, line in enumerate(lines, start=1):
        where = f"lines.{number}"
        item = line.get("item") if isinstance(line, dict) else None
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= 60:
            errors.setdefault(where, []).append("项目名称为 1–60 个字")
            continue
        line_income = _fen(line.get("income_fen", 0), where, errors)
        line_expense = _fen(line.get("expense_fen", 0), where, errors)
        income += line_income
        expense += line_expense
        balance += line_income - line_expense
        given = line.get("balance_fen")
        if given is not None:
            given = _fen(given, where, errors, signed=True)
            if given != balance:
                problems.append(
                    f"第 {number} 行（{item.strip()}）结余应为 {yuan(balance)}，"
                    f"填写的是 {yuan(given)}"
                )
        stored_lines.append(
            {
                "item": item.strip(),
                "income_fen": line_income,
                "expense_fen": line_expense,
                "balance_fen": balance,
            }
        )
    if errors:
        raise Invalid("收支明细填写有误", {f"statement.{k}": v for k, v in errors.items()})
    totals = {
        "total_income_fen": income,
        "total_expense_fen": expense,
        "closing_balance_fen": opening + income - expense,
    }
    labels = {
        "total_income_fen": "收入合计",
        "total_expense_fen": "支出合计",
        "closing_balance_fen": "期末结余",
    }
    for key, expected in totals.items():
        given = statement.get(key)
        if given is None:
            continue
        given = _fen(given, key, errors, signed=key == "closing_balance_fen")
        if not errors and given != expected:
            problems.append(f"{labels[key]}应为 {yuan(expected)}，填写的是 {yuan(given)}")
    if errors:
        raise Invalid("收支明细填写有误", {f"statement.{k}": v for k, v in errors.items()})
    if problems:
        raise Invalid("收支不平，不能发布：" + "；".join(problems), {"statement": problems})
    title = statement.get("title") or ""
    if not isinstance(title, str) or len(title) > 120:
        raise Invalid("收支表标题最多 120 个字", {"statement.title": ["标题过长"]})
    return {
        "title": title.strip(),
        "opening_balance_fen": opening,
        "lines": stored_lines,
        **totals,
    }

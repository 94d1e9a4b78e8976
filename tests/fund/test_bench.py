"""bench/fund.py runs (``--smoke``, on PostgreSQL) and its last line is its JSON result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import STACK

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(STACK != "real", reason="the bench needs PostgreSQL")
def test_the_fund_bench_runs_and_ends_with_its_json():
    done = subprocess.run(
        [sys.executable, "bench/fund.py", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exact"] is True
    assert result["debit_entries"] == result["scope_units"]
    assert result["balances"] == result["units"]

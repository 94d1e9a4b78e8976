"""Every benchmark runs, so none can rot unnoticed (bench/common.py).

A bench is a script under ``bench/`` with a ``__main__`` block; a new one is picked up by
these tests without being listed anywhere but in ``DOCUMENTED``. On the real stack each
runs at its ``--smoke`` size in its own database (named from the test database, so parallel
runs do not collide): it must exit 0 and its last line must be JSON with the keys
bench/README.md documents.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REAL_DATABASE_URL, REAL_REDIS_URL, STACK

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BENCHES = sorted(
    path.stem
    for path in BENCH.glob("*.py")
    if re.search(r"^if __name__ == .__main__.:", path.read_text(encoding="utf-8"), re.M)
)

#: the keys each bench's last line holds, as bench/README.md documents them
DOCUMENTED = {
    "board": {"board_rps", "floor_rps", "ratio", "errors"},
    "dashboard": {
        "street_ms",
        "city_ms",
        "naive_street_ms",
        "naive_city_ms",
        "street_ratio",
        "city_ratio",
        "tickets",
    },
    "fees": {
        "generate_s",
        "insert_select_s",
        "generate_ratio",
        "bills_rps",
        "floor_rps",
        "read_ratio",
        "me_rps",
        "me_ratio",
        "notify_per_s",
        "credits_equal_orders",
    },
    "hostile_uploads": {
        "upload_cpu_s",
        "uploads",
        "refused",
        "me_p95_ms",
        "me_p50_ms",
        "me_requests",
        "errors_5xx",
    },
    "me_load": {"me_rps", "healthz_rps", "me_sql_statements", "errors"},
    "photos": {
        "jpeg_ms",
        "jpeg_floor_ms",
        "jpeg_ratio",
        "heic_ms",
        "heic_floor_ms",
        "heic_ratio",
        "peak_rss_mb",
    },
    "tickets": {"levels"},
    "votes": {"tally_ms", "ballots_per_s", "errors", "duplicates"},
    "fund": {"units", "scope_units", "debit_ms", "balances_ms", "exact", "interest_ms"},
    "jobs": {"jobs_per_s", "messages_per_s", "notices", "delivered", "lost", "duplicates"},
    "load": {"users", "requests", "errors_5xx", "p95_ms", "rps"},
    "safety": {"generate_s", "created", "rerun_created", "overdue_ms", "overdue", "lifts"},
    "surveys": {"answers_per_s", "errors", "duplicates", "results_ms"},
}

#: what a bench's figures must show beyond their keys, even at smoke size
HOLDS = {
    "fund": lambda f: (
        f["exact"] is True
        and f["debit_entries"] == f["scope_units"]
        and f["interest_exact"] is True
        and f["interest_entries"] == f["units"]
    ),
    "jobs": lambda f: f["notices"] == f["delivered"] > 0 and f["lost"] == f["duplicates"] == 0,
    "hostile_uploads": lambda f: (
        f["me_requests"] > 0 and f["errors_5xx"] == 0 and f["uploads"] > 0 and f["me_errors"] == 0
    ),
    "load": lambda f: f["errors_5xx"] == 0 and f["requests"] > 0,
    "safety": lambda f: f["created"] > 0 and f["rerun_created"] == 0 and f["overdue"] > 0,
    "surveys": lambda f: f["duplicates"] == 0 and f["tallies_match"] and f["counters_match"],
}


def test_the_benches_are_found():
    assert {"board", "dashboard", "fees", "me_load", "photos", "tickets", "votes"} <= set(BENCHES)
    assert "common" not in BENCHES and "board_floor" not in BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_bench_documents_its_keys(name):
    """bench/README.md's section on the bench names every key of its last line."""
    assert DOCUMENTED.get(name), f"bench/{name}.py has no documented keys in tests/test_bench.py"
    readme = (BENCH / "README.md").read_text(encoding="utf-8")
    heading = f"\n## `{name}.py`"
    assert heading in readme, f"bench/README.md has no section on {name}.py"
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    missing = {key for key in DOCUMENTED[name] if key not in section}
    assert not missing, f"bench/README.md does not document {sorted(missing)} of {name}.py"


@pytest.mark.realstack
@pytest.mark.skipif(STACK != "real", reason="the benches need PostgreSQL and Redis")
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", BENCHES)
def test_bench_runs_at_smoke_size(name):
    """The bench exits 0 and its last line is JSON with its documented keys."""
    assert DOCUMENTED.get(name), f"bench/{name}.py has no documented keys in tests/test_bench.py"
    test_database = urlsplit(REAL_DATABASE_URL).path.lstrip("/")
    env = {
        **os.environ,
        "LINLI_BENCH_DB_SUFFIX": test_database,
        "LINLI_BENCH_ADMIN_URL": REAL_DATABASE_URL,
        "LINLI_BENCH_REDIS_URL": REAL_REDIS_URL,
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    output = done.stdout.strip()
    assert done.returncode == 0, f"{output[-3000:]}\n{done.stderr[-3000:]}"
    last = json.loads(output.splitlines()[-1])
    assert DOCUMENTED[name] <= last.keys(), sorted(DOCUMENTED[name] - last.keys())
    assert last.get("errors", 0) == 0, last
    assert HOLDS.get(name, lambda f: True)(last), last

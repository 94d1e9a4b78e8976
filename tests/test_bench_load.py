"""``bench/load.py --smoke`` runs on the real stack and ends with its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REAL_DATABASE_URL, REAL_REDIS_URL, STACK

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.realstack
@pytest.mark.skipif(STACK != "real", reason="the load bench needs PostgreSQL and Redis")
def test_the_load_bench_smoke_run_serves_mixed_traffic_without_a_5xx():
    server, test_database = REAL_DATABASE_URL.rsplit("/", 1)
    done = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--smoke",
            "--admin-url",
            f"{server}/postgres",
            "--database",
            f"{test_database}_bench_load",
            "--redis-url",
            REAL_REDIS_URL,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"users", "requests", "errors_5xx", "p95_ms", "rps"} <= figures.keys()
    assert figures["users"] == 10
    assert figures["requests"] > 0
    assert figures["errors_5xx"] == 0

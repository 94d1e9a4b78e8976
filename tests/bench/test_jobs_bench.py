"""``bench/jobs.py --smoke`` runs on the real stack (real ``rq worker`` processes, the fake
WeChat server) and its last line tells that no bill notice was lost or sent twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REAL_DATABASE_URL, REAL_REDIS_URL, STACK

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.realstack
@pytest.mark.skipif(STACK != "real", reason="the bench needs PostgreSQL, Redis and rq workers")
def test_jobs_bench_smoke_delivers_every_notice_once():
    server, name = REAL_DATABASE_URL.rsplit("/", 1)
    command = [sys.executable, "bench/jobs.py", "--smoke", "90", "--redis-url", REAL_REDIS_URL]
    command += ["--admin-url", f"{server}/postgres", "--database", f"{name}_bench_jobs"]
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["notices"] == figures["delivered"] > 0
    assert (figures["lost"], figures["duplicates"], figures["failed_jobs"]) == (0, 0, 0)
    assert figures["jobs_per_s"] > 0 and figures["messages_per_s"] > 0

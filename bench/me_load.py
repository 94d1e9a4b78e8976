"""Load test of a signed-in ``GET /api/v1/me`` on gunicorn, PostgreSQL and Redis.

The script builds its own database (``linli_bench``), seeds residents with active
residencies, issues them bearer tokens, starts gunicorn on a free port of 127.0.0.1 and
loads it from this machine only. Each concurrency level measures a trivial ``/healthz`` on
the same server right before ``/me``, so the ratios between the two hold even when the
absolute figures move with the machine.

Run from the repository root: ``.venv/bin/python bench/me_load.py --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
HOST = "127.0.0.1"  # the only address this script ever sends requests to
ENDPOINTS = {"healthz": "/healthz", "me": "/api/v1/me"}
REQUEST_TIMEOUT = 10.0

# run as a script, bench/ is on sys.path but the checkout may not be: import ``backend`` from it
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402


@dataclass
class Measurement:
    """What one client saw at one concurrency level against one endpoint."""

    endpoint: str
    concurrency: int
    client: str
    requests: int
    errors: int
    seconds: float
    #: ``count`` when the request budget ran out, ``time`` when the duration cap did
    stopped_by: str
    p50_ms: float
    p90_ms: float
    p99_ms: float
    #: CPU ms per request of the gunicorn processes, of PostgreSQL and of the load generator
    app_cpu_ms: float | None = None
    postgres_cpu_ms: float | None = None
    client_cpu_ms: float | None = None
    #: share of the machine's CPU taken by anything else meanwhile (other jobs on the box)
    others_busy_pct: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def tail_ratio(self) -> float:
        return round(self.p99_ms / self.p50_ms, 2) if self.p50_ms else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "rps": round(self.rps, 1), "p99_over_p50": self.tail_ratio}


@dataclass
class Seed:
    """Bearer tokens of the seeded residents and what was created."""

    tokens: list[str]
    residents: int
    residencies: int
    units: int
    one_residency_token: str
    two_residencies_token: str


# --- database -------------------------------------------------------------------------


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name``; return its URL (same server and user)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def server_env(settings: dict[str, str]) -> dict[str, str]:
    """The environment of the child processes: ours plus the bench settings."""
    return {**os.environ, **settings}


def run_migrations(settings: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "backend", "db", "upgrade"],
        cwd=ROOT,
        env=server_env(settings),
        check=True,
        capture_output=True,
        text=True,
    )


def seed(app, residents: int) -> Seed:
    """Create ``residents`` residents, each owning one unit; every other one also lives
    in a neighbour's unit (family or tenant), so ``/me`` lists one or two residencies."""
    from datetime import timedelta
    from decimal import Decimal

    from backend.accounts.models import (
        Residency,
        ResidencyRole,
        ResidencySource,
        ResidencyStatus,
        Resident,
    )
    from backend.authz.tokens import issue_token
    from backend.core.time import local_today, utcnow
    from backend.extensions import db
    from backend.org.models import AreaSource, Building, Community, Estate, Street, Unit

    estates_count, buildings_per_estate = 4, 2
    units_per_building = math.ceil(residents / (estates_count * buildings_per_estate))
    with app.app_context():
        street = Street(name="压测街道", district="压测区", city="压测市")
        community = Community(street=street, name="压测社区")
        db.session.add_all([street, community])
        db.session.flush()
        units: list[Unit] = []
        for e in range(estates_count):
            estate = Estate(community=community, street_id=street.id, name=f"压测小区{e + 1}")
            db.session.add(estate)
            db.session.flush()
            for b in range(buildings_per_estate):
                building = Building(estate=estate, name=f"{b + 1}栋", floors=30)
                for n in range(units_per_building):
                    floor = n // 4 + 1
                    units.append(
                        Unit(
                            building=building,
                            estate_id=estate.id,
                            number=f"{floor}{n % 4 + 1:02d}",
                            floor=floor,
                            area=Decimal("89.50"),
                            area_source=AreaSource.registry,
                        )
                    )
                db.session.add(building)
        db.session.add_all(units)
        people = [
            Resident(
                openid=f"bench-openid-{i:05d}",
                nickname=f"住户{i}",
                name=f"住户{i}",
                phone=f"139{i:08d}",
            )
            for i in range(residents)
        ]
        db.session.add_all(people)
        db.session.flush()

        now, lease_end = utcnow(), local_today() + timedelta(days=365)
        residencies = []
        for i, person in enumerate(people):
            home = units[i]
            residencies.append(
                Residency(
                    resident=person,
                    unit_id=home.id,
                    estate_id=home.estate_id,
                    role=ResidencyRole.owner,
                    status=ResidencyStatus.active,
                    source=ResidencySource.registry,
                    activated_at=now,
                )
            )
            if i % 2:
                neighbour = units[(i + 1) % residents]
                role = ResidencyRole.tenant if i % 4 == 1 else ResidencyRole.family
                residencies.append(
                    Residency(
                        resident=person,
                        unit_id=neighbour.id,
                        estate_id=neighbour.estate_id,
                        role=role,
                        status=ResidencyStatus.active,
                        source=ResidencySource.owner_invite,
                        ends_on=lease_end if role == ResidencyRole.tenant else None,
                        activated_at=now,
                    )
                )
        db.session.add_all(residencies)
        db.session.commit()
        tokens = [issue_token(person)[0] for person in people]
        result = Seed(
            tokens=tokens,
            residents=len(people),
            residencies=len(residencies),
            units=len(units),
            one_residency_token=tokens[0],
            two_residencies_token=tokens[1] if len(tokens) > 1 else tokens[0],
        )
        db.session.remove()
    return result


def in_process_profile(app, seeded: Seed, repeats: int = 100) -> dict:
    """SQL statements per request and median in-process time, through Flask's test client.

    No HTTP, no gunicorn, no load: what one request costs inside the app.
    """
    import sqlalchemy as sa

    from backend.extensions import db

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    cases = {
        "healthz": ("/healthz", None),
        "me_1_residency": ("/api/v1/me", seeded.one_residency_token),
        "me_2_residencies": ("/api/v1/me", seeded.two_residencies_token),
    }
    profile: dict[str, dict] = {}
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    for name, (path, token) in cases.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client.get(path, headers=headers)  # warm caches before counting and timing
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(path, headers=headers)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (name, response.status_code, response.data[:200])
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(path, headers=headers)
            times.append(time.perf_counter() - started)
        profile[name] = {
            "sql_statements": len(statements),
            "statements": [" ".join(s.split())[:120] for s in statements],
            "median_ms": round(statistics.median(times) * 1000, 3),
        }
    with app.app_context():
        db.engine.dispose()
    return profile


# --- server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    settings: dict[str, str], workers: int, log_path: Path, app: tuple[str, ...] = ()
) -> Iterator[tuple]:
    """Run gunicorn on a free port of 127.0.0.1; yield (base URL, master pid). ``app``: the
    app to serve and its options (``("--chdir", "bench", "fees_floor:create_app()")``); the
    Linli app by default."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{port}",
                "--log-level",
                "warning",
                *(app or ("backend:create_app()",)),
            ],
            cwd=ROOT,
            env=server_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{HOST}:{port}"
    try:
        wait_until_healthy(base, proc, log_path)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


#: how long a fresh gunicorn may take to answer /healthz (a loaded machine boots slowly)
HEALTHY_WITHIN = 180


def wait_until_healthy(base: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}):\n{log_path.read_text()}")
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(
        f"gunicorn did not answer /healthz within {HEALTHY_WITHIN} s:\n{log_path.read_text()}"
    )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ValueError):
        return []


def _postgres_backends(database: str) -> list[int]:
    """PostgreSQL server processes serving ``database`` (other databases' are not ours)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if title.startswith("postgres:") and f" {database} " in title:
                    pids.append(int(entry.name))
    return pids


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores together."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


@dataclass
class CpuSample:
    app: dict[int, float]
    postgres: dict[int, float]
    client: float
    machine_busy: float
    machine_total: float


class CpuMeter:
    """CPU used during a run by gunicorn, by PostgreSQL serving the bench database, by the
    load generator (this process and its children, such as wrk) and by everything else."""

    def __init__(self, master_pid: int, database: str) -> None:
        self.master_pid = master_pid
        self.database = database

    def sample(self) -> CpuSample:
        pids = [self.master_pid, *_children(self.master_pid)]
        own = os.times()
        return CpuSample(
            app={pid: _cpu_seconds(pid) for pid in pids},
            postgres={pid: _cpu_seconds(pid) for pid in _postgres_backends(self.database)},
            client=own.user + own.system + own.children_user + own.children_system,
            machine_busy=_machine_cpu()[0],
            machine_total=_machine_cpu()[1],
        )

    @staticmethod
    def charge(m: Measurement, before: CpuSample, after: CpuSample) -> None:
        """Fill in ``m``'s CPU figures from two samples taken around it."""

        def delta(b: dict[int, float], a: dict[int, float]) -> float:
            return sum(cpu - b.get(pid, 0.0) for pid, cpu in a.items())

        app, postgres = delta(before.app, after.app), delta(before.postgres, after.postgres)
        client = after.client - before.client
        busy = after.machine_busy - before.machine_busy
        total = after.machine_total - before.machine_total
        if m.requests:
            m.app_cpu_ms = round(app * 1000 / m.requests, 3)
            m.postgres_cpu_ms = round(postgres * 1000 / m.requests, 3)
            m.client_cpu_ms = round(client * 1000 / m.requests, 3)
        if total > 0:
            m.others_busy_pct = round(max(0.0, busy - app - postgres - client) * 100 / total, 1)


# --- load generators ------------------------------------------------------------------


def percentiles_ms(latencies: list[float]) -> tuple[float, float, float]:
    if len(latencies) < 2:
        value = latencies[0] * 1000 if latencies else 0.0
        return value, value, value
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return tuple(round(cuts[i] * 1000, 3) for i in (49, 89, 98))


def python_load(
    base: str, endpoint: str, tokens: list[str], concurrency: int, total: int, cap: float
) -> Measurement:
    """``concurrency`` threads, one ``requests.Session`` each, share a budget of ``total``
    requests and stop at ``cap`` seconds; tokens rotate so every resident is asked for."""
    url = base + ENDPOINTS[endpoint]
    counter = itertools.count()
    start = threading.Barrier(concurrency + 1)
    clock = {"deadline": 0.0}
    per_thread: list[tuple[list[float], int]] = []
    lock = threading.Lock()

    def worker() -> None:
        latencies, errors = [], 0
        with requests.Session() as session:
            start.wait()
            while True:
                i = next(counter)
                if i >= total or time.perf_counter() >= clock["deadline"]:
                    break
                headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"} if tokens else {}
                began = time.perf_counter()
                try:
                    ok = session.get(url, headers=headers, timeout=REQUEST_TIMEOUT).ok
                except requests.RequestException:
                    ok = False
                latencies.append(time.perf_counter() - began)
                errors += not ok
        with lock:
            per_thread.append((latencies, errors))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    clock["deadline"] = began + cap
    start.wait()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    latencies = [x for lat, _ in per_thread for x in lat]
    p50, p90, p99 = percentiles_ms(latencies)
    return Measurement(
        endpoint=endpoint,
        concurrency=concurrency,
        client="python",
        requests=len(latencies),
        errors=sum(e for _, e in per_thread),
        seconds=round(seconds, 3),
        stopped_by="count" if len(latencies) >= total else "time",
        p50_ms=p50,
        p90_ms=p90,
        p99_ms=p99,
    )


WRK_SCRIPT = r"""
-- bench/me_load.py: rotate bearer tokens, count non-200s, report a spent request budget
local tokens, limit, counter, nthreads = {}, 0, 0, 1
thread_id, responses, non200 = 0, 0, 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(tokens, line) end
  end
  limit, nthreads = tonumber(args[2]), tonumber(args[3])
end

function request()
  counter = counter + 1
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[((counter * nthreads + thread_id) % #tokens) + 1]
  end
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then non200 = non200 + 1 end
  -- only report: a thread stopped here could leave a connection open without a request,
  -- which holds a sync gunicorn worker until wrk exits
  if responses == limit then
    io.stdout:write("linli-bench: thread done\n")
    io.stdout:flush()
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non200") or 0) end
  local e = summary.errors
  io.stdout:write(string.format(
    'linli-bench: {"requests": %d, "duration_us": %d, "non200": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"""


def wrk_load(
    base: str,
    endpoint: str,
    tokens: list[str],
    concurrency: int,
    total: int,
    cap: float,
    workdir: Path,
) -> Measurement:
    """The same measurement with wrk, interrupted once every wrk thread has had its share
    of ``total`` responses (so a few more than ``total`` complete)."""
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    per_thread = math.ceil(total / threads)
    script, token_file = workdir / "me_load.lua", workdir / "tokens.txt"
    script.write_text(WRK_SCRIPT)
    token_file.write_text("\n".join(tokens) + "\n")
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, math.ceil(cap))}s",
        f"--timeout={int(REQUEST_TIMEOUT)}s",
        "-s",
        str(script),
        base + ENDPOINTS[endpoint],
        "--",
        str(token_file),
        str(per_thread),
        str(threads),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finished, summary, output = 0, None, []
    for line in proc.stdout:
        output.append(line)
        if line.startswith("linli-bench: thread done"):
            finished += 1
            if finished == threads:
                proc.send_signal(signal.SIGINT)  # wrk then stops sleeping out its -d
        elif line.startswith("linli-bench: {"):
            summary = json.loads(line.removeprefix("linli-bench: "))
    proc.wait()
    if summary is None:
        raise SystemExit("wrk gave no summary:\n" + "".join(output))
    return Measurement(
        endpoint=endpoint,
        concurrency=concurrency,
        client="wrk",
        requests=summary["requests"],
        errors=summary["non200"] + summary["socket_errors"],
        seconds=round(summary["duration_us"] / 1e6, 3),
        stopped_by="count" if finished == threads else "time",
        p50_ms=summary["p50_us"] / 1000,
        p90_ms=summary["p90_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
    )


# --- report ---------------------------------------------------------------------------


def level_ratios(healthz: Measurement, me: Measurement) -> dict:
    """How much more a ``/me`` costs than a ``/healthz`` on the same server and run."""

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a and b else None

    return {
        "me_cost_x_healthz": ratio(healthz.rps, me.rps),
        "me_p50_x_healthz": ratio(me.p50_ms, healthz.p50_ms),
        "me_p99_x_healthz": ratio(me.p99_ms, healthz.p99_ms),
        "me_app_cpu_x_healthz": ratio(me.app_cpu_ms, healthz.app_cpu_ms),
    }


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_table(levels: list[dict]) -> None:
    header = (
        f"{'conc':>4}  {'endpoint':<9} {'reqs':>6} {'err':>4} {'req/s':>8} {'p50 ms':>8} "
        f"{'p90 ms':>8} {'p99 ms':>8} {'p99/p50':>7} {'app cpu':>8} {'pg cpu':>7} "
        f"{'client':>7} {'others':>7}"
    )
    print(header)
    print("-" * len(header))
    for level in levels:
        for name in ("healthz", "me"):
            m = level[name]
            print(
                f"{m['concurrency']:>4}  /{name:<8} {m['requests']:>6} {m['errors']:>4} "
                f"{m['rps']:>8.1f} {m['p50_ms']:>8.2f} {m['p90_ms']:>8.2f} {m['p99_ms']:>8.2f} "
                f"{m['p99_over_p50']:>7.2f} {_figure(m['app_cpu_ms']):>8} "
                f"{_figure(m['postgres_cpu_ms']):>7} {_figure(m['client_cpu_ms']):>7} "
                f"{_figure(m['others_busy_pct']):>6}%"
                + ("  (time cap)" if m["stopped_by"] == "time" else "")
            )
        r = level["ratios"]
        print(
            f"      /me costs {r['me_cost_x_healthz']}× /healthz in throughput; "
            f"p50 {r['me_p50_x_healthz']}×, p99 {r['me_p99_x_healthz']}×, "
            f"app CPU {r['me_app_cpu_x_healthz']}× per request"
        )
    print(
        "cpu columns: CPU ms per request of gunicorn, of PostgreSQL and of the load generator; "
        "others: % of the machine's CPU used meanwhile by unrelated processes"
    )


def git_revision() -> str:
    """The checked-out commit, ``+dirty`` if tracked files have changed."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (rev or "unknown") + ("+dirty" if dirty else "")


# --- main -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 8, 32], help="concurrency levels"
    )
    parser.add_argument(
        "--requests", type=int, default=3000, help="request budget per endpoint and level"
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="time cap in seconds per endpoint and level"
    )
    parser.add_argument("--residents", type=int, default=200, help="residents to seed")
    parser.add_argument(
        "--client",
        choices=["auto", "python", "wrk"],
        default="auto",
        help="load generator: wrk when it is on PATH (auto), else Python threads",
    )
    parser.add_argument(
        "--admin-url",
        default=common.admin_url(),
        help="PostgreSQL URL used to drop and create the bench database",
    )
    parser.add_argument(
        "--database", default=common.database_name("me_load"), help="name of the bench database"
    )
    parser.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/14"))
    parser.add_argument("--smoke", action="store_true", help="sizes that run in seconds")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database behind")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "me_load.json")
    args = common.smoke(
        parser.parse_args(argv), residents=10, concurrency=[2], requests=100, duration=1.0
    )
    if args.residents < 2:
        parser.error("--residents must be at least 2")
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not on PATH (Debian: apt-get install wrk)")
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    return args


def run_levels(base: str, master_pid: int, seeded: Seed, args: argparse.Namespace) -> list[dict]:
    """Measure ``/healthz`` then ``/me`` at each concurrency level against one server."""
    check = requests.get(
        base + ENDPOINTS["me"],
        headers={"Authorization": f"Bearer {seeded.two_residencies_token}"},
        timeout=REQUEST_TIMEOUT,
    )
    if check.status_code != 200 or len(check.json()["residencies"]) != 2:
        raise SystemExit(f"/me does not answer as expected: {check.status_code} {check.text}")
    # warm every worker (imports, connection pool) before anything is measured
    for name in ENDPOINTS:
        python_load(base, name, seeded.tokens, max(2, args.workers), 100, 5)

    meter = CpuMeter(master_pid, args.database)
    levels = []
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as workdir:
        for concurrency in args.concurrency:
            level: dict = {"concurrency": concurrency}
            for name in ("healthz", "me"):
                tokens = seeded.tokens if name == "me" else []
                before = meter.sample()
                if args.client == "wrk":
                    m = wrk_load(
                        base, name, tokens, concurrency, args.requests, args.duration, Path(workdir)
                    )
                else:
                    m = python_load(base, name, tokens, concurrency, args.requests, args.duration)
                CpuMeter.charge(m, before, meter.sample())
                level[name] = m
            level["ratios"] = level_ratios(level["healthz"], level["me"])
            level["healthz"], level["me"] = level["healthz"].as_dict(), level["me"].as_dict()
            levels.append(level)
    return levels


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    cores = os.cpu_count() or 1
    print(
        f"Linli /me load test: gunicorn with {args.workers} sync workers, {args.client} client; "
        f"{cores} CPU cores shared by gunicorn, PostgreSQL, Redis and the load generator"
    )
    database_url = recreate_database(args.admin_url, args.database)
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_hex(32),
    }
    try:
        run_migrations(settings)
        from backend import create_app

        app = create_app(dict(settings))
        seeded = seed(app, args.residents)
        print(
            f"seeded {seeded.residents} residents with {seeded.residencies} active residencies "
            f"in {seeded.units} units"
        )
        profile = in_process_profile(app, seeded)
        for name, p in profile.items():
            print(
                f"in-process {name}: {p['sql_statements']} SQL statements, "
                f"median {p['median_ms']} ms"
            )
        with gunicorn(settings, args.workers, RESULTS_DIR / "gunicorn.log") as (base, pid):
            levels = run_levels(base, pid, seeded, args)
    finally:
        if not args.keep_db:
            drop_database(args.admin_url, args.database)

    print()
    print_table(levels)
    if args.client == "python":
        print(
            "The Python client spends about as much CPU per request as the server, on the same "
            "cores: req/s is a floor. Its latencies include connecting (sync workers close "
            "every connection)."
        )
    else:
        print(
            "wrk shares the cores with the server. Its latencies exclude connecting "
            "(sync workers close every connection; wrk reconnects)."
        )
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": {
            "cpu_cores": cores,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "note": "gunicorn, PostgreSQL, Redis and the load generator share these cores",
        },
        "settings": {
            "workers": args.workers,
            "worker_class": "sync",
            "client": args.client,
            "concurrency": args.concurrency,
            "requests_per_level": args.requests,
            "duration_cap_s": args.duration,
            "residents": seeded.residents,
            "residencies": seeded.residencies,
            "units": seeded.units,
        },
        "in_process": profile,
        "levels": levels,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"results: {args.output} ({report['elapsed_s']} s in all)")
    # the last line: the figures in one JSON object (bench/README.md; tests/test_bench.py)
    print(
        json.dumps(
            {
                "me_rps": max(level["me"]["rps"] for level in levels),
                "healthz_rps": max(level["healthz"]["rps"] for level in levels),
                "me_sql_statements": profile["me_2_residencies"]["sql_statements"],
                "errors": sum(level[n]["errors"] for level in levels for n in ENDPOINTS),
                "levels": levels,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

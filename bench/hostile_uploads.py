"""Hostile uploads (issue 17, finding 4): what a 7000×7000 WebP of ~100 KB costs the server,
and what ``GET /api/v1/me`` answers in meanwhile.

The bench builds its own database (``linli_bench_hostile_uploads``, dropped afterwards
unless ``--keep``), seeds residents bound to a home, runs gunicorn as the Procfile does (the
app's worker class, ``--workers``) and then:

1. uploads the hostile WebP ``--solo`` times one after another (no other traffic) and
   divides the CPU time the gunicorn workers spent by the uploads: ``upload_cpu_s``;
2. measures ``/me`` alone for a couple of seconds (``me_idle_p95_ms``);
3. for ``--seconds``, runs ``--uploaders`` threads (two residents, the issue's attacker)
   uploading the hostile WebP back to back to ``POST /api/v1/media/photos`` while one
   more resident's thread reads ``/me``: ``me_p50_ms``, ``me_p95_ms``, ``me_requests``,
   ``uploads`` (answered), ``refused`` (429/503/413/422, the bounded refusals),
   ``errors_5xx`` (any 5xx but the intended 503). The upload rate limit stays as
   configured.

Target (issue 17): ``upload_cpu_s`` ≤ 1 and ``me_p95_ms`` < 100. ``--smoke``: seconds.
Run from the repository root: ``.venv/bin/python bench/hostile_uploads.py --help``.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, me_load  # noqa: E402

UPLOAD = "/api/v1/media/photos"
ME = "/api/v1/me"
REFUSALS = {413, 422, 429, 503}
TIMEOUT = 30.0


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    common.add_arguments(p, "hostile_uploads")
    p.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/11"))
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (Procfile: 4)")
    p.add_argument("--uploaders", type=int, default=4, help="concurrent hostile uploaders")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the concurrent run")
    p.add_argument("--solo", type=int, default=10, help="uploads measured one at a time")
    return common.smoke(p.parse_args(argv), workers=2, seconds=3.0, solo=3)


def hostile_webp() -> bytes:
    """A lossy WebP of one colour, 7000×7000 (49 Mpx, under ``PHOTO_MAX_PIXELS``): ~130 KB
    that would decode into 147 MB of RGB."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (200, 10, 10)).save(out, "WEBP", quality=50, method=0)
    return out.getvalue()


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) of gunicorn's workers so far."""
    return sum(me_load._cpu_seconds(pid) for pid in me_load._children(master))


def upload(session: requests.Session, base: str, token: str, data: bytes) -> int:
    """The status of one upload (0: no answer)."""
    try:
        return session.post(
            base + UPLOAD,
            files={"file": ("hostile.webp", data, "image/webp")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        ).status_code
    except requests.RequestException:
        return 0


def read_me(session: requests.Session, base: str, token: str) -> tuple[int, float]:
    began = time.perf_counter()
    try:
        status = session.get(
            base + ME, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        ).status_code
    except requests.RequestException:
        status = 0
    return status, time.perf_counter() - began


def me_loop(base: str, token: str, stop: threading.Event, out: list) -> None:
    with requests.Session() as session:
        while not stop.is_set():
            out.append(read_me(session, base, token))


def upload_loop(base: str, token: str, data: bytes, stop: threading.Event, out: list) -> None:
    with requests.Session() as session:
        while not stop.is_set():
            out.append(upload(session, base, token, data))


def percentile_ms(latencies: list[float], share: float) -> float:
    if not latencies:
        return 0.0
    ordered = sorted(latencies)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)


def measure(base: str, master: int, tokens: list[str], data: bytes, args) -> dict:
    uploaders, reader, solo = tokens[:2], tokens[2], tokens[3]
    with requests.Session() as session:  # warm every worker (imports, connection pool)
        for _ in range(2 * args.workers):
            read_me(session, base, reader)
        before = workers_cpu(master)
        solo_statuses = [upload(session, base, solo, data) for _ in range(args.solo)]
        upload_cpu = (workers_cpu(master) - before) / max(1, args.solo)

    stop = threading.Event()
    idle: list[tuple[int, float]] = []
    thread = threading.Thread(target=me_loop, args=(base, reader, stop, idle))
    thread.start()
    time.sleep(min(2.0, args.seconds))
    stop.set()
    thread.join()

    stop = threading.Event()
    me: list[tuple[int, float]] = []
    answers: list[int] = []
    threads = [threading.Thread(target=me_loop, args=(base, reader, stop, me))] + [
        threading.Thread(target=upload_loop, args=(base, uploaders[n % 2], data, stop, answers))
        for n in range(args.uploaders)
    ]
    before, began = workers_cpu(master), time.monotonic()
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join()
    flood_cpu, elapsed = workers_cpu(master) - before, time.monotonic() - began
    statuses = Counter(answers)
    me_ok = [s for status, s in me if status == 200]
    return {
        "upload_cpu_s": round(upload_cpu, 3),
        "solo_statuses": dict(Counter(solo_statuses)),
        "uploads": len(answers),
        "refused": sum(statuses[s] for s in REFUSALS),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unavailable_503": statuses[503],
        "errors_5xx": sum(v for s, v in statuses.items() if s >= 500 and s != 503)
        + sum(1 for status, _ in me if status >= 500),
        "no_answer": statuses[0] + sum(1 for status, _ in me if status == 0),
        "me_requests": len(me),
        "me_errors": len(me) - len(me_ok),
        "me_p50_ms": percentile_ms(me_ok, 0.50),
        "me_p95_ms": percentile_ms(me_ok, 0.95),
        "me_idle_p95_ms": percentile_ms([s for status, s in idle if status == 200], 0.95),
        "flood_cores_used": round(flood_cpu / elapsed, 2),
        "flood_cpu_per_upload_s": round(flood_cpu / max(1, len(answers)), 3),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    data = hostile_webp()
    database_url = me_load.recreate_database(args.admin_url, args.database)
    workdir = ROOT / "bench" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    storage = workdir / f"hostile-storage-{secrets.token_hex(4)}"
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_hex(32),
        "STORAGE_URL": f"file://{storage}",
    }
    try:
        me_load.run_migrations(settings)
        from backend import create_app

        app = create_app(dict(settings))
        tokens = me_load.seed(app, 4).tokens  # every one bound to a home
        with contextlib.suppress(Exception):  # the upload rate limit starts from zero
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
        print(
            f"{args.uploaders} uploaders of a {len(data)} byte 7000×7000 WebP and one /me "
            f"reader for {args.seconds} s on gunicorn with {args.workers} workers; "
            f"{os.cpu_count()} cores shared with PostgreSQL, Redis and this client",
            flush=True,
        )
        procfile = ("--worker-class", "backend.serving.GunicornWorker", "backend:create_app()")
        log = workdir / "hostile_gunicorn.log"
        with me_load.gunicorn(settings, args.workers, log, procfile) as (base, master_pid):
            result = measure(base, master_pid, tokens, data, args)
            load_avg = os.getloadavg()
    finally:
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
        shutil.rmtree(storage, ignore_errors=True)
    summary = {
        "webp_bytes": len(data),
        "uploaders": args.uploaders,
        "workers": args.workers,
        "seconds": args.seconds,
        **result,
        "load_avg_1m": round(load_avg[0], 2),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if summary["errors_5xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

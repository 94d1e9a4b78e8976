"""Load test of ticket submission: 3 photos uploaded one by one, then the ticket.

Like ``bench/me_load.py`` (whose helpers it uses), the script builds its own database
(``linli_bench_tickets``, dropped afterwards unless ``--keep``; see ``bench/common.py``),
seeds residents with homes, starts gunicorn on a free port of
127.0.0.1 and loads it from this machine only. A *submission* is what the mini-app does:
three ``POST /api/v1/media/photos`` (a 1600×1200 JPEG of about 450 KB each, as
``wx.chooseMedia`` hands over a compressed phone photo) and one ``POST /api/v1/tickets`` with an
``Idempotency-Key`` naming them. Each concurrency level runs ``--submissions``
submissions from that many client threads.

Run from the repository root: ``.venv/bin/python bench/tickets.py --help``. It prints a
table and, as its last line, one JSON object with the figures of every level.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import me_load

from bench import common

ROOT = me_load.ROOT


def photo_bytes(seed: int) -> bytes:
    """A 1600×1200 JPEG with the entropy of a photo (about 450 KB)."""
    from PIL import Image, ImageFilter

    noise = Image.effect_noise((400, 300), 60).resize((1600, 1200))
    base = Image.linear_gradient("L").resize((1600, 1200))
    image = Image.merge("RGB", [noise, base, noise.filter(ImageFilter.GaussianBlur(2))])
    image = image.rotate(seed % 7)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def homes(app, tokens: list[str]) -> list[tuple[str, int]]:
    """(token, unit id) of each seeded resident's own home."""
    import sqlalchemy as sa

    from backend.accounts.models import Residency, ResidencyRole
    from backend.extensions import db

    with app.app_context():
        rows = db.session.execute(
            sa.select(Residency.resident_id, Residency.unit_id)
            .where(Residency.role == ResidencyRole.owner)
            .order_by(Residency.resident_id)
        ).all()
        db.session.remove()
    return [(token, unit_id) for token, (_, unit_id) in zip(tokens, rows, strict=False)]


def run_level(
    base: str,
    people: list[tuple[str, int]],
    photos: list[bytes],
    concurrency: int,
    submissions: int,
) -> dict:
    """``submissions`` submissions from ``concurrency`` threads; latencies in ms."""
    lock = threading.Lock()
    counter = iter(range(submissions))
    whole, uploads, creates, errors = [], [], [], []

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            token, unit_id = people[n % len(people)]
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            try:
                ids = []
                for k in range(3):
                    t = time.perf_counter()
                    resp = session.post(
                        f"{base}/api/v1/media/photos",
                        files={"file": (f"p{k}.jpg", photos[(n + k) % len(photos)], "image/jpeg")},
                        headers=headers,
                        timeout=60,
                    )
                    if resp.status_code != 201:
                        raise RuntimeError(f"upload {resp.status_code}: {resp.text[:120]}")
                    with lock:
                        uploads.append((time.perf_counter() - t) * 1000)
                    ids.append(resp.json()["id"])
                t = time.perf_counter()
                resp = session.post(
                    f"{base}/api/v1/tickets",
                    json={
                        "kind": "home_repair",
                        "unit_id": unit_id,
                        "description": f"压测报修 {n}",
                        "photo_ids": ids,
                    },
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                    timeout=60,
                )
                if resp.status_code != 201:
                    raise RuntimeError(f"ticket {resp.status_code}: {resp.text[:120]}")
                with lock:
                    creates.append((time.perf_counter() - t) * 1000)
                    whole.append((time.perf_counter() - started) * 1000)
            except Exception as exc:
                with lock:
                    errors.append(str(exc))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    def pct(values: list[float], q: float) -> float | None:
        if not values:
            return None
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "concurrency": concurrency,
        "submissions": len(whole),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "submissions_per_s": round(len(whole) / elapsed, 2),
        "requests_per_s": round(4 * len(whole) / elapsed, 2),
        "submission_p50_ms": pct(whole, 0.50),
        "submission_p99_ms": pct(whole, 0.99),
        "upload_p50_ms": pct(uploads, 0.50),
        "upload_p99_ms": pct(uploads, 0.99),
        "create_p50_ms": pct(creates, 0.50),
        "create_p99_ms": pct(creates, 0.99),
        "create_mean_ms": round(statistics.fmean(creates), 1) if creates else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_arguments(parser, "tickets")
    parser.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/14"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--submissions", type=int, default=60)
    args = common.smoke(parser.parse_args(), residents=10, concurrency=[2], submissions=4)

    storage = tempfile.mkdtemp(prefix="linli-bench-storage-")
    database_url = me_load.recreate_database(args.admin_url, args.database)
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_hex(32),
        "STORAGE_URL": f"file://{storage}",
        # the bench measures throughput, not the per-resident limits
        "LINLI_RATELIMIT_PHOTO_UPLOAD": "100000 per minute",
        "LINLI_RATELIMIT_TICKET_CREATE": "100000 per minute",
    }
    levels = []
    try:
        me_load.run_migrations(settings)
        from backend import create_app

        app = create_app(dict(settings))
        seeded = me_load.seed(app, args.residents)
        people = homes(app, seeded.tokens)
        photos = [photo_bytes(i) for i in range(6)]
        print(
            f"ticket submissions (3 photos of ~{len(photos[0]) // 1024} KB + 1 ticket) on "
            f"gunicorn with {args.workers} sync workers; {os.cpu_count()} cores shared with "
            "PostgreSQL, Redis and the client"
        )
        log = Path(storage) / "gunicorn.log"
        with me_load.gunicorn(settings, args.workers, log) as (base, _pid):
            for concurrency in args.concurrency:
                levels.append(run_level(base, people, photos, concurrency, args.submissions))
    finally:
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
    header = (
        "conc",
        "done",
        "errors",
        "subm/s",
        "req/s",
        "subm p50",
        "subm p99",
        "upload p50",
        "create p50",
        "create p99",
    )
    print(" ".join(f"{h:>10}" for h in header))
    for lv in levels:
        row = (
            lv["concurrency"],
            lv["submissions"],
            lv["errors"],
            lv["submissions_per_s"],
            lv["requests_per_s"],
            lv["submission_p50_ms"],
            lv["submission_p99_ms"],
            lv["upload_p50_ms"],
            lv["create_p50_ms"],
            lv["create_p99_ms"],
        )
        print(" ".join(f"{v!s:>10}" for v in row))
    print(json.dumps({"levels": levels}, ensure_ascii=False))
    return 0 if all(lv["errors"] == 0 for lv in levels) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Owners' votes on PostgreSQL: the exact tally of a large estate, and ballot submission
throughput under concurrent load over HTTP (gunicorn).

The script builds its own database (``--database``, default ``linli_bench_votes``: dropped
and made anew, dropped afterwards unless ``--keep``; see ``bench/common.py``), so it never
touches the tables the test suites use. It:

1. runs the migrations and seeds one estate of ``--units`` units (default
   20,000; two decimal areas, one owner of record each, a few developer-held units counted
   as one head) with ``--residents`` owners bound in the mini-app (default 2,000);
2. drafts, announces (freezing the electorate: timed) and opens a motion;
3. starts ``gunicorn -w <workers> "backend:create_app()"`` on a free port of 127.0.0.1 and, at
   each ``--concurrency`` level, submits ballots of distinct owners over HTTP; one in
   ``--repeat-every`` submissions repeats an owner who already voted, which must be answered
   409 (a 409 there is correct, anything else or a socket error counts as an error);
4. fills the remaining voters' ballots directly (chained like the service does) so that the
   motion holds one ballot per voter (``--units`` ballots), checks that no voter has two
   (``duplicates``) and that the chain is valid, then times the tally (median of
   ``--tally-repeats``) and the published file.

To scale: ``--units 100000 --residents 10000``; more load: ``--workers 4 --concurrency 8 32``.
Run from the repository root: ``.venv/bin/python bench/votes.py``. It prints a table and,
as its last line, one JSON object with ``tally_ms``, ``ballots_per_s``, ``errors`` and
``duplicates`` (and the details of every level).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import me_load

from bench import common

#: units per building of the seeded estate
PER_BUILDING = 500
DEVELOPER_UNITS = 25


def seed(app, units: int, residents: int, rng: random.Random) -> dict:
    """One estate of ``units`` units with owners of record, ``residents`` of them bound."""
    import sqlalchemy as sa

    from backend.accounts.models import (
        Residency,
        ResidencyRole,
        ResidencySource,
        ResidencyStatus,
        Resident,
        Staff,
        StaffRole,
    )
    from backend.authz.tokens import issue_token
    from backend.core.time import utcnow
    from backend.extensions import db
    from backend.org.models import (
        AreaSource,
        Building,
        Community,
        Estate,
        OwnerRecord,
        Street,
        Unit,
    )

    with app.app_context():
        street = Street(name="压测街道", district="压测区", city="压测市")
        community = Community(street=street, name="压测社区")
        db.session.add_all([street, community])
        db.session.flush()
        estate = Estate(community=community, street_id=street.id, name="压测表决小区")
        db.session.add(estate)
        db.session.flush()
        buildings = [
            Building(estate_id=estate.id, name=f"{b + 1}幢", floors=33)
            for b in range((units + PER_BUILDING - 1) // PER_BUILDING)
        ]
        db.session.add_all(buildings)
        db.session.flush()
        unit_rows = [
            {
                "building_id": buildings[i // PER_BUILDING].id,
                "estate_id": estate.id,
                "number": f"{i % PER_BUILDING + 1:04d}",
                "floor": i % PER_BUILDING // 15 + 1,
                "area": Decimal(rng.randint(4000, 16000)) / 100,
                "area_source": AreaSource.registry,
                "developer_held": i >= units - DEVELOPER_UNITS,
            }
            for i in range(units)
        ]
        db.session.execute(sa.insert(Unit), unit_rows)
        unit_ids = list(
            db.session.scalars(
                sa.select(Unit.id).where(Unit.estate_id == estate.id).order_by(Unit.id)
            )
        )
        db.session.execute(
            sa.insert(OwnerRecord),
            [
                {"unit_id": unit_id, "name": f"业主{i}", "phone": f"139{i:08d}"}
                for i, unit_id in enumerate(unit_ids[: units - DEVELOPER_UNITS])
            ],
        )
        people = [
            Resident(openid=f"bench-vote-{i:06d}", nickname=f"业主{i}", name=f"业主{i}")
            for i in range(residents)
        ]
        db.session.add_all(people)
        db.session.flush()
        now = utcnow()
        db.session.execute(
            sa.insert(Residency),
            [
                {
                    "resident_id": person.id,
                    "unit_id": unit_ids[i],
                    "estate_id": estate.id,
                    "role": ResidencyRole.owner,
                    "status": ResidencyStatus.active,
                    "source": ResidencySource.registry,
                    "activated_at": now,
                }
                for i, person in enumerate(people)
            ],
        )
        committee = Staff(
            username="bench.yeweihui",
            name="压测业委会",
            password_hash="!",
            role=StaffRole.committee_member,
            estate_id=estate.id,
        )
        db.session.add(committee)
        db.session.commit()
        tokens = [issue_token(person)[0] for person in people]
        seeded = {"estate_id": estate.id, "committee_id": committee.id, "tokens": tokens}
        db.session.remove()
    return seeded


def open_motion(app, seeded: dict) -> tuple[int, float]:
    """Draft, announce (timed: the electorate is frozen then) and open a motion."""
    from backend.accounts.models import Staff
    from backend.core.db import commit
    from backend.core.time import utcnow
    from backend.extensions import db
    from backend.votes import motions

    with app.app_context():
        committee = db.session.get(Staff, seeded["committee_id"])
        now = utcnow()
        motion = motions.create_motion(
            committee,
            seeded["estate_id"],
            item=4,
            title="压测：续聘物业服务企业",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
        )
        started = time.perf_counter()
        motions.announce(committee, motion, now=now - timedelta(days=16), notify=False)
        freeze_ms = (time.perf_counter() - started) * 1000
        motions.open_voting(committee, motion, now=now)
        commit()
        motion_id = motion.id
        db.session.remove()
    return motion_id, freeze_ms


def run_level(
    base: str, motion_id: int, tokens: list[str], concurrency: int, repeat_every: int
) -> dict:
    """Each owner in ``tokens`` votes once over HTTP from ``concurrency`` threads; every
    ``repeat_every``-th submission is an owner voting again (409 expected)."""
    lock = threading.Lock()
    plan: list[tuple[str, bool]] = []
    for n, token in enumerate(tokens):
        plan.append((token, False))
        if repeat_every and n % repeat_every == repeat_every - 1:
            plan.append((tokens[n - repeat_every // 2], True))
    jobs = iter(plan)
    latencies, errors, refused = [], [], 0
    url = f"{base}/api/v1/me/motions/{motion_id}/ballot"
    choices = ("agree", "agree", "oppose", "abstain")

    def worker() -> None:
        nonlocal refused
        session = requests.Session()
        while True:
            with lock:
                job = next(jobs, None)
            if job is None:
                return
            token, repeat = job
            started = time.perf_counter()
            try:
                resp = session.post(
                    url,
                    json={"choice": choices[len(token) % 4]},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
                expected = 409 if repeat else 201
                with lock:
                    if resp.status_code != expected:
                        errors.append(f"{resp.status_code}: {resp.text[:120]}")
                    elif repeat:
                        refused += 1
                    else:
                        latencies.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # a socket error is an error of the level
                with lock:
                    errors.append(str(exc))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None

    return {
        "concurrency": concurrency,
        "ballots": len(latencies),
        "repeats_refused": refused,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "ballots_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    }


def fill_and_count(app, motion_id: int, repeats: int) -> dict:
    """Give every voter without a ballot one (chained as the service chains them), then
    check duplicates and the chain and time the tally and the published file."""
    import sqlalchemy as sa

    from backend.core.time import utcnow
    from backend.extensions import db
    from backend.votes import ballots, chain, publication, recount
    from backend.votes.models import Ballot, Channel, Motion, Voter

    rng = random.Random(7)
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        voted = set(
            db.session.scalars(sa.select(Ballot.voter_id).where(Ballot.motion_id == motion_id))
        )
        missing = db.session.execute(
            sa.select(Voter.id, Voter.area, Voter.heads)
            .where(Voter.motion_id == motion_id)
            .order_by(Voter.number)
        ).all()
        prev, seq, rows, now = motion.chain_head, motion.ballot_count, [], utcnow()
        # an owner without a mini-app account votes on paper in real life; here the rows
        # are written directly (scans are not what is measured), chained like the service
        staff_id = motion.created_by_id
        scan = _scan_photo(staff_id)
        for voter_id, area, heads in missing:
            if voter_id in voted:
                continue
            seq += 1
            choice = rng.choice(("agree", "agree", "agree", "oppose", "abstain"))
            receipt = ballots.new_receipt()
            digest = chain.ballot_hash(prev, receipt, choice, Decimal(area), heads)
            rows.append(
                {
                    "motion_id": motion_id,
                    "voter_id": voter_id,
                    "seq": seq,
                    "receipt": receipt,
                    "choice": choice,
                    "area": area,
                    "heads": heads,
                    "channel": Channel.paper,
                    "staff_id": staff_id,
                    "scan_photo_id": scan,
                    "cast_at": now,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Ballot), rows[start : start + 5000])
        motion.ballot_count, motion.chain_head = seq, prev
        db.session.commit()
        duplicates = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(Ballot.voter_id)
                .where(Ballot.motion_id == motion_id)
                .group_by(Ballot.voter_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        timings = []
        for _ in range(repeats):
            db.session.expire_all()
            motion = db.session.get(Motion, motion_id)
            started = time.perf_counter()
            result = publication.count(motion)
            timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        document = publication.published_document(motion)
        document_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        figures = recount.recount(json.loads(json.dumps(document), parse_float=Decimal))
        recount_ms = (time.perf_counter() - started) * 1000
        summary = {
            "ballots": seq,
            "voters": motion.total_heads,
            "duplicates": duplicates,
            "tally_ms": round(statistics.median(timings), 1),
            "tally_min_ms": round(min(timings), 1),
            "published_file_ms": round(document_ms, 1),
            "recount_ms": round(recount_ms, 1),
            "chain_valid": figures["chain_valid"],
            "recount_matches": all(figures[k] == v for k, v in result.as_dict().items()),
            "result": result.as_dict(),
        }
        db.session.remove()
    return summary


def _scan_photo(staff_id: int) -> int:
    import io

    from PIL import Image

    from backend.core.db import commit
    from backend.media.services import upload_photo

    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (240, 240, 235)).save(buffer, "PNG")
    photo = upload_photo(buffer.getvalue(), staff_id=staff_id)
    commit()
    return photo.id


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="To scale: --units 100000 --residents 10000; more load: --workers 4 "
        "--concurrency 8 32. The last line printed is one JSON object.",
    )
    common.add_arguments(parser, "votes")
    parser.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/1"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--units", type=int, default=20000, help="units (voters) of the estate")
    parser.add_argument(
        "--residents", type=int, default=2000, help="owners voting over HTTP (all levels)"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--repeat-every", type=int, default=10)
    parser.add_argument("--tally-repeats", type=int, default=7)
    args = common.smoke(
        parser.parse_args(), units=300, residents=40, concurrency=[4], tally_repeats=1
    )
    if args.residents > args.units - DEVELOPER_UNITS:
        parser.error("--residents must be fewer than --units")

    storage = tempfile.mkdtemp(prefix="linli-bench-votes-")
    url = me_load.recreate_database(args.admin_url, args.database)
    settings = {
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_hex(32),
        "STORAGE_URL": f"file://{storage}",
    }
    levels, summary = [], {}
    try:
        me_load.run_migrations(settings)
        from backend import create_app

        app = create_app(dict(settings))
        started = time.perf_counter()
        seeded = seed(app, args.units, args.residents, random.Random(2026))
        seed_s = time.perf_counter() - started
        motion_id, freeze_ms = open_motion(app, seeded)
        print(
            f"votes bench: estate of {args.units} units ({DEVELOPER_UNITS} developer-held), "
            f"seeded in {seed_s:.1f} s; electorate frozen at announcement in {freeze_ms:.0f} ms"
        )
        print(
            f"ballots over HTTP: gunicorn -w {args.workers} on 127.0.0.1, "
            f"{os.cpu_count()} cores shared with PostgreSQL, Redis and the client"
        )
        tokens = seeded["tokens"]
        share = len(tokens) // len(args.concurrency)
        log = Path(storage) / "gunicorn.log"
        # the app's own worker class, as the Procfile runs it
        served = ("--worker-class", "backend.serving.GunicornWorker", "backend:create_app()")
        with me_load.gunicorn(settings, args.workers, log, served) as (base, _pid):
            for k, concurrency in enumerate(args.concurrency):
                mine = tokens[k * share : (k + 1) * share]
                levels.append(run_level(base, motion_id, mine, concurrency, args.repeat_every))
        summary = fill_and_count(app, motion_id, args.tally_repeats)
    finally:
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
    header = ("conc", "ballots", "409 ok", "errors", "ballots/s", "p50 ms", "p99 ms")
    print(" ".join(f"{h:>10}" for h in header))
    for lv in levels:
        row = (
            lv["concurrency"],
            lv["ballots"],
            lv["repeats_refused"],
            lv["errors"],
            lv["ballots_per_s"],
            lv["p50_ms"],
            lv["p99_ms"],
        )
        print(" ".join(f"{v!s:>10}" for v in row))
    print(
        f"tally of {summary['ballots']} ballots / {summary['voters']} voters: median "
        f"{summary['tally_ms']} ms (min {summary['tally_min_ms']} ms); published file "
        f"{summary['published_file_ms']} ms; recount {summary['recount_ms']} ms; chain valid "
        f"{summary['chain_valid']}; recount matches {summary['recount_matches']}; "
        f"duplicates {summary['duplicates']}; result {summary['result']['result']}"
    )
    errors = sum(lv["errors"] for lv in levels)
    best = max((lv["ballots_per_s"] for lv in levels), default=0)
    print(
        json.dumps(
            {
                "tally_ms": summary["tally_ms"],
                "ballots_per_s": best,
                "errors": errors,
                "duplicates": summary["duplicates"],
                "ballots": summary["ballots"],
                "chain_valid": summary["chain_valid"],
                "recount_matches": summary["recount_matches"],
                "freeze_ms": round(freeze_ms, 1),
                "published_file_ms": summary["published_file_ms"],
                "levels": levels,
            },
            ensure_ascii=False,
        )
    )
    ok = errors == 0 and summary["duplicates"] == 0 and summary["chain_valid"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

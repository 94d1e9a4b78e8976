"""Satisfaction surveys on PostgreSQL: households answering a 20-question survey over HTTP
(gunicorn), and the results of a city.

The script builds its own database (``--database``, default ``linli_bench_surveys``: dropped
and made anew, dropped afterwards unless ``--keep``; see ``bench/common.py``). It:

1. runs the migrations and seeds one street of ``--estates`` estates holding
   ``--households`` units (default 20,000), each with one owner bound in the mini-app;
2. creates and opens a survey of 20 questions (16 on a 1–5 scale, 2 on 0–10, a multiple
   choice and a free text) for those estates (opening freezes households and companies);
3. starts ``gunicorn -w <workers>`` on a free port of 127.0.0.1 and, from ``--concurrency``
   threads, has every household answer (``PUT /api/v1/me/surveys/<id>/answer``); one in
   ``--repeat-every`` submissions is a household changing its answer (200, replaced);
   anything but 200 or a socket error counts in ``errors``;
4. checks one answer row per unit (``duplicates``: units with more than one row, and the
   estates' answered counters against the rows) and that the tallies equal a recount of
   the stored answers;
5. times the results of a city: a second survey of ``--city-estates`` estates (default
   1,000) with ``--answers-per-estate`` answers each (default 2,000: 2,000,000 answers),
   whose tallies are written as those answers produce them (the rows themselves are not
   inserted: results never read them), then ``results.results`` over the whole city
   (median of ``--results-repeats``): ``results_ms``.

Run from the repository root: ``.venv/bin/python bench/surveys.py``. Its last line is one
JSON object with ``answers_per_s``, ``errors``, ``duplicates`` and ``results_ms``.
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
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import me_load

from bench import common

QUESTIONS = (
    [{"kind": "scale5", "category": f"第{n}项", "text": f"服务项目 {n}"} for n in range(1, 17)]
    + [{"kind": "scale10", "category": "总体", "text": f"推荐意愿 {n}"} for n in range(1, 3)]
    + [
        {"kind": "multiple", "category": "改进", "text": "希望改进", "options": list("ABCDEFG")},
        {"kind": "text", "category": "意见", "text": "其他意见"},
    ]
)


def _answer(rng: random.Random) -> dict:
    items = {str(n): rng.randint(1, 5) for n in range(1, 17)}
    items.update({"17": rng.randint(0, 10), "18": rng.randint(0, 10)})
    items["19"] = sorted(rng.sample(range(7), 2))
    if rng.random() < 0.1:
        items["20"] = "电梯维修再及时些"
    return items


def seed(app, estates: int, households: int) -> dict:
    """A street of ``estates`` estates and ``households`` units, one bound owner each."""
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
    from backend.org.models import AreaSource, Building, Community, Company, Estate, Street, Unit

    with app.app_context():
        street = Street(name="测评街道", district="测评区", city="测评市")
        community = Community(street=street, name="测评社区")
        company = Company(name="测评物业", credit_code="91330100MABENCH001")
        db.session.add_all([street, community, company])
        db.session.flush()
        rows = [
            Estate(community=community, street_id=street.id, name=f"小区{e}", company=company)
            for e in range(estates)
        ]
        db.session.add_all(rows)
        db.session.flush()
        buildings = [Building(estate_id=e.id, name="1幢", floors=33) for e in rows]
        db.session.add_all(buildings)
        db.session.flush()
        db.session.execute(
            sa.insert(Unit),
            [
                {
                    "building_id": buildings[i % estates].id,
                    "estate_id": rows[i % estates].id,
                    "number": f"{i:06d}",
                    "floor": 1,
                    "area": 90,
                    "area_source": AreaSource.registry,
                }
                for i in range(households)
            ],
        )
        units = db.session.execute(sa.select(Unit.id, Unit.estate_id).order_by(Unit.id)).all()
        people = [
            Resident(openid=f"bench-survey-{i:06d}", nickname=f"住户{i}") for i in range(households)
        ]
        db.session.add_all(people)
        db.session.flush()
        now = utcnow()
        db.session.execute(
            sa.insert(Residency),
            [
                {
                    "resident_id": person.id,
                    "unit_id": unit.id,
                    "estate_id": unit.estate_id,
                    "role": ResidencyRole.owner,
                    "status": ResidencyStatus.active,
                    "source": ResidencySource.registry,
                    "activated_at": now,
                }
                for person, unit in zip(people, units, strict=True)
            ],
        )
        officer = Staff(
            username="bench.jiedao",
            name="测评街道",
            password_hash="!",
            role=StaffRole.street_officer,
            street_id=street.id,
        )
        db.session.add(officer)
        db.session.commit()
        seeded = {
            "officer_id": officer.id,
            "estate_ids": [e.id for e in rows],
            "street_id": street.id,
            "company_id": company.id,
            "tokens": [issue_token(person)[0] for person in people],
        }
        db.session.remove()
    return seeded


def open_survey(app, seeded: dict, estate_ids: list[int]) -> int:
    from backend.accounts.models import Staff
    from backend.core.db import commit
    from backend.core.time import utcnow
    from backend.extensions import db
    from backend.surveys import services

    with app.app_context():
        officer = db.session.get(Staff, seeded["officer_id"])
        now = utcnow()
        survey = services.create_survey(
            officer,
            estate_ids=estate_ids,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=14),
            title="压测：年度物业服务满意度测评",
            questions=QUESTIONS,
        )
        services.open_survey(officer, survey, now=now)
        commit()
        survey_id = survey.id
        db.session.remove()
    return survey_id


def answer_over_http(
    base: str, survey_id: int, tokens: list[str], concurrency: int, repeat_every: int
) -> dict:
    """Every household answers once from ``concurrency`` threads; every ``repeat_every``-th
    submission is an earlier household changing its answer."""
    rng = random.Random(21)
    plan = []
    for n, token in enumerate(tokens):
        plan.append(token)
        if repeat_every and n % repeat_every == repeat_every - 1:
            plan.append(tokens[n - repeat_every // 2])
    bodies = [{"answers": _answer(rng)} for _ in plan]
    jobs = iter(range(len(plan)))
    lock = threading.Lock()
    latencies, errors = [], []
    url = f"{base}/api/v1/me/surveys/{survey_id}/answer"

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                i = next(jobs, None)
            if i is None:
                return
            started = time.perf_counter()
            try:
                resp = session.put(
                    url, json=bodies[i], headers={"Authorization": f"Bearer {plan[i]}"}, timeout=60
                )
                with lock:
                    if resp.status_code != 200:
                        errors.append(f"{resp.status_code}: {resp.text[:120]}")
                    else:
                        latencies.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # a socket error is an error
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
    return {
        "submissions": len(plan),
        "answers_per_s": round(len(latencies) / elapsed, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "p50_ms": round(ordered[len(ordered) // 2], 1) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1)
        if ordered
        else None,
    }


def check(app, survey_id: int) -> dict:
    """One row per unit, counters equal to rows, tallies equal to a recount."""
    import sqlalchemy as sa

    from backend.extensions import db
    from backend.surveys.models import SurveyAnswer, SurveyEstate, SurveyTally
    from backend.surveys.services import _tally_rows

    with app.app_context():
        duplicates = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(SurveyAnswer.unit_id)
                .where(SurveyAnswer.survey_id == survey_id)
                .group_by(SurveyAnswer.unit_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        rows = dict(
            db.session.execute(
                sa.select(SurveyAnswer.estate_id, sa.func.count())
                .where(SurveyAnswer.survey_id == survey_id)
                .group_by(SurveyAnswer.estate_id)
            ).all()
        )
        counters = dict(
            db.session.execute(
                sa.select(SurveyEstate.estate_id, SurveyEstate.answered).where(
                    SurveyEstate.survey_id == survey_id
                )
            ).all()
        )
        recount: dict = {}
        for estate_id, items in db.session.execute(
            sa.select(SurveyAnswer.estate_id, SurveyAnswer.answers).where(
                SurveyAnswer.survey_id == survey_id
            )
        ):
            for question, value in _tally_rows(items):
                key = (estate_id, question, value)
                recount[key] = recount.get(key, 0) + 1
        tallies = {
            (e, q, v): c
            for e, q, v, c in db.session.execute(
                sa.select(
                    SurveyTally.estate_id,
                    SurveyTally.question,
                    SurveyTally.value,
                    SurveyTally.count,
                ).where(SurveyTally.survey_id == survey_id, SurveyTally.count != 0)
            )
        }
        db.session.remove()
    return {
        "duplicates": duplicates,
        "answers": sum(rows.values()),
        "counters_match": all(counters.get(e, 0) == n for e, n in rows.items()),
        "tallies_match": tallies == recount,
    }


def city_results(app, seeded: dict, estates: int, per_estate: int, repeats: int) -> dict:
    """A survey of ``estates`` estates with ``per_estate`` answers each (as tallies), and
    the time of its results."""
    import sqlalchemy as sa

    from backend.extensions import db
    from backend.org.models import Estate
    from backend.surveys import results
    from backend.surveys.models import ANSWERED, Survey, SurveyEstate, SurveyTally

    rng = random.Random(2000)
    with app.app_context():
        street_estates = db.session.scalar(
            sa.select(Estate).where(Estate.id == seeded["estate_ids"][0])
        )
        extra = [
            {
                "community_id": street_estates.community_id,
                "street_id": seeded["street_id"],
                "name": f"城市小区{e}",
                "company_id": seeded["company_id"],
            }
            for e in range(estates)
        ]
        db.session.execute(sa.insert(Estate), extra)
        ids = list(
            db.session.scalars(
                sa.select(Estate.id).where(Estate.name.like("城市小区%")).order_by(Estate.id)
            )
        )
        db.session.commit()
        db.session.remove()
    survey_id = open_survey(app, seeded, seeded["estate_ids"][:1])
    with app.app_context():
        db.session.execute(sa.delete(SurveyEstate).where(SurveyEstate.survey_id == survey_id))
        db.session.execute(
            sa.insert(SurveyEstate),
            [
                {
                    "survey_id": survey_id,
                    "estate_id": e,
                    "company_id": seeded["company_id"],
                    "households": per_estate + 200,
                    "answered": per_estate,
                }
                for e in ids
            ],
        )
        tallies = []
        for e in ids:
            for number, question in enumerate(QUESTIONS, start=1):
                tallies.append(
                    {
                        "survey_id": survey_id,
                        "estate_id": e,
                        "question": number,
                        "value": ANSWERED,
                        "count": per_estate,
                    }
                )
                if question["kind"] == "text":
                    continue
                values = (
                    range(1, 6)
                    if question["kind"] == "scale5"
                    else range(0, 11)
                    if question["kind"] == "scale10"
                    else range(7)
                )
                left = per_estate * (2 if question["kind"] == "multiple" else 1)
                values = list(values)
                for k, value in enumerate(values):
                    count = left if k == len(values) - 1 else rng.randint(0, left // 2)
                    left -= count
                    tallies.append(
                        {
                            "survey_id": survey_id,
                            "estate_id": e,
                            "question": number,
                            "value": value,
                            "count": count,
                        }
                    )
        for start in range(0, len(tallies), 10000):
            db.session.execute(sa.insert(SurveyTally), tallies[start : start + 10000])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE survey_tallies"))
        db.session.commit()
        timings = []
        for _ in range(repeats):
            db.session.expire_all()
            survey = db.session.get(Survey, survey_id)
            started = time.perf_counter()
            found = results.results(survey)
            timings.append((time.perf_counter() - started) * 1000)
        shown = sum(1 for f in found.estates.values() if f.shown)
        db.session.remove()
    return {
        "results_ms": round(statistics.median(timings), 1),
        "results_min_ms": round(min(timings), 1),
        "city_estates": len(ids),
        "city_answers": len(ids) * per_estate,
        "tally_rows": len(tallies),
        "estates_shown": shown,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_arguments(parser, "surveys")
    parser.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/1"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--households", type=int, default=20000)
    parser.add_argument("--estates", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat-every", type=int, default=20)
    parser.add_argument("--city-estates", type=int, default=1000)
    parser.add_argument("--answers-per-estate", type=int, default=2000)
    parser.add_argument("--results-repeats", type=int, default=5)
    args = common.smoke(
        parser.parse_args(),
        households=200,
        estates=4,
        concurrency=4,
        city_estates=20,
        answers_per_estate=50,
        results_repeats=1,
    )
    storage = tempfile.mkdtemp(prefix="linli-bench-surveys-")
    url = me_load.recreate_database(args.admin_url, args.database)
    settings = {
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_hex(32),
        "STORAGE_URL": f"file://{storage}",
    }
    try:
        me_load.run_migrations(settings)
        from backend import create_app

        app = create_app(dict(settings))
        started = time.perf_counter()
        seeded = seed(app, args.estates, args.households)
        print(
            f"surveys bench: {args.households} households in {args.estates} estates, "
            f"seeded in {time.perf_counter() - started:.1f} s"
        )
        survey_id = open_survey(app, seeded, seeded["estate_ids"])
        log = Path(storage) / "gunicorn.log"
        served = ("--worker-class", "backend.serving.GunicornWorker", "backend:create_app()")
        with me_load.gunicorn(settings, args.workers, log, served) as (base, _pid):
            level = answer_over_http(
                base, survey_id, seeded["tokens"], args.concurrency, args.repeat_every
            )
        checked = check(app, survey_id)
        city = city_results(
            app, seeded, args.city_estates, args.answers_per_estate, args.results_repeats
        )
    finally:
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
    print(
        f"answers over HTTP: gunicorn -w {args.workers}, {args.concurrency} threads, "
        f"{level['submissions']} submissions: {level['answers_per_s']} answers/s, "
        f"p50 {level['p50_ms']} ms, p99 {level['p99_ms']} ms, errors {level['errors']}"
    )
    print(
        f"stored: {checked['answers']} answers, duplicates {checked['duplicates']}, counters match "
        f"{checked['counters_match']}, tallies match {checked['tallies_match']}"
    )
    print(
        f"results of a city: {city['city_estates']} estates, {city['city_answers']} answers "
        f"({city['tally_rows']} tally rows): median {city['results_ms']} ms"
    )
    summary = {
        "answers_per_s": level["answers_per_s"],
        "errors": level["errors"],
        "duplicates": checked["duplicates"],
        "results_ms": city["results_ms"],
        **{k: v for k, v in checked.items() if k != "duplicates"},
        **{k: v for k, v in city.items() if k != "results_ms"},
        "first_error": level["first_error"],
    }
    print(json.dumps(summary, ensure_ascii=False))
    ok = (
        level["errors"] == 0
        and checked["duplicates"] == 0
        and checked["tallies_match"]
        and checked["counters_match"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

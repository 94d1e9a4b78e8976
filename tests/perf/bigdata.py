"""A city-sized data set built with SQL in seconds, for plan guards and benches.

``build(conn, units=100_000, bills=1_000_000, estates=1000)`` fills an empty Linli schema
(made by ``create_all``) on PostgreSQL with: ``estates`` estates of one company each, four
buildings per estate, ``units`` units spread evenly over them, one owner (resident and active
residency) per unit, two fee items per estate, ``bills`` bills (the units × items × enough
months, the oldest month paid with one payment per unit), two tickets and five messages per
resident, two motions per estate with their frozen electorate (one open; one published,
with a ballot of every other unit and its published file), and ten board posts per estate
with a read receipt of two of them by every resident; a maintenance-fund account per unit
(initial deposit, interest, and a debit where a use charged it) and two uses per estate (a
disclosed one over its first building, paid, and an emergency in review over all its units),
each with its events and a quote. Everything is ``INSERT … SELECT`` over
``generate_series``, so the data is the same on every run and the last unit is the worst case
for any plan that walks an index from the first unit.
"""

from __future__ import annotations

import math

STEPS: list[tuple[str, str]] = [
    (
        "org",
        """
        INSERT INTO streets (id, name, district, city) VALUES (1, '规划街道', '规划区', '规划市');
        INSERT INTO communities (id, street_id, name) VALUES (1, 1, '规划社区');
        INSERT INTO companies (id, name, credit_code, phone)
        SELECT g, '物业' || g, '9133' || lpad(g::text, 14, '0'), '0571' || lpad(g::text, 8, '0')
        FROM generate_series(1, :estates) g;
        INSERT INTO estates (id, community_id, street_id, name, address, management_mode,
                             company_id)
        SELECT g, 1, 1, '小区' || g, '规划路' || g || '号', 'company', g
        FROM generate_series(1, :estates) g;
        INSERT INTO buildings (id, estate_id, name, floors)
        SELECT g, 1 + (g - 1) / 4, (1 + (g - 1) % 4) || '幢', 33
        FROM generate_series(1, :estates * 4) g;
        """,
    ),
    (
        "units",
        """
        INSERT INTO units (id, building_id, estate_id, number, floor, area, area_source,
                           developer_held)
        SELECT g, (e - 1) * 4 + 1 + g % 4, e, (100 + g % 1000)::text || '-' || g, 1 + g % 33,
               (6000 + (g * 7919) % 9000) / 100.0, 'registry', false
        FROM (SELECT g, 1 + (g - 1) / (:units / :estates) AS e
              FROM generate_series(1, :units) g) s;
        INSERT INTO owner_records (unit_id, name, phone)
        SELECT g, '业主' || g, '138' || lpad(g::text, 8, '0') FROM generate_series(1, :units) g;
        INSERT INTO residents (id, openid, nickname, name, phone, token_version, created_at)
        SELECT g, 'plan-' || g, '住户' || g, '住户' || g, '139' || lpad(g::text, 8, '0'), 1,
               now() AT TIME ZONE 'UTC'
        FROM generate_series(1, :units) g;
        INSERT INTO residencies (resident_id, unit_id, estate_id, role, status, source,
            applicant_name, applicant_phone, applicant_note, reject_reason, created_at,
            activated_at)
        SELECT id, id, estate_id, 'owner', 'active', 'registry', '', '', '', '',
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM units;
        """,
    ),
    (
        "fees",
        """
        INSERT INTO fee_items (id, estate_id, name, basis, pricing_form, basis_document,
                               meter_unit, tenant_pays, developer_held_included, active,
                               created_at)
        SELECT g, 1 + (g - 1) / 2, CASE WHEN g % 2 = 1 THEN '物业服务费' ELSE '垃圾清运费' END,
               CASE WHEN g % 2 = 1 THEN 'per_area' ELSE 'fixed' END, 'market', '', '',
               g % 2 = 0, true, true, now() AT TIME ZONE 'UTC'
        FROM generate_series(1, :estates * 2) g;
        INSERT INTO fee_prices (fee_item_id, price_yuan, effective_from, created_at)
        SELECT id, CASE WHEN basis = 'fixed' THEN 10 ELSE 2.35 END, DATE '2020-01-01',
               now() AT TIME ZONE 'UTC'
        FROM fee_items;
        INSERT INTO payments (id, estate_id, resident_id, method, amount_fen, transaction_id,
                              status, receipt_no, payer_name, paid_at, note, cashier_name)
        SELECT u.id, u.estate_id, u.id, 'wechat', round(u.area * 2.35 * 100) + 1000,
               'wx' || u.id, 'valid', 'R' || lpad(u.id::text, 12, '0'), '住户' || u.id,
               now() AT TIME ZONE 'UTC', '', ''
        FROM units u;
        INSERT INTO bills (estate_id, building_id, unit_id, fee_item_id, period, quantity,
                           price_yuan, amount_fen, waived_fen, status, payment_id, paid_at,
                           created_at)
        SELECT u.estate_id, u.building_id, u.id, f.id,
               (DATE '2026-12-01' - make_interval(months => m))::date,
               CASE WHEN f.basis = 'fixed' THEN 1 ELSE u.area END, p.price_yuan,
               round(CASE WHEN f.basis = 'fixed' THEN 1 ELSE u.area END * p.price_yuan * 100),
               0, CASE WHEN m = :months - 1 THEN 'paid' ELSE 'unpaid' END,
               CASE WHEN m = :months - 1 THEN u.id END,
               CASE WHEN m = :months - 1 THEN now() AT TIME ZONE 'UTC' END,
               now() AT TIME ZONE 'UTC'
        FROM generate_series(0, :months - 1) m
        CROSS JOIN units u
        JOIN fee_items f ON f.estate_id = u.estate_id
        JOIN fee_prices p ON p.fee_item_id = f.id
        ORDER BY m DESC, u.id, f.id;
        INSERT INTO payment_bills (payment_id, bill_id, amount_fen)
        SELECT unit_id, id, amount_fen FROM bills WHERE period = :oldest;
        """,
    ),
    (
        "tickets",
        """
        INSERT INTO tickets (estate_id, unit_id, location, kind, category, urgency, description,
                             state, resident_id, created_at, rating_comment)
        SELECT u.estate_id, u.id, '', CASE WHEN k = 0 THEN 'home_repair' ELSE 'complaint' END,
               '', 'normal', '漏水', CASE WHEN k = 0 THEN 'submitted' ELSE 'closed' END, u.id,
               now() AT TIME ZONE 'UTC' - make_interval(days => k), ''
        FROM generate_series(0, 1) k CROSS JOIN units u ORDER BY k DESC, u.id;
        INSERT INTO notifications (resident_id, estate_id, kind, template_id, title, page, data,
                                   status, attempt_count, last_error, created_at)
        SELECT r.id, (r.id - 1) / (:units / :estates) + 1, 'bill_issued', 'tpl', '账单通知', '',
               '{}'::json, 'app_only', 0, '', now() AT TIME ZONE 'UTC' - make_interval(days => k)
        FROM generate_series(0, 4) k CROSS JOIN residents r ORDER BY k DESC, r.id;
        """,
    ),
    (
        "motions",
        """
        INSERT INTO motions (id, estate_id, item, kind, title, body, extraordinary, state,
                             opens_at, closes_at, created_at, announced_at, chain_head,
                             ballot_count, total_heads, total_area)
        SELECT g, 1 + (g - 1) / 2, 9, 'ordinary', '表决' || g, '正文', false, 'open',
               now() AT TIME ZONE 'UTC' - interval '1 day',
               now() AT TIME ZONE 'UTC' + interval '10 days',
               now() AT TIME ZONE 'UTC' - interval '20 days',
               now() AT TIME ZONE 'UTC' - interval '16 days', repeat('0', 64), 0,
               :units / :estates, 0
        FROM generate_series(1, :estates * 2) g;
        INSERT INTO vote_voters (id, motion_id, number, area, heads, developer)
        SELECT row_number() OVER (ORDER BY m.id, u.id), m.id, u.id, u.area, 1, false
        FROM motions m JOIN units u ON u.estate_id = m.estate_id;
        INSERT INTO vote_voter_units (motion_id, voter_id, unit_id, area, area_source, owners,
                                      developer_held)
        SELECT v.motion_id, v.id, v.number, v.area, 'registry', '业主' || v.number, false
        FROM vote_voters v;
        INSERT INTO ballots (motion_id, voter_id, seq, receipt, choice, area, heads, channel,
                             resident_id, proxy_name, cast_at, prev_hash, hash)
        SELECT v.motion_id, v.id, row_number() OVER (PARTITION BY v.motion_id ORDER BY v.id),
               'R' || lpad(v.id::text, 11, '0'), 'agree', v.area, 1, 'online', v.number, '',
               now() AT TIME ZONE 'UTC' - interval '2 days', repeat('0', 64), repeat('1', 64)
        FROM vote_voters v JOIN motions m ON m.id = v.motion_id
        WHERE m.id % 2 = 0 AND v.number % 2 = 0;
        UPDATE motions m SET state = 'published', passed = false,
               opens_at = now() AT TIME ZONE 'UTC' - interval '10 days',
               closes_at = now() AT TIME ZONE 'UTC' - interval '3 days',
               closed_at = now() AT TIME ZONE 'UTC' - interval '3 days',
               published_at = now() AT TIME ZONE 'UTC' - interval '3 days',
               ballot_count = (SELECT count(*) FROM ballots b WHERE b.motion_id = m.id),
               published = json_build_object(
                   'motion', json_build_object('id', m.id, 'title', m.title),
                   'tally', json_build_object('failed_condition', 'participation_area'),
                   'total_area', '0', 'total_heads', m.total_heads,
                   'chain_head', repeat('1', 64), 'corrections', json_build_array(),
                   'published_at', null,
                   'ballots', (SELECT json_agg(json_build_object(
                                  'receipt', b.receipt, 'choice', b.choice,
                                  'area', b.area::text, 'heads', b.heads, 'hash', b.hash)
                                  ORDER BY b.seq)
                               FROM ballots b WHERE b.motion_id = m.id))
        WHERE m.id % 2 = 0;
        """,
    ),
    (
        "board",
        """
        INSERT INTO board_posts (id, estate_id, section, publisher, must_read, version_count,
                                 withdraw_reason, created_at, published_at)
        SELECT g, 1 + (g - 1) / 10, 'committee_notices', 'company', g % 10 = 0, 1, '',
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM generate_series(1, :estates * 10) g;
        INSERT INTO board_post_versions (post_id, number, title, body_html, reason, created_at)
        SELECT id, 1, '公告' || id, '<p>公告</p>', '', now() AT TIME ZONE 'UTC' FROM board_posts;
        INSERT INTO board_post_reads (post_id, resident_id, read_at)
        SELECT (r.estate_id - 1) * 10 + k, r.resident_id, now() AT TIME ZONE 'UTC'
        FROM generate_series(1, 2) k CROSS JOIN residencies r;
        """,
    ),
    (
        "fund",
        """
        INSERT INTO fund_accounts (id, estate_id, unit_id, opened_at)
        SELECT id, estate_id, id, now() AT TIME ZONE 'UTC' FROM units;
        INSERT INTO fund_uses (id, estate_id, kind, state, title, items, budget_fen, contractor,
                               emergency_category, paid_fen, created_at, review_started_at,
                               review_due_at, disclosed_at)
        SELECT g, 1 + (g - 1) / 2, CASE WHEN g % 2 = 1 THEN 'ordinary' ELSE 'emergency' END,
               CASE WHEN g % 2 = 1 THEN 'disclosed' ELSE 'review' END,
               CASE WHEN g % 2 = 1 THEN '屋面防水' ELSE '电梯抢修' END, '', 1000000, '',
               CASE WHEN g % 2 = 1 THEN '' ELSE 'lift' END,
               CASE WHEN g % 2 = 1 THEN 1000000 ELSE 0 END,
               now() AT TIME ZONE 'UTC' - interval '60 days',
               now() AT TIME ZONE 'UTC' - interval '5 days',
               now() AT TIME ZONE 'UTC' + interval '2 days',
               CASE WHEN g % 2 = 1 THEN now() AT TIME ZONE 'UTC' - interval '1 day' END
        FROM generate_series(1, :estates * 2) g;
        INSERT INTO fund_use_units (use_id, unit_id)
        SELECT 2 * u.estate_id - 1, u.id FROM units u
        WHERE u.building_id = (u.estate_id - 1) * 4 + 1
        UNION ALL
        SELECT 2 * u.estate_id, u.id FROM units u;
        INSERT INTO fund_payments (id, use_id, instalment, amount_fen, paid_on, bank_reference,
                                   created_at)
        SELECT g, 2 * g - 1, 1, 1000000, DATE '2026-06-01', 'B' || g,
               now() AT TIME ZONE 'UTC' - interval '30 days'
        FROM generate_series(1, :estates) g;
        INSERT INTO fund_entries (account_id, estate_id, kind, amount_fen, booked_on, memo,
                                  reference, use_id, payment_id, created_at)
        SELECT u.id, u.estate_id, 'initial_deposit', (u.area * 10000)::bigint,
               DATE '2019-06-01', '首期交存', '', NULL::int, NULL::int, now() AT TIME ZONE 'UTC'
        FROM units u
        UNION ALL
        SELECT u.id, u.estate_id, 'interest', (u.area * 10)::bigint, DATE '2025-12-21',
               '利息分配', 'INT-2025', NULL, NULL, now() AT TIME ZONE 'UTC'
        FROM units u
        UNION ALL
        SELECT f.unit_id, u.estate_id, 'debit', -40000, DATE '2026-06-01', '维修资金使用',
               'B' || u.estate_id, f.use_id, u.estate_id, now() AT TIME ZONE 'UTC'
        FROM fund_use_units f JOIN units u ON u.id = f.unit_id WHERE f.use_id % 2 = 1;
        INSERT INTO fund_use_events (use_id, action, from_state, to_state, note, created_at)
        SELECT g, a.action, '', a.action, '', now() AT TIME ZONE 'UTC' - make_interval(days => a.n)
        FROM generate_series(1, :estates * 2) g
        CROSS JOIN (VALUES ('create', 60), ('submit', 5)) AS a(action, n)
        ORDER BY g;
        INSERT INTO documents (id, sha256, kind, filename, byte_size, created_at, attached_at)
        SELECT g, lpad(to_hex(g), 64, '0'), 'pdf', '报价单' || g || '.pdf', 1024,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM generate_series(1, :estates * 2) g;
        INSERT INTO fund_use_documents (use_id, document_id, kind, created_at)
        SELECT g, g, 'quote', now() AT TIME ZONE 'UTC' FROM generate_series(1, :estates * 2) g;
        """,
    ),
]


def sizes(units: int, bills: int, estates: int) -> dict:
    """The parameters of the SQL: months of bills needed for ``bills`` (two items per unit)."""
    if units % estates:
        raise ValueError("units must be a multiple of estates")
    months = max(1, math.ceil(bills / (units * 2)))
    return {"units": units, "estates": estates, "months": months}


PREPARE = """
DO $$
DECLARE r record;
BEGIN
  -- a plan database is written once and only read: foreign-key checks and the write-ahead
  -- log would cost most of the build, and neither changes a plan
  FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
           WHERE contype = 'f' AND connamespace = 'public'::regnamespace LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
  END LOOP;
  FOR r IN SELECT oid::regclass AS t FROM pg_class
           WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace LOOP
    EXECUTE format('ALTER TABLE %s SET UNLOGGED', r.t);
  END LOOP;
END $$
"""


def build(conn, units: int = 100_000, bills: int = 1_000_000, estates: int = 1000) -> dict:
    """Fill the empty schema behind ``conn`` (a DBAPI-level SQLAlchemy connection)."""
    import time

    import sqlalchemy as sa

    params = sizes(units, bills, estates)
    oldest = conn.execute(
        sa.text("SELECT (DATE '2026-12-01' - make_interval(months => :m - 1))::date"),
        {"m": params["months"]},
    ).scalar_one()
    params["oldest"] = oldest
    timings = {}
    started = time.perf_counter()
    conn.execute(sa.text(PREPARE))
    timings["prepare"] = round(time.perf_counter() - started, 2)
    for name, sql in STEPS:
        started = time.perf_counter()
        for statement in filter(str.strip, sql.split(";")):
            used = {k: v for k, v in params.items() if f":{k}" in statement}
            conn.execute(sa.text(statement), used)
        timings[name] = round(time.perf_counter() - started, 2)
    for table in (
        "units",
        "residents",
        "bills",
        "payments",
        "tickets",
        "notifications",
        "motions",
        "vote_voters",
        "board_posts",
        "fund_accounts",
        "fund_uses",
        "fund_payments",
        "documents",
    ):
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    started = time.perf_counter()
    conn.exec_driver_sql("ANALYZE")
    timings["analyze"] = round(time.perf_counter() - started, 2)
    return {**params, "timings": timings}

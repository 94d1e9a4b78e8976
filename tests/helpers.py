"""Small helpers shared by tests."""

from __future__ import annotations

import ast
import contextlib
import pathlib
import threading
from collections import Counter

import sqlalchemy as sa

from backend.authz.tokens import issue_token


def bearer(resident) -> dict:
    """Headers that sign a request in as ``resident``."""
    token, _ = issue_token(resident)
    return {"Authorization": f"Bearer {token}"}


def subscribe(fake_wechat, resident, choices: dict[str, str]) -> dict:
    """The resident answers ``wx.requestSubscribeMessage`` as the mini-app does: WeChat
    records the choices, and the mini-app reports WeChat's answer to the backend."""
    from backend.core.db import commit
    from backend.notify.services import record_subscription_answers

    answer = fake_wechat.subscribe(resident.openid, choices)
    record_subscription_answers(resident.id, {k: v for k, v in answer.items() if k != "errMsg"})
    commit()
    return answer


def imported_modules(path: pathlib.Path) -> set[str]:
    """The modules (and ``module.name``s) a source file imports at run time: imports under
    ``if TYPE_CHECKING:`` do not count."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@contextlib.contextmanager
def counted_statements():
    """The SQL statements sent while the block runs: ``with counted_statements() as sent:``
    then ``len(sent)``."""
    from backend.extensions import db

    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        # transaction control is the driver's, not a query the code asked for
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            sent.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def race(app, count: int, work) -> list[str]:
    """Run ``work(i)`` for i in 0…count-1 in ``count`` threads released at once (a barrier),
    each in its own app context and transaction: committed when it returns, rolled back when
    it raises a domain error (its outcome is then ``"refused"``). The outcomes, in finishing
    order. For races only a real database shows."""
    from backend.core.db import commit, rollback
    from backend.core.errors import DomainError

    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(work(i))
                commit()
            except DomainError:
                rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def send_at_once(app, count: int, send) -> Counter:
    """Send requests 0…count-1 over HTTP from as many test clients as the app's database
    pool has connections, released at once by a barrier (client k sends k, k + clients, …):
    ``send(client, i)`` returns the response. The statuses, counted.

    No more clients than connections: requests that race for one row or lock take it in
    turn, so extra clients would wait for the pool and, past its timeout
    (DATABASE_CONNECT_TIMEOUT, 3 s), get 503, the designed answer to overload. On a busy
    CI machine 50 clients for 15 connections got three 503s among 500 ballots: that
    measured the machine, not the race."""
    from backend.extensions import db

    pool = db.engine.pool
    clients = min(count, pool.size() + pool._max_overflow)
    barrier = threading.Barrier(clients)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(k: int) -> None:
        client = app.test_client()
        barrier.wait()
        for i in range(k, count, clients):
            status = send(client, i).status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(statuses)

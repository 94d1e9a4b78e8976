"""Fault tests on the real stack: a redis-server of the test's own on a free port (never the
shared one), and PostgreSQL reached through a TCP proxy the test controls (pass, refuse,
hang). Each fault app is a second app on the test database, built with short timeouts."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from tests.conftest import REAL_DATABASE_URL, STACK, free_port
from tests.fees.conftest import home, paid  # noqa: F401  (an owner's unit, bills, payment)

pytestmark = pytest.mark.realstack

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    if STACK == "real":
        return
    skip = pytest.mark.skip(reason="fault tests run on the real stack (PostgreSQL, Redis)")
    for item in items:
        if "tests/faults/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


class TCPProxy:
    """A TCP proxy on a free port to ``target``: ``pass`` forwards, ``refuse`` closes the
    listening socket and every connection (connection refused), ``hang`` accepts and keeps
    every connection open without forwarding a byte (a server that stopped answering)."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "pass"
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopped = False
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self.mode == "hang":
                with self._lock:
                    self._pairs.append((client, client))
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # a quiet server is not a dead one: only the test cuts
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self.mode == "hang":
                    while self.mode == "hang" and not self._stopped:
                        time.sleep(0.05)  # hold the bytes: nothing goes through any more
                    break  # what was held is lost, as after a network partition
                if self.mode == "refuse":
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _drop_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def set(self, mode: str) -> None:
        assert mode in ("pass", "refuse", "hang")
        previous, self.mode = self.mode, mode
        if mode == "refuse":
            if self._listener is not None:
                # wake the thread blocked in accept(): a closed socket stays bound while
                # it waits, and the port could not be listened on again
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            self._drop_all()
        elif mode == "pass":
            if previous == "hang":
                self._drop_all()  # what was held is lost, as after a network partition
            if self._listener is None:
                self._listen()

    def close(self) -> None:
        self._stopped = True
        self.set("refuse")


def proxied_url(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


@pytest.fixture
def pg_proxy():
    target = urlsplit(REAL_DATABASE_URL)
    proxy = TCPProxy(target.hostname or "127.0.0.1", target.port or 5432)
    yield proxy
    proxy.close()


class RedisServer:
    """A redis-server of the test's own: no persistence, so a restart comes back empty."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def process_env(**values: str) -> dict[str, str]:
    """Environment of a backend process under test (a worker, the clock, a job)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_TEST_")}
    env.update(
        {
            "SECRET_KEY": "fault-test-secret",
            "DATABASE_URL": REAL_DATABASE_URL,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            **values,
        }
    )
    return env


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


class Gunicorn:
    """gunicorn as the Procfile runs it (the app's worker class), one worker, on the test
    database, jobs inline (no Redis: nothing reaches a shared one). ``pause_at`` names a
    pause point (:mod:`backend.core.faults`): the first worker to reach it writes its pid to
    ``marker`` and stops there, to be killed."""

    def __init__(self, app, folder: Path, pause_at: str):
        cfg = app.config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.marker = folder / "paused.pid"
        self.log = folder / "gunicorn.log"
        env = process_env(
            SECRET_KEY=cfg["SECRET_KEY"],
            WECHAT_APPID=cfg["WECHAT_APPID"],
            WECHAT_SECRET=cfg["WECHAT_SECRET"],
            WECHAT_API_BASE=cfg["WECHAT_API_BASE"],
            WECHAT_PAY_MCH_ID=cfg["WECHAT_PAY_MCH_ID"],
            WECHAT_PAY_API_KEY=cfg["WECHAT_PAY_API_KEY"],
            WECHAT_PAY_API_BASE=cfg["WECHAT_PAY_API_BASE"],
            WECHAT_PAY_MCH_CERT=cfg["WECHAT_PAY_MCH_CERT"],
            WECHAT_PAY_MCH_KEY=cfg["WECHAT_PAY_MCH_KEY"],
            LINLI_WECHAT_PAY_CA_BUNDLE=cfg["WECHAT_PAY_CA_BUNDLE"],
            STORAGE_URL=cfg["STORAGE_URL"],
            JOBS_INLINE="true",
            LINLI_FAULT_PAUSE=pause_at,
            LINLI_FAULT_PAUSE_MARKER=str(self.marker),
        )
        env.pop("REDIS_URL", None)
        args = ["-m", "gunicorn", "--worker-class", "backend.serving.GunicornWorker"]
        args += ["--workers", "1", "--bind", f"127.0.0.1:{self.port}", "backend:create_app()"]
        self.process = spawn(args, env, self.log)

    def wait_healthy(self, timeout: float = 120) -> None:
        import requests

        def healthy():
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log.read_text()}")
            try:
                return requests.get(self.url + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(healthy, timeout), self.log.read_text()

    def paused_pid(self, timeout: float = 60) -> int:
        """The pid of the worker stopped at the pause point (waits for it)."""
        found = wait_until(lambda: self.marker.exists() and self.marker.read_text(), timeout)
        assert found, self.log.read_text()
        return int(found)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def gunicorn(app, tmp_path):
    """``gunicorn(pause_at)``: a started gunicorn (see :class:`Gunicorn`), stopped after."""
    started: list[Gunicorn] = []

    def start(pause_at: str) -> Gunicorn:
        server = Gunicorn(app, tmp_path, pause_at)
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.stop()

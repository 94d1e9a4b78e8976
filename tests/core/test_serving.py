"""The demo server (``flask serve``, run by ``make run``) answers its own errors as JSON."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

from backend.core.api import HTTP_MESSAGES
from backend.serving import RequestHandler


@pytest.fixture
def server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=RequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()


def _raw(address, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(address, timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


def test_a_request_line_over_64_kb_is_a_414_in_the_json_error_format(server):
    path = "/api/v1/estates?q=" + "x" * 70_000

    status, headers, body = _raw(server, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())

    assert status == 414
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {
        "code": 414,
        "status": "Request URI Too Long",
        "message": "请求地址过长",
        "errors": {},
    }


def test_a_header_over_64_kb_is_a_431_in_the_json_error_format(server):
    request = f"GET / HTTP/1.1\r\nHost: x\r\nX-Junk: {'x' * 70_000}\r\n\r\n".encode()

    status, headers, body = _raw(server, request)

    assert status == 431
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["message"] == "请求头过大"


def test_ordinary_requests_pass_through_to_the_app(server, db):
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    status, _, body = _raw(server, request)

    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def hello(environ, start_response):
    """A WSGI app for gunicorn below: gunicorn's own errors come before any app."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture(scope="module")
def gunicorn_server():
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--worker-class", "backend.serving.GunicornWorker",
         "--workers", "1", "--bind", f"127.0.0.1:{port}", "tests.core.test_serving:hello"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a busy machine starts gunicorn slowly
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.1)
    yield ("127.0.0.1", port)
    process.terminate()
    process.wait(timeout=10)


def test_gunicorn_answers_an_over_long_request_line_in_the_json_error_format(gunicorn_server):
    path = "/api/v1/estates?q=" + "x" * 9_000  # gunicorn's limit_request_line is 4094

    status, headers, body = _raw(
        gunicorn_server, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )

    assert status == 414
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {
        "code": 414,
        "status": "Request URI Too Long",
        "message": "请求地址过长",
        "errors": {},
    }


def test_gunicorn_answers_a_malformed_request_line_in_the_json_error_format(gunicorn_server):
    status, _, body = _raw(gunicorn_server, b"NOT A REQUEST\r\n\r\n")

    assert status == 400
    assert json.loads(body)["message"] == HTTP_MESSAGES[400]


def test_gunicorn_still_serves_ordinary_requests(gunicorn_server):
    status, _, body = _raw(
        gunicorn_server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )

    assert (status, body) == (200, b"ok")

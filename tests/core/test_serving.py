"""The demo server (``flask serve``, run by ``make run``) answers its own errors as JSON."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

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
    status, _, body = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}

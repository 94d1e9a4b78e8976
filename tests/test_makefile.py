"""``make run`` as a newcomer uses it: it serves, and Ctrl+C ends it quietly."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.conftest import STACK, free_port

ROOT = Path(__file__).parents[1]

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    # the same on both stacks: run it once
    pytest.mark.skipif(STACK == "real", reason="make run does not depend on the stack"),
]


def _run_in_a_terminal(argv: list[str], env: dict, ready: bytes, timeout: float = 120) -> bytes:
    """Run ``argv`` in a pseudo-terminal, press Ctrl+C once ``ready`` is printed, and
    return everything printed until the process ends."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        # as in a terminal: Ctrl+C interrupts (test runners may have it ignored)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execvpe(argv[0], argv, env)
    output, pressed, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: everything has ended
                break
            if not chunk:
                break
            output += chunk
        if not pressed and ready in output:
            time.sleep(1)
            os.write(fd, b"\x03")  # Ctrl+C
            pressed, deadline = True, time.monotonic() + 30
    else:
        os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)
    return output


def test_ctrl_c_stops_make_run_quietly(tmp_path):
    web, mock = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3",
        "SECRET_KEY": "make-run-test",
    }

    printed = _run_in_a_terminal(
        ["make", "run", f"WEB_PORT={web}", f"MOCK_PORT={mock}"],
        env,
        ready=f"Running on http://127.0.0.1:{web}".encode(),
    ).decode(errors="replace")

    assert f"http://127.0.0.1:{web}/admin/login" in printed
    assert "已停止" in printed
    assert "Segmentation fault" not in printed
    assert "make: ***" not in printed
    for port in (web, mock):  # both servers have let go of their ports
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))


def test_readme_says_how_to_change_the_ports():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")

    assert "WEB_PORT ?=" in makefile and "MOCK_PORT ?=" in makefile
    assert "make run WEB_PORT=" in readme and "MOCK_PORT=" in readme

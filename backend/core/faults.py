"""Pause points for the fault tests: a process stops at a named point so that a test can
``kill -9`` it exactly there (between a file and its row, a commit and its answer).

Inert unless the setting ``FAULT_PAUSE`` names the point (never set in a deployment). Only
the first process to reach the point pauses: it creates ``FAULT_PAUSE_MARKER`` (exclusive
create) with its pid, then sleeps ``FAULT_PAUSE_SECONDS``; every later arrival finds the
marker and goes on, so the retry the test makes afterwards runs normally.
"""

from __future__ import annotations

import os
import time

from flask import current_app


def pause_point(name: str) -> None:
    config = current_app.config
    if config.get("FAULT_PAUSE") != name or not config.get("FAULT_PAUSE_MARKER"):
        return
    try:
        fd = os.open(config["FAULT_PAUSE_MARKER"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(float(config["FAULT_PAUSE_SECONDS"]))

"""Locust users of ``bench/load.py``: residents of a busy estate and staff at the desk.

Read by ``locust -f`` in its own process; the plan (tokens, bills, the open motion, staff
accounts, the fake WeChat server) comes from the JSON file named by ``LINLI_LOAD_PLAN``.
Every answer of 500 or more is a failure named ``HTTP 5xx``; any other unexpected answer
is a failure named ``unexpected <status>`` (the bench reports both).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re

import requests
from locust import HttpUser, between, task

with open(os.environ["LINLI_LOAD_PLAN"], encoding="utf-8") as _plan:
    PLAN = json.load(_plan)
_residents = itertools.count()
_staff = itertools.count()
_CSRF = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')
_TICKET = re.compile(r"/admin/tickets/(\d+)")


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTO = _photo()


def check(response, *expected: int) -> bool:
    """Mark the answer: 5xx → ``HTTP 5xx``; another status than ``expected`` → unexpected."""
    if response.status_code >= 500:
        response.failure(f"HTTP 5xx ({response.status_code})")
        return False
    if response.status_code not in expected:
        response.failure(f"unexpected {response.status_code}")
        return False
    response.success()
    return True


class Resident(HttpUser):
    """A resident on the mini-app: reads bills, the board and tickets often; pays, submits
    a ticket with a photo and votes now and then (each once)."""

    weight = 39
    wait_time = between(1, 5)

    def on_start(self) -> None:
        me = PLAN["residents"][next(_residents) % len(PLAN["residents"])]
        self.headers = {"Authorization": f"Bearer {me['token']}"}
        self.me = me
        self.paid = self.voted = self.reported = False

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.headers, name=name, catch_response=True) as r:
            check(r, 200)

    @task(6)
    def bills(self) -> None:
        self._get("/api/v1/me/bills", "GET /me/bills")

    @task(5)
    def board(self) -> None:
        self._get(f"/api/v1/estates/{PLAN['estate_id']}/board", "GET /estates/{id}/board")

    @task(3)
    def tickets(self) -> None:
        self._get("/api/v1/me/tickets", "GET /me/tickets")

    @task(2)
    def me(self) -> None:
        self._get("/api/v1/me", "GET /me")

    @task(2)
    def motions(self) -> None:
        self._get("/api/v1/me/motions", "GET /me/motions")

    @task(1)
    def pay(self) -> None:
        if self.paid or not self.me["bill_ids"]:
            return self.bills()
        self.paid = True
        with self.client.post(
            "/api/v1/me/payments",
            json={"bill_ids": self.me["bill_ids"]},
            headers=self.headers,
            name="POST /me/payments",
            catch_response=True,
        ) as r:
            if not check(r, 201):
                return None
            out_trade_no = r.json()["out_trade_no"]
        # the phone's payment sheet: the fake WeChat Pay notifies the backend (not counted
        # here; the notification itself is a request gunicorn serves)
        requests.post(
            f"{PLAN['wechat_url']}/_mock/pay/complete",
            json={"out_trade_no": out_trade_no, "deliver": True},
            timeout=30,
        )
        return None

    @task(1)
    def report(self) -> None:
        if self.reported:
            return self.tickets()
        self.reported = True
        with self.client.post(
            "/api/v1/media/photos",
            files={"file": ("photo.jpg", PHOTO, "image/jpeg")},
            headers=self.headers,
            name="POST /media/photos",
            catch_response=True,
        ) as r:
            if not check(r, 201):
                return None
            photo_id = r.json()["id"]
        with self.client.post(
            "/api/v1/tickets",
            json={
                "kind": "home_repair",
                "urgency": "normal",
                "unit_id": self.me["unit_id"],
                "description": "厨房水龙头漏水，请派师傅看看",
                "photo_ids": [photo_id],
            },
            headers=self.headers,
            name="POST /tickets",
            catch_response=True,
        ) as r:
            check(r, 201)
        return None

    @task(1)
    def vote(self) -> None:
        if self.voted:
            return self.motions()
        self.voted = True
        with self.client.post(
            f"/api/v1/me/motions/{PLAN['motion_id']}/ballot",
            json={"choice": random.choice(("agree", "agree", "oppose", "abstain"))},
            headers=self.headers,
            name="POST /me/motions/{id}/ballot",
            catch_response=True,
        ) as r:
            check(r, 201)
        return None


class Desk(HttpUser):
    """The service desk working the ticket queue in the panel: the list, a ticket, a note."""

    #: exactly as many as the plan has accounts (one in 40 users), whatever the total
    fixed_count = len(PLAN["staff"])
    wait_time = between(2, 6)

    def on_start(self) -> None:
        account = PLAN["staff"][next(_staff) % len(PLAN["staff"])]
        page = self.client.get("/admin/login", name="GET /admin/login")
        token = _CSRF.search(page.text)
        with self.client.post(
            "/admin/login",
            data={
                "username": account["username"],
                "password": account["password"],
                "csrf_token": token[1] if token else "",
            },
            name="POST /admin/login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            check(r, 302)

    @task(4)
    def queue(self) -> None:
        with self.client.get("/admin/tickets", name="GET /admin/tickets", catch_response=True) as r:
            if check(r, 200):
                self.ticket_ids = _TICKET.findall(r.text)

    @task(2)
    def ticket_note(self) -> None:
        ids = getattr(self, "ticket_ids", None)
        if not ids:
            return self.queue()
        ticket_id = random.choice(ids)
        with self.client.get(
            f"/admin/tickets/{ticket_id}", name="GET /admin/tickets/{id}", catch_response=True
        ) as r:
            if not check(r, 200):
                return None
            token = _CSRF.search(r.text)
        with self.client.post(
            f"/admin/tickets/{ticket_id}/note",
            data={"note": "已联系住户，师傅今天下午上门", "csrf_token": token[1] if token else ""},
            name="POST /admin/tickets/{id}/note",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            check(r, 200, 302, 303)
        return None

"""Finding 7: bodies posted to the payment notification endpoint that fail verification are
counted, and only a bounded sample (count per hour, length) is kept; the endpoint is
rate-limited per source address."""

from __future__ import annotations

import sqlalchemy as sa

from backend.fees import payments
from backend.fees.models import PaymentNotification

URL = "/api/v1/payments/wechat/notify"


def test_junk_is_counted_and_only_a_bounded_sample_kept(client, app, db):
    before = payments.unverified_count()
    junk = "<xml><return_code>SUCCESS</return_code><sign>0</sign>" + "x" * 4000 + "</xml>"
    for n in range(payments.UNVERIFIED_SAMPLE_PER_HOUR + 20):
        response = client.post(
            URL, data=junk, environ_base={"REMOTE_ADDR": f"198.51.100.{n % 200}"}
        )
        assert response.status_code == 200 and "FAIL" in response.text
    kept = db.session.scalars(sa.select(PaymentNotification)).all()
    assert len(kept) == payments.UNVERIFIED_SAMPLE_PER_HOUR
    assert max(len(n.body) for n in kept) <= payments.UNVERIFIED_BODY_CHARS
    assert payments.unverified_count() - before == payments.UNVERIFIED_SAMPLE_PER_HOUR + 20


def test_the_endpoint_is_rate_limited_per_source(client, app, db):
    app.config["RATELIMIT_WECHAT_NOTIFY"], limit = (
        "5 per minute",
        app.config["RATELIMIT_WECHAT_NOTIFY"],
    )
    try:
        answers = [
            client.post(URL, data="junk", environ_base={"REMOTE_ADDR": "203.0.113.77"})
            for _ in range(7)
        ]
        other = client.post(URL, data="junk", environ_base={"REMOTE_ADDR": "203.0.113.78"})
    finally:
        app.config["RATELIMIT_WECHAT_NOTIFY"] = limit
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert other.status_code == 200

"""Refunds through WeChat Pay: recorded first, asked with a stable out_refund_no, followed by
the refund query; the merchant certificate is required, as WeChat Pay requires it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend import config as settings
from backend.core.db import commit
from backend.core.time import utcnow
from backend.fees.jobs import refund_job, resume_refunds_job
from backend.fees.models import Payment, PaymentStatus, Refund, RefundState
from backend.fees.payments import refund_payment
from tests.factories import StaffFactory
from tests.fees.conftest import bill_status


def _refund(db) -> Refund:
    db.session.rollback()  # a new snapshot: the jobs committed in their own sessions
    return db.session.scalars(sa.select(Refund)).one()


def _status(db, payment) -> PaymentStatus:
    db.session.rollback()
    return db.session.get(Payment, payment.id).status


def test_without_the_merchant_certificate_the_refund_is_refused_and_kept_for_a_retry(
    app, db, home, paid, fake_wechat, monkeypatch
):
    monkeypatch.setitem(app.config, "WECHAT_PAY_MCH_CERT", None)
    monkeypatch.setitem(app.config, "WECHAT_PAY_MCH_KEY", None)
    app.extensions.pop("linli_wechat_pay", None)

    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()

    refund = _refund(db)
    assert refund.state == RefundState.requested
    assert "证书" in refund.last_error
    assert fake_wechat.pay.refunds == []
    # the payment follows WeChat Pay: nothing was refunded, so nothing changed
    assert _status(db, paid) == PaymentStatus.valid
    assert [bill_status(db, b.id) for b in home.bills] == ["paid", "paid"]

    # the operator installs the certificate: the next try succeeds, with the same number
    monkeypatch.undo()
    app.extensions.pop("linli_wechat_pay", None)
    refund_job(refund.id)
    refund = _refund(db)
    assert refund.state == RefundState.succeeded
    assert [r["out_refund_no"] for r in fake_wechat.pay.refunds] == [refund.out_refund_no]
    assert _status(db, paid) == PaymentStatus.refunded
    assert [bill_status(db, b.id) for b in home.bills] == ["unpaid", "unpaid"]


def test_the_fake_secapi_refuses_a_client_without_the_certificate(db, fake_wechat):
    """The TLS endpoint itself: no client certificate, no refund (as WeChat Pay)."""
    answer = requests.post(
        f"{fake_wechat.pay_url}/secapi/pay/refund",
        data=b"<xml><mch_id>1900000109</mch_id></xml>",
        verify=str(fake_wechat.certificates.ca),
        timeout=5,
    )
    assert "证书错误" in answer.text
    assert fake_wechat.pay.refund_requests == []


def test_a_lost_answer_is_reconciled_by_the_refund_query_not_a_second_refund(
    db, home, paid, fake_wechat
):
    fake_wechat.pay.lose_refund_answers = 1  # WeChat refunds, its answer never arrives

    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()  # first try: answer lost; the retry queries and finds the refund made

    refund = _refund(db)
    assert refund.state == RefundState.succeeded
    assert refund.attempts == 2
    assert fake_wechat.pay.refund_requests == [refund.out_refund_no]
    assert len(fake_wechat.pay.refunds) == 1
    assert refund.refund_id == fake_wechat.pay.refunds[0]["refund_id"]
    assert _status(db, paid) == PaymentStatus.refunded


def test_a_retry_reuses_the_out_refund_no(app, db, paid, fake_wechat, monkeypatch):
    # WeChat Pay unreachable at first (a network error after the request may have landed)
    monkeypatch.setitem(app.config, "WECHAT_PAY_API_BASE", "https://127.0.0.1:9/")
    app.extensions.pop("linli_wechat_pay", None)
    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()
    refund = _refund(db)
    assert refund.state == RefundState.requested
    assert refund.attempts == len(app.config["REFUND_RETRY_DELAYS"])
    assert "network" in refund.last_error
    number = refund.out_refund_no

    monkeypatch.undo()
    app.extensions.pop("linli_wechat_pay", None)
    refund.next_try_at = utcnow() - timedelta(seconds=1)
    commit()
    assert resume_refunds_job() == 1

    refund = _refund(db)
    assert (refund.state, refund.out_refund_no) == (RefundState.succeeded, number)
    assert fake_wechat.pay.refund_requests == [number]


def test_a_refund_still_processing_is_followed_until_final(db, home, paid, fake_wechat):
    fake_wechat.pay.hold_refunds = True
    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()
    refund = _refund(db)
    assert refund.state == RefundState.processing
    assert refund.accepted_at is not None and refund.finished_at is None
    assert _status(db, paid) == PaymentStatus.valid

    requests.post(f"{fake_wechat.url}/_mock/pay/refunds/settle", json={}, timeout=5)
    refund.next_try_at = utcnow() - timedelta(seconds=1)
    commit()
    resume_refunds_job()

    refund = _refund(db)
    assert refund.state == RefundState.succeeded and refund.finished_at is not None
    assert _status(db, paid) == PaymentStatus.refunded
    assert [bill_status(db, b.id) for b in home.bills] == ["unpaid", "unpaid"]
    assert fake_wechat.pay.refund_requests == [refund.out_refund_no]


def test_a_refund_wechat_closes_fails_and_the_payment_stays_valid(db, home, paid, fake_wechat):
    fake_wechat.pay.hold_refunds = True
    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()
    requests.post(
        f"{fake_wechat.url}/_mock/pay/refunds/settle", json={"status": "REFUNDCLOSE"}, timeout=5
    )
    refund = _refund(db)
    refund.next_try_at = utcnow() - timedelta(seconds=1)
    commit()
    resume_refunds_job()

    refund = _refund(db)
    assert refund.state == RefundState.failed
    assert "REFUNDCLOSE" in refund.last_error
    assert _status(db, paid) == PaymentStatus.valid
    assert [bill_status(db, b.id) for b in home.bills] == ["paid", "paid"]


def test_a_payment_is_refunded_once_a_second_request_is_refused(db, paid, fake_wechat):
    from backend.core.errors import Conflict

    staff = StaffFactory()
    refund_payment(staff, paid.id, "重复缴费，原路退回")
    commit()
    with pytest.raises(Conflict):
        refund_payment(staff, paid.id, "再退一次")


def test_the_database_keeps_one_refund_per_payment(db, paid):
    for number in ("RF-A", "RF-B"):
        db.session.add(
            Refund(payment_id=paid.id, out_refund_no=number, amount_fen=1, reason="测试")
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _production(**values) -> dict:
    config = {k: getattr(settings.Config, k) for k in dir(settings.Config) if k.isupper()}
    config.update(
        SECRET_KEY="a-production-key",
        DATABASE_URL="postgresql://db.example/linli",
        WECHAT_PAY_MCH_ID="1230000109",
        **values,
    )
    return config


def test_production_with_wechat_pay_does_not_start_without_the_merchant_certificate(tmp_path):
    with pytest.raises(settings.ConfigError, match="WECHAT_PAY_MCH_CERT"):
        settings.finalize(_production(), str(tmp_path))
    cert, key = tmp_path / "apiclient_cert.pem", tmp_path / "apiclient_key.pem"
    with pytest.raises(settings.ConfigError, match="cannot be read"):
        settings.finalize(_production(WECHAT_PAY_MCH_CERT=str(cert)), str(tmp_path))
    cert.write_text("-")
    with pytest.raises(settings.ConfigError, match="WECHAT_PAY_MCH_KEY"):
        settings.finalize(_production(WECHAT_PAY_MCH_CERT=str(cert)), str(tmp_path))
    key.write_text("-")
    settings.finalize(
        _production(WECHAT_PAY_MCH_CERT=str(cert), WECHAT_PAY_MCH_KEY=str(key)), str(tmp_path)
    )

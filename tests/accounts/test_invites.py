"""Redeeming invites: refusals."""

from __future__ import annotations

import traceback

import pytest

from backend.accounts import services
from backend.core.errors import Conflict
from backend.core.time import utcnow
from tests.factories import InviteFactory, ResidentFactory


def _refusal(resident, code: str) -> Conflict:
    with pytest.raises(Conflict) as caught:
        services.redeem_invite(resident, code)
    return caught.value


def test_each_refusal_is_a_fresh_error_whose_traceback_does_not_grow(db):
    """A stored exception instance would gather every raise's frames (and the requests)."""
    InviteFactory(code="USED2345", used_at=utcnow())
    resident = ResidentFactory()

    first = _refusal(resident, "USED2345")
    first_frames = len(traceback.extract_tb(first.__traceback__))
    second = _refusal(resident, "USED2345")

    assert second is not first
    assert len(traceback.extract_tb(second.__traceback__)) <= first_frames
    assert second.message == "该邀请码已被使用"

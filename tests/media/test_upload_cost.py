"""Finding 4: what a hostile upload can cost. A 7000×7000 WebP (lossless, one colour: 38
bytes, and it decodes in a second of CPU) is refused from its header below the bound for
formats decoded in full; an account bound to no home may not upload; beyond
``PHOTO_DECODE_CONCURRENCY`` decodes at once the rest are answered 503 at once."""

from __future__ import annotations

import io
import time

from PIL import Image

from backend.media import services
from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg

#: Image.new("RGB", (7000, 7000), (200, 10, 10)).save(out, "WEBP", lossless=True, method=0)
HOSTILE_WEBP = bytes.fromhex(
    "524946461e000000574542505650384c110000002f57dbd5060750852257a1ff8188e87f0000"
)


def _upload(client, headers, data, name="a.webp"):
    return client.post(
        "/api/v1/media/photos",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_a_hostile_webp_costs_under_a_second_of_cpu(client, db):
    assert Image.open(io.BytesIO(HOSTILE_WEBP)).size == (7000, 7000)
    headers = bearer(ResidencyFactory().resident)
    started = time.process_time()
    response = _upload(client, headers, HOSTILE_WEBP)
    spent = time.process_time() - started
    assert response.status_code == 422 and "像素" in response.get_json()["message"]
    assert spent <= 1.0, spent


def test_an_account_bound_to_no_home_cannot_upload(client, db):
    response = _upload(client, bearer(ResidentFactory()), jpeg(), "a.jpg")
    assert response.status_code == 403
    assert response.get_json()["message"] == "请先绑定房屋后再上传照片"


def test_decodes_beyond_the_bound_are_answered_503_at_once(client, app, db):
    headers = bearer(ResidencyFactory().resident)
    slot = services._decoding_slot(app.config["PHOTO_DECODE_CONCURRENCY"])
    taken = 0
    while slot.acquire(blocking=False):  # every decode slot busy, as under a flood
        taken += 1
    try:
        started = time.monotonic()
        response = _upload(client, headers, jpeg(), "a.jpg")
        assert response.status_code == 503
        assert "稍后重试" in response.get_json()["message"]
        assert time.monotonic() - started < 0.5
    finally:
        for _ in range(taken):
            slot.release()
    assert _upload(client, headers, jpeg(), "a.jpg").status_code == 201

"""Voice notes on reports: what a phone records is accepted (sniffed from the bytes), measured
by decoding, transcoded to one clean AAC .m4a (no tags, no video), attached to a report
once, played to whoever may see the ticket, and deleted when never used."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import av
import pytest
import sqlalchemy as sa

from backend.core.time import utcnow
from backend.media import services
from backend.media.audio import tone_clip
from backend.media.jobs import delete_unattached_photos_job
from backend.media.models import VoiceNote
from backend.media.storage import get_storage
from backend.tickets.models import Ticket
from tests.admin.conftest import login
from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer
from tests.media.conftest import jpeg

#: what WeChat's RecorderManager (mp3, aac, m4a) and a browser's MediaRecorder (webm and
#: ogg with Opus) record, and wav
RECORDINGS = {
    "mp3": ("mp3", "libmp3lame"),
    "aac (adts)": ("adts", "aac"),
    "m4a": ("ipod", "aac"),
    "webm/opus": ("webm", "libopus"),
    "ogg/opus": ("ogg", "libopus"),
    "wav": ("wav", "pcm_s16le"),
}
TAGS = {"title": "张伟家 1幢101", "comment": "GPS 30.27,120.15", "artist": "张伟"}


def _upload(client, headers, data: bytes, filename="voice.mp3", mimetype="audio/mpeg"):
    return client.post(
        "/api/v1/media/voice-notes",
        data={"file": (io.BytesIO(data), filename, mimetype)},
        headers=headers,
        content_type="multipart/form-data",
    )


def _bound():
    return ResidencyFactory().resident


def _stored(client, url: str) -> bytes:
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.mimetype == "audio/mp4"
    return resp.data


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(VoiceNote))


@pytest.mark.parametrize("kind", RECORDINGS, ids=list(RECORDINGS))
def test_each_recorded_format_is_accepted_and_stored_as_one_clean_m4a(client, db, kind):
    container, codec = RECORDINGS[kind]
    clip = tone_clip(2.5, container=container, codec=codec, metadata=TAGS)

    # the client's name and type are ignored: only the bytes count
    resp = _upload(client, bearer(_bound()), clip, filename="x.txt", mimetype="text/plain")

    assert resp.status_code == 201, resp.json
    assert 2400 <= resp.json["duration_ms"] <= 2700
    assert resp.json["seconds"] == 2 or resp.json["seconds"] == 3
    stored = _stored(client, resp.json["url"])
    with av.open(io.BytesIO(stored)) as out:
        assert out.format.name.startswith("mov,mp4")
        assert [s.type for s in out.streams] == ["audio"]
        audio = out.streams.audio[0]
        assert audio.codec_context.name == "aac" and audio.channels == 1
        # no tag of the original (title, comment, artist) and no encoder tag survives
        tags = {**out.metadata, **audio.metadata}
        assert not set(tags) & {"title", "comment", "artist", "encoder", "date", "location"}
        assert not any(v in str(tags) for v in TAGS.values())
        decoded = sum(frame.samples for frame in out.decode(audio=0)) / audio.sample_rate
    assert 2.3 < decoded < 2.8
    assert b"GPS" not in stored and "张伟".encode() not in stored


def test_a_video_stream_is_dropped_and_only_the_sound_is_kept(client, db):
    clip = tone_clip(2, container="mp4", codec="aac", video=True, metadata=TAGS)
    with av.open(io.BytesIO(clip)) as source:
        assert sorted(s.type for s in source.streams) == ["audio", "video"]

    resp = _upload(client, bearer(_bound()), clip, filename="clip.mp4")

    assert resp.status_code == 201, resp.json
    with av.open(io.BytesIO(_stored(client, resp.json["url"]))) as out:
        assert [s.type for s in out.streams] == ["audio"]


HOSTILE = {
    "text named .mp3": (b"this is not a voice note\n" * 50, 422, "只支持"),
    "jpeg": (jpeg(), 422, "只支持"),
    "midi": (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x60" + b"\0" * 100, 422, "只支持"),
    "flac": (b"fLaC\x00\x00\x00\x22" + b"\0" * 200, 422, "只支持"),
    "ogg header then garbage": (b"OggS" + b"\x00\x02" + b"\xaa" * 500, 422, "损坏"),
    "wav header, no samples": (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\xff" * 40, 422, "损坏"),
    "truncated m4a": (tone_clip(3, container="ipod", codec="aac")[:400], 422, "损坏"),
    "mp3 frame sync then zeros": (b"\xff\xfb\x90\x00" + b"\0" * 4000, 422, "损坏"),
    "3 MB file": (b"ID3" + b"\0" * (3 * 1024 * 1024), 413, "2 MB"),
    "empty file": (b"", 422, "为空"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_voice_upload_is_refused_and_nothing_is_stored(client, db, stored_files, case):
    data, status, words = HOSTILE[case]
    before = stored_files()

    resp = _upload(client, bearer(_bound()), data)

    assert resp.status_code == status, resp.json
    assert words in resp.json["message"]
    assert stored_files() == before
    assert _count(db) == 0


def test_a_note_longer_than_a_minute_is_refused_by_decoding_not_by_its_header(
    client, db, stored_files
):
    # 65 s of Opus is small (well under 2 MB): only decoding finds how long it is
    clip = tone_clip(65, container="ogg", codec="libopus")
    assert len(clip) < 1024 * 1024

    resp = _upload(client, bearer(_bound()), clip)

    assert resp.status_code == 422
    assert resp.json["message"] == "语音不能超过 60 秒，请分段录音或改用文字描述"
    assert stored_files() == set()


def test_a_note_of_59_seconds_is_accepted(client, db):
    resp = _upload(client, bearer(_bound()), tone_clip(59, container="webm", codec="libopus"))

    assert resp.status_code == 201
    assert resp.json["seconds"] == 59


def test_a_slip_of_the_finger_is_refused(client, db):
    resp = _upload(client, bearer(_bound()), tone_clip(0.2, container="wav", codec="pcm_s16le"))

    assert resp.status_code == 422
    assert "太短" in resp.json["message"]


def test_decoding_is_bounded_in_time(app, client, db, stored_files, monkeypatch):
    monkeypatch.setitem(app.config, "VOICE_DECODE_SECONDS", 0)

    resp = _upload(client, bearer(_bound()), tone_clip(5, container="ogg", codec="libopus"))

    assert resp.status_code == 422
    assert "时限" in resp.json["message"]
    assert stored_files() == set()


def test_a_resident_without_a_home_cannot_upload(client, db):
    resp = _upload(client, bearer(ResidentFactory()), tone_clip(1))

    assert resp.status_code == 403


def _report(client, resident, key=None, **body):
    headers = dict(bearer(resident))
    if key:
        headers["Idempotency-Key"] = key
    unit_id = resident.residencies[0].unit_id
    payload = {"kind": "home_repair", "urgency": "normal", "unit_id": unit_id, **body}
    return client.post("/api/v1/tickets", json=payload, headers=headers)


def test_a_report_by_voice_alone_carries_the_note_and_a_retry_makes_one_ticket(client, db):
    resident = _bound()
    uploaded = _upload(client, bearer(resident), tone_clip(3))
    assert uploaded.status_code == 201, uploaded.json
    note = uploaded.json

    first = _report(client, resident, key="voice-1", voice_note_id=note["id"])
    again = _report(client, resident, key="voice-1", voice_note_id=note["id"])

    assert first.status_code == 201, first.json
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
    assert first.json["description"] == "（语音报修，请播放语音）"
    assert first.json["voice_note"]["id"] == note["id"]
    assert first.json["voice_note"]["seconds"] == 3
    created = first.json["timeline"][0]
    assert created["voice_note"]["id"] == note["id"]
    # the detail hands out a fresh signed URL that plays
    detail = client.get(f"/api/v1/me/tickets/{first.json['id']}", headers=bearer(resident))
    assert _stored(client, detail.json["voice_note"]["url"])[4:8] == b"ftyp"
    # the same key with another note is refused, never answered with the first ticket
    other = _upload(client, bearer(resident), tone_clip(2)).json
    reused = _report(client, resident, key="voice-1", voice_note_id=other["id"])
    assert reused.status_code == 422


def test_a_note_belongs_to_one_report_of_its_own_resident(client, db):
    me, other = _bound(), _bound()
    note = _upload(client, bearer(me), tone_clip(1.5)).json

    theirs = _report(client, other, description="楼道灯不亮", voice_note_id=note["id"])
    mine = _report(client, me, description="楼道灯不亮", voice_note_id=note["id"])
    twice = _report(client, me, description="楼道灯还是不亮", voice_note_id=note["id"])

    assert theirs.status_code == 422 and "语音" in theirs.json["message"]
    assert mine.status_code == 201
    assert twice.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_without_a_note_the_description_is_still_required(client, db):
    resp = _report(client, _bound(), description=" ")

    assert resp.status_code == 422
    assert "描述" in resp.json["message"]


def test_unattached_notes_are_deleted_after_a_day_with_their_files(client, db):
    resident = _bound()
    old = services.upload_voice(tone_clip(1, codec="aac"), resident_id=resident.id)
    fresh = services.upload_voice(tone_clip(1.5, codec="aac"), resident_id=resident.id)
    used = services.upload_voice(tone_clip(2, codec="aac"), resident_id=resident.id)
    services.attach_voice_note(used.id, resident_id=resident.id)
    old.created_at = utcnow() - timedelta(hours=24.1)
    fresh.created_at = utcnow() - timedelta(hours=23.9)
    used.created_at = utcnow() - timedelta(hours=48)
    old_key, old_id = old.key, old.id
    db.session.commit()

    delete_unattached_photos_job()

    ids = set(db.session.scalars(sa.select(VoiceNote.id)))
    assert old_id not in ids and {fresh.id, used.id} <= ids
    assert not get_storage().exists(old_key)
    assert get_storage().exists(fresh.key) and get_storage().exists(used.key)


def test_stored_voice_files_no_row_references_are_swept(app, db):
    resident = _bound()
    note = services.upload_voice(tone_clip(1), resident_id=resident.id)
    key = note.key
    db.session.rollback()  # the row never committed: a crash between the file and the row
    assert get_storage().exists(key)

    removed = services.delete_orphaned_files(now=utcnow() + app.config["STORAGE_ORPHAN_GRACE"] * 2)

    assert removed >= 1 and not get_storage().exists(key)


def test_staff_hear_the_note_only_where_they_see_the_ticket(client, db):
    from backend.accounts.models import StaffRole
    from tests.factories import CompanyFactory, EstateFactory, StaffFactory

    resident = _bound()
    estate = resident.residencies[0].unit.building.estate
    note = _upload(client, bearer(resident), tone_clip(2)).json
    ticket = _report(client, resident, description="水管漏水", voice_note_id=note["id"]).json
    desk = StaffFactory(role=StaffRole.service_desk, company=estate.company)
    tech = StaffFactory(role=StaffRole.technician, company=estate.company)
    stranger = StaffFactory(role=StaffRole.service_desk, company=CompanyFactory())
    EstateFactory(company=stranger.company)
    db.session.commit()

    for staff in (desk, tech):
        login(client, staff)
        page = client.get(f"/admin/tickets/{ticket['id']}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'id="ticket-voice"' in html and "<audio controls" in html
        src = html.split('<audio controls preload="metadata" src="', 1)[1].split('"', 1)[0]
        assert _stored(client, src.replace("&amp;", "&"))[4:8] == b"ftyp"
        client.post("/admin/logout")
    login(client, stranger)
    assert client.get(f"/admin/tickets/{ticket['id']}").status_code == 404
    # the file itself is served by its signed URL only
    path = urlsplit(note["url"]).path
    assert client.get(path).status_code == 403


def test_the_player_may_ask_for_a_byte_range(client, db):
    note = _upload(client, bearer(_bound()), tone_clip(2)).json

    resp = client.get(note["url"], headers={"Range": "bytes=0-99"})

    assert resp.status_code == 206
    assert len(resp.data) == 100 and resp.headers["Accept-Ranges"] == "bytes"


def test_a_long_hostile_note_costs_a_bounded_time(client, db):
    """Four minutes of 8 kHz WAV fit in 2 MB: decoding stops at the limit, not at the end."""
    import time

    clip = tone_clip(240, container="wav", codec="pcm_u8", rate=8000)
    assert len(clip) < 2 * 1024 * 1024
    started = time.process_time()

    resp = _upload(client, bearer(_bound()), clip)

    spent = time.process_time() - started
    assert resp.status_code == 422 and "60 秒" in resp.json["message"]
    assert spent <= 2.0, spent


def test_voice_notes_share_the_photos_decoding_slots(client, app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_DECODE_CONCURRENCY", 1)
    slot = services._decoding_slot(1)
    assert slot.acquire(blocking=False)  # a photo being decoded
    try:
        resp = _upload(client, bearer(_bound()), tone_clip(1))
    finally:
        slot.release()

    assert resp.status_code == 503
    assert resp.json["message"] == "同时处理的语音过多，请稍后重试"

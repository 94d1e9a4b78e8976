"""Resident API of photos: upload one per request (as wx.uploadFile does), fetch by signed URL."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, request

from backend.authz.resident import (
    BEARER,
    current_resident,
    require_bound_home,
    resident_rate_key,
    resident_required,
)
from backend.core.api import Blueprint
from backend.core.errors import NotFound
from backend.core.signing import check_signed_request
from backend.extensions import configured_limit, limiter
from backend.media import documents, services
from backend.media.models import DOCUMENT_TYPES
from backend.media.schemas import PhotoSchema, VoiceNoteSchema

blp = Blueprint("media", __name__, tag="照片", description="照片上传（逐张）与签名链接")

#: room for the multipart envelope around the file itself
_MULTIPART_OVERHEAD = 64 * 1024


def _too_large(limit: int, file_name: str) -> services.PhotoRefused:
    return services.PhotoRefused(f"{file_name}不能超过 {limit // (1024 * 1024)} MB", 413)


def _read_bounded(upload, setting: str = "PHOTO_MAX_BYTES", file_name: str = "照片") -> bytes:
    limit = current_app.config[setting]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit, file_name)
    return data


def read_uploaded_file(
    field: str = "file",
    *,
    setting: str = "PHOTO_MAX_BYTES",
    name: str = "照片",
    file_name: str = "照片",
) -> bytes:
    """The bytes of the one uploaded file, refused (413) above the size limit ``setting``
    (``PHOTO_MAX_BYTES``) before the body is read when the client says its length, and while
    reading otherwise; ``name`` and ``file_name`` say what is uploaded in the messages."""
    limit = current_app.config[setting]
    if request.content_length is not None and request.content_length > limit + _MULTIPART_OVERHEAD:
        raise _too_large(limit, file_name)
    upload = request.files.get(field)
    if upload is None:
        raise services.PhotoRefused(f"请选择要上传的{name}（表单字段 file）")
    return _read_bounded(upload, setting, file_name)


def release_transaction() -> None:
    """End the request's read-only transaction before the pipeline's CPU-heavy work.

    No transaction should stay open meanwhile; and on SQLite a write made from a read
    snapshot that another upload has made stale meanwhile is refused ("database is
    locked"), so the photo's row is written in a fresh transaction. Call it only before
    the request has written anything.
    """
    from backend.core.db import rollback

    rollback()


def read_uploaded_files(field: str) -> list[bytes]:
    """The bytes of each file chosen in a multiple file input (the panel's after-photos),
    each bounded like :func:`read_uploaded_file`; an input left empty gives none."""
    uploads = [u for u in request.files.getlist(field) if u.filename]
    if len(uploads) > services.MAX_PHOTOS:
        raise services.PhotoRefused(f"最多上传 {services.MAX_PHOTOS} 张照片")
    return [_read_bounded(u) for u in uploads]


def upload_route(path: str, *, rate_limit: str, schema, too_large: str, refused: str, busy: str):
    """Route and document a resident's upload of one file at ``path``: a multipart form
    with the file in ``file``, for a signed-in resident, limited by the setting
    ``rate_limit``, answered 201 with ``schema``; ``too_large`` (413), ``refused`` (422) and
    ``busy`` (503) describe why a file is not taken."""
    return _stacked(
        (
            blp.post(path),
            blp.doc(
                security=BEARER,
                requestBody={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                },
            ),
            resident_required,
            limiter.limit(configured_limit(rate_limit), key_func=resident_rate_key),
            blp.response(201, schema),
            blp.alt_response(413, description=too_large),
            blp.alt_response(422, description=refused),
            blp.alt_response(503, description=busy),
            blp.errors(400, 401, 403, 413, 422, 429),
        )
    )


def signed_file_route(path: str, responses: dict):
    """Route and document a file served by signed URL at ``path`` (the signature is the
    permission: 403 when it is wrong, 410 once expired); ``responses`` documents what it
    answers."""
    return _stacked(
        (
            blp.get(path),
            blp.doc(
                parameters=[
                    {
                        "name": "expires",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {"name": "sig", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                responses=responses,
            ),
            blp.alt_response(403, description="签名无效"),
            blp.alt_response(410, description="链接已过期"),
            blp.errors(403, 404, 410),
        )
    )


def _stacked(decorators):
    """One decorator applying ``decorators`` as if stacked above a function in that order."""

    def decorate(view):
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return decorate


@upload_route(
    "/media/photos",
    rate_limit="RATELIMIT_PHOTO_UPLOAD",
    schema=PhotoSchema,
    too_large="照片过大",
    refused="不是可接受的照片（格式、像素、文件损坏）",
    busy=services.BUSY,
)
def upload_photo():
    """上传一张照片（JPEG/PNG/WebP/HEIC），返回照片编号与签名链接

    照片会被摆正、去除全部元数据（含 GPS）并重新压缩；原图不保留。24 小时内未被使用的照片会被删除。
    """
    resident = current_resident()
    require_bound_home(resident)
    data = read_uploaded_file()
    resident_id = resident.id
    release_transaction()
    photo = services.upload_photo(data, resident_id=resident_id)
    return services.photo_view(photo)


@signed_file_route(
    "/media/photos/<int:photo_id>/<variant>.jpg",
    {"200": {"description": "JPEG", "content": {"image/jpeg": {}}}},
)
def photo_file(photo_id, variant):
    """照片文件（仅凭接口返回的签名链接访问；variant 为 full 或 thumb）"""
    check_signed_request()
    if variant not in ("full", "thumb"):
        raise NotFound("照片不存在或已删除")
    data, sha = services.photo_file(photo_id, variant)
    response = Response(data, mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(f"{sha}-{variant}")
    return response


@upload_route(
    "/media/voice-notes",
    rate_limit="RATELIMIT_VOICE_UPLOAD",
    schema=VoiceNoteSchema,
    too_large="语音文件过大",
    refused="不是可接受的语音（格式、时长、文件损坏）",
    busy=services.VOICE_BUSY,
)
def upload_voice_note():
    """上传一段语音（MP3、AAC/M4A、WebM/Ogg Opus、WAV；不超过 60 秒），返回语音编号与签名链接

    格式由文件内容判断；时长以实际解码为准。语音会被转为单声道 AAC（.m4a），只保留声音、
    去除全部元数据；原文件不保留。24 小时内未被使用的语音会被删除。
    """
    resident = current_resident()
    require_bound_home(resident)
    data = read_uploaded_file(setting="VOICE_MAX_BYTES", name="语音", file_name="语音文件")
    resident_id = resident.id
    release_transaction()
    return services.voice_view(services.upload_voice(data, resident_id=resident_id))


@signed_file_route(
    "/media/voice-notes/<int:voice_note_id>.m4a",
    {
        "200": {"description": "AAC（.m4a）", "content": {"audio/mp4": {}}},
        "206": {"description": "所请求的一段（Range）", "content": {"audio/mp4": {}}},
        "416": {"description": "所请求的范围无效"},
    },
)
def voice_file(voice_note_id):
    """语音文件（仅凭接口返回的签名链接访问；支持 Range，便于播放器拖动）"""
    check_signed_request()
    data, sha = services.voice_file(voice_note_id)
    response = Response(data, mimetype="audio/mp4")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(sha)
    # Safari and WeChat's player ask for byte ranges of audio
    return response.make_conditional(request, accept_ranges=True, complete_length=len(data))


@signed_file_route(
    "/media/documents/<int:document_id>",
    {
        "200": {
            "description": "PDF 或 Excel 文件",
            "content": {"application/pdf": {}, DOCUMENT_TYPES["xlsx"]: {}},
        }
    },
)
def document_file(document_id):
    """附件文件（PDF、xlsx；仅凭接口返回的签名链接访问）"""
    check_signed_request()
    data, document = documents.document_file(document_id)
    response = Response(data, mimetype=document.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # a download, never rendered in the site's origin
    response.headers["Content-Disposition"] = (
        f"attachment; filename=document.{document.kind}; "
        f"filename*=UTF-8''{quote(document.filename)}"
    )
    response.set_etag(document.sha256)
    return response

"""Serialisation of photos for the resident API."""

from __future__ import annotations

import marshmallow as ma

from backend.core.api import Schema


class PhotoSchema(Schema):
    id = ma.fields.Integer()
    url = ma.fields.String(metadata={"description": "照片（短时有效的签名链接）"})
    thumbnail_url = ma.fields.String(metadata={"description": "缩略图（短时有效的签名链接）"})
    width = ma.fields.Integer(metadata={"description": "摆正后的宽度（像素）"})
    height = ma.fields.Integer(metadata={"description": "摆正后的高度（像素）"})


class VoiceNoteSchema(Schema):
    id = ma.fields.Integer()
    url = ma.fields.String(metadata={"description": "语音（.m4a，短时有效的签名链接）"})
    duration_ms = ma.fields.Integer(metadata={"description": "实际解码得到的时长（毫秒）"})
    seconds = ma.fields.Integer(metadata={"description": "显示用的整秒数（至少 1）"})

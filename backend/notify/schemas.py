"""Schemas of the resident API's message center and subscription endpoints."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core.api import Schema
from backend.notify.services import ANSWERS, MAX_TEMPLATES_PER_ASK, message_lines

#: the key WeChat adds to requestSubscribeMessage's answer (the mini-app may pass it on)
WECHAT_ERRMSG = "errMsg"


class SubscriptionAnswersSchema(Schema):
    """``wx.requestSubscribeMessage``'s answer: ``{"<template id>": "accept" | "reject" |
    "ban" | "filter", …}`` (at most three templates; WeChat's ``errMsg`` is ignored)."""

    class Meta:
        unknown = ma.INCLUDE

    @ma.post_load
    def answers(self, data: dict, **kwargs) -> dict:
        answers = {k: v for k, v in data.items() if k != WECHAT_ERRMSG}
        errors = {}
        for key, value in answers.items():
            if not isinstance(key, str) or not 1 <= len(key) <= 64:
                errors[str(key)[:64]] = ["模板编号长度不正确"]
            elif value not in ANSWERS:
                errors[key] = ["订阅结果取值无效"]
        if errors:
            raise ma.ValidationError(errors)
        if not answers:
            raise ma.ValidationError({"_schema": ["至少包含一个模板的订阅结果"]})
        if len(answers) > MAX_TEMPLATES_PER_ASK:
            raise ma.ValidationError({"_schema": [f"一次最多 {MAX_TEMPLATES_PER_ASK} 个模板"]})
        return {"answers": answers}


class SubscriptionSchema(Schema):
    template_id = ma.fields.String(metadata={"description": "微信订阅消息模板编号"})
    name = ma.fields.String(metadata={"description": "模板在本系统中的名称"})
    title = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "one_time（一次性）或 long_term（长期）"})
    remaining = ma.fields.Integer(metadata={"description": "剩余可发送次数（一次性订阅）"})
    long_term = ma.fields.Boolean(metadata={"description": "已允许长期订阅"})
    last_answer = ma.fields.String(metadata={"description": "最近一次选择"})
    events = ma.fields.List(ma.fields.String(), metadata={"description": "使用该模板的事件"})


class MessageLineSchema(Schema):
    label = ma.fields.String()
    value = ma.fields.String()


class MessageSchema(Schema):
    id = ma.fields.Integer()
    event = ma.fields.String(attribute="kind")
    title = ma.fields.String()
    lines = ma.fields.Function(message_lines, metadata={"description": "消息内容（字段名与值）"})
    page = ma.fields.String(metadata={"description": "点击后打开的小程序页面"})
    created_at = LocalDateTime()
    read = ma.fields.Function(lambda n: n.read_at is not None)
    read_at = LocalDateTime(allow_none=True)
    wechat = ma.fields.Function(
        lambda n: n.status.value, metadata={"description": "微信订阅消息的发送状态"}
    )
    wechat_label = ma.fields.Function(lambda n: n.status.label)


class UnreadCountSchema(Schema):
    unread = ma.fields.Integer()

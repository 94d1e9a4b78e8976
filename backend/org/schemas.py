"""Schemas of the resident API's directory (estates, buildings, units to bind to)."""

from __future__ import annotations

import marshmallow as ma

from backend.core import validate
from backend.core.api import Schema


class EstateQuerySchema(Schema):
    q = ma.fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={"description": "小区名称关键字"},
    )


class EstateSchema(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String()
    community = ma.fields.String(attribute="community.name")


class BuildingSchema(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    floors = ma.fields.Integer(allow_none=True)


class DirectoryUnitSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    floor = ma.fields.Integer(allow_none=True)

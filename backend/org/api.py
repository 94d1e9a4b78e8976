"""Resident API: the directory of estates, buildings and units to bind to."""

from __future__ import annotations

from backend.authz.resident import BEARER, resident_required
from backend.core.api import Blueprint, SelectPage
from backend.org import services
from backend.org.schemas import BuildingSchema, DirectoryUnitSchema, EstateQuerySchema, EstateSchema

blp = Blueprint("org", __name__, tag="小区目录", description="小区、楼栋与房屋目录（用于申请绑定）")


@blp.get("/estates")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(EstateQuerySchema, location="query")
@blp.response(200, EstateSchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401)
def estates(args):
    """搜索小区（分页：page、page_size；总数见 X-Pagination 响应头）"""
    return services.search_estates(args["q"])


@blp.get("/estates/<int:estate_id>/buildings")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, BuildingSchema(many=True))
@blp.errors(401, 404)
def buildings(estate_id):
    """小区的楼栋"""
    return services.buildings_of(estate_id)


@blp.get("/buildings/<int:building_id>/units")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, DirectoryUnitSchema(many=True))
@blp.errors(401, 404)
def units(building_id):
    """楼栋的房屋（仅房号）"""
    return services.units_of(building_id)

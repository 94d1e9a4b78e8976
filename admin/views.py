"""Placeholder until the panel screens land."""

from admin import blueprint


@blueprint.get("/login")
def login():
    return "登录"

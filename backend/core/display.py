"""How a public page is shown: the elder mode (长辈版) and the reader's font scale, from
``?mode=elder`` and ``?font_scale=1.4`` (WeChat's font setting, which the mini-app passes
on when it opens a page in its web view).

Templates write ``<html lang="zh-CN" {{ display_attributes() }}>`` and link
``static/elder.css``; the stylesheet does the rest. Links from one public page to another are
written ``{{ display_url('board_public.post', …) }}``: the reader's ``mode`` and
``font_scale`` go along, so an elderly reader who came in elder mode stays in it. Public
pages are rendered per request (``Cache-Control: no-store``) from cached data that holds no
display choice, so the mode needs no place in any cache key.
The scale is rounded to a step of 0.1 between 1 and 1.4, because the page's policy allows
no inline styles: each step has its own rule in elder.css.
"""

from __future__ import annotations

from flask import Flask, request, url_for
from markupsafe import Markup

#: the font scales elder.css has a rule for
SCALES = ("1.1", "1.2", "1.3", "1.4")


def _scale() -> str | None:
    """This request's font scale as one of :data:`SCALES`, or None (1.0, or not given)."""
    try:
        scale = f"{min(max(float(request.args.get('font_scale', '1')), 1.0), 1.4):.1f}"
    except ValueError:
        return None
    return scale if scale in SCALES else None


def display_attributes() -> Markup:
    """The root element's attributes for this request's mode and font scale."""
    mode = "elder" if request.args.get("mode") == "elder" else "standard"
    attributes = f'data-mode="{mode}"'
    if scale := _scale():
        attributes += f' data-font-scale="{scale}"'
    return Markup(attributes)


def display_args() -> dict[str, str]:
    """This request's display choices as query arguments to carry on a link: ``mode``
    when the reader chose one, ``font_scale`` when it is one of :data:`SCALES`."""
    carried = {}
    if request.args.get("mode") in ("elder", "standard"):
        carried["mode"] = request.args["mode"]
    if scale := _scale():
        carried["font_scale"] = scale
    return carried


def display_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` keeping the reader's display choices (a link from
    one public page to another)."""
    return url_for(endpoint, **values, **display_args())


def init_app(app: Flask) -> None:
    app.jinja_env.globals["display_attributes"] = display_attributes
    app.jinja_env.globals["display_url"] = display_url

"""How a public page is shown: the elder mode (长辈版) and the reader's font scale, from
``?mode=elder`` and ``?font_scale=1.4`` (WeChat's font setting, which the mini-app passes
on when it opens a page in its web view).

Templates write ``<html lang="zh-CN" {{ display_attributes() }}>`` and link
``static/elder.css``; the stylesheet does the rest, so a new public page needs nothing else.
The scale is rounded to a step of 0.1 between 1 and 1.4, because the page's policy allows
no inline styles: each step has its own rule in elder.css.
"""

from __future__ import annotations

from flask import Flask, request
from markupsafe import Markup

#: the font scales elder.css has a rule for
SCALES = ("1.1", "1.2", "1.3", "1.4")


def display_attributes() -> Markup:
    """The root element's attributes for this request's mode and font scale."""
    mode = "elder" if request.args.get("mode") == "elder" else "standard"
    attributes = f'data-mode="{mode}"'
    try:
        scale = f"{min(max(float(request.args.get('font_scale', '1')), 1.0), 1.4):.1f}"
    except ValueError:
        scale = "1.0"
    if scale in SCALES:
        attributes += f' data-font-scale="{scale}"'
    return Markup(attributes)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["display_attributes"] = display_attributes

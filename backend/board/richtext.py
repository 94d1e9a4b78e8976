"""Safe rich text for board posts, sanitised with nh3 (ammonia) before it is stored.

What a publisher writes may come from a word processor or a hostile account: only plain
formatting survives. No scripts or styles (their content is dropped with them), no event
handlers or ``style`` attributes (so no CSS expressions), no images or frames (pictures
are attachments, through the photo pipeline), and links only to http, https, mailto and
tel, opened without a referrer or opener.
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "h3", "h4", "blockquote", "ul", "ol", "li",
        "table", "thead", "tbody", "tr", "th", "td", "a",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: elements removed with everything inside them
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})


def sanitize(text: str) -> str:
    """``text`` (HTML) with everything but plain formatting removed."""
    return nh3.clean(
        text or "",
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def plain_to_html(text: str) -> str:
    """Plain text (paragraphs separated by blank lines) as escaped HTML paragraphs."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


#: a tag, opening or closing: what tells HTML from plain text
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


def as_html(text: str) -> str:
    """What a publisher typed, as HTML (not yet sanitised): HTML stays as it is; plain
    text becomes paragraphs (a blank line between paragraphs, a line break within one)."""
    return text if _TAG.search(text or "") else plain_to_html(text)


def body_html(text: str) -> str:
    """The HTML a board post stores for what its publisher typed: :func:`as_html`, then
    :func:`sanitize`."""
    return sanitize(as_html(text))

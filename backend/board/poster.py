"""The QR poster of an estate's board (公示栏二维码海报): printable A4, PNG or one-page PDF.

The poster hangs on the paper board and links it to the online one: the estate's name, a
large QR code of the public board page (``/board/<estate id>``, readable without signing
in), a short instruction in Chinese and the complaint phone. It is drawn with Pillow and a
CJK font found on the machine (``BOARD_POSTER_FONT``, else the usual Noto CJK, WenQuanYi or
Droid fallback files, else whatever fontconfig knows for Chinese); without any, it still
renders, with Pillow's own font, and logs a warning, so a download never fails for want
of a font. Rendered posters are kept in Redis for a day under a hash of what they show.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date

import qrcode
import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy.orm import joinedload

from backend.core.errors import NotFound
from backend.core.origin import public_url_for
from backend.core.time import local_today
from backend.extensions import db, redis_store
from backend.org.models import Community, Estate

log = logging.getLogger(__name__)

#: A4 at 200 dots per inch: sharp enough for print, small enough to send (about 100 KB)
DPI = 200
WIDTH, HEIGHT = 1654, 2339
MARGIN = 120
#: the QR code's largest side on paper, in pixels (12.7 cm, quiet zone included)
QR_SIDE = 1000
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (25, 105, 80)
PAPER = (255, 255, 255)

FORMATS = {"png": "image/png", "pdf": "application/pdf"}
CACHE_TTL_SECONDS = 24 * 3600

#: CJK fonts as Debian, Fedora, macOS and Windows install them, in order of preference
KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@dataclass(frozen=True)
class PosterFacts:
    """What a poster shows; nothing personal (the complaint phone is a service line)."""

    estate_name: str
    url: str
    complaint_phone: str
    company_name: str
    street_name: str
    printed_on: date

    def cache_key(self, fmt: str) -> str:
        digest = hashlib.sha256(repr((self, fmt, DPI, _font_path())).encode()).hexdigest()
        return f"board:poster:{digest[:32]}"


def public_board_url(estate_id: int) -> str:
    """The address the poster's QR code opens: the estate's public board page.

    It is on ``PUBLIC_URL`` (the address residents reach this server at): the panel may be
    served on an internal address that a resident's phone cannot open.
    """
    return public_url_for("board_public.board", estate_id=estate_id)


def poster_facts(estate: Estate) -> PosterFacts:
    """What ``estate``'s poster shows today."""
    company = estate.company
    return PosterFacts(
        estate_name=estate.name,
        url=public_board_url(estate.id),
        complaint_phone=(company.phone if company else "").strip(),
        company_name=company.name if company else "",
        street_name=str(estate.community.street) if estate.community else "",
        printed_on=local_today(),
    )


def estate_for_poster(estate_id: int) -> Estate:
    """An estate with what its poster needs; :class:`NotFound` if there is none."""
    estate = db.session.scalars(
        sa.select(Estate)
        .where(Estate.id == estate_id)
        .options(
            joinedload(Estate.company),
            joinedload(Estate.community).joinedload(Community.street),
        )
    ).first()
    if estate is None:
        raise NotFound("没有这个小区")
    return estate


def poster(estate: Estate, fmt: str) -> bytes:
    """``estate``'s poster as ``png`` or ``pdf`` bytes (kept in Redis for a day)."""
    if fmt not in FORMATS:
        raise NotFound("不支持的格式")
    facts = poster_facts(estate)
    key = facts.cache_key(fmt)
    cached = redis_store.client.get(key)
    if cached is not None:
        return cached
    data = encode(render(facts), fmt)
    redis_store.client.set(key, data, ex=CACHE_TTL_SECONDS)
    return data


def filename(estate: Estate, fmt: str) -> str:
    """The download's name: ``<estate>公示栏二维码.png``."""
    return f"{estate.name}公示栏二维码.{fmt}"


def encode(image: Image.Image, fmt: str) -> bytes:
    """``image`` as PNG, or as a one-page PDF of A4 size (the page is the image at DPI)."""
    buffer = io.BytesIO()
    if fmt == "pdf":
        image.save(buffer, format="PDF", resolution=DPI, title="公示栏二维码", creator="邻里")
    else:
        image.save(buffer, format="PNG", dpi=(DPI, DPI), optimize=True)
    return buffer.getvalue()


# --- drawing ----------------------------------------------------------------------------------


def qr_image(url: str, side: int) -> Image.Image:
    """The QR code of ``url`` (with its quiet zone) drawn in whole pixels per module, at
    most ``side`` pixels square."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # quiet zone included
    module = max(side // len(matrix), 1)
    image = Image.new("L", (module * len(matrix),) * 2, 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (x * module, y * module, (x + 1) * module - 1, (y + 1) * module - 1), fill=0
                )
    return image


def render(facts: PosterFacts) -> Image.Image:
    """The poster, A4 portrait at :data:`DPI`."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN

    # header band
    draw.rectangle((0, 0, WIDTH, 300), fill=ACCENT)
    _centered(draw, "信息公示栏", 60, _font(110), PAPER)
    _centered(draw, "扫码查看本小区公示信息", 200, _font(52), PAPER)

    # the estate's name, on one or two lines, smaller when long
    y = 350
    size, lines = _fitted(facts.estate_name, inner, sizes=(92, 76, 62), max_lines=2)
    for line in lines:
        _centered(draw, line, y, _font(size), INK)
        y += int(size * 1.35)
    y += 25

    # what is said under the code, measured first: the code takes the room left
    details = [
        line
        for text in (
            "可查看收费标准、公共收益收支、维修资金使用、",
            "业主委员会公告与表决结果等，无需登录",
        )
        for line in _wrap(text, _font(40), inner)
    ]
    url_lines = _wrap(facts.url, _font(30), inner)[:3]
    box_top = HEIGHT - 460
    text_height = 40 + 85 + 58 * len(details) + 42 * len(url_lines)
    side = min(QR_SIDE, box_top - 50 - text_height - y)

    # the QR code (with its quiet zone), centred and framed
    code = qr_image(facts.url, side)
    left = (WIDTH - code.width) // 2
    image.paste(code, (left, y))
    draw.rectangle(
        (left - 6, y - 6, left + code.width + 5, y + code.height + 5), outline=ACCENT, width=6
    )
    y += code.height + 40

    # the instruction and the address, for a phone that cannot scan
    _centered(draw, "请用微信或手机相机扫描上方二维码", y, _font(56), INK)
    y += 85
    for line in details:
        _centered(draw, line, y, _font(40), MUTED)
        y += 58
    for line in url_lines:
        _centered(draw, line, y, _font(30), MUTED)
        y += 42

    # the complaint phone
    draw.rounded_rectangle(
        (MARGIN, box_top, WIDTH - MARGIN, box_top + 250), radius=24, outline=ACCENT, width=5
    )
    _centered(draw, "物业服务投诉电话", box_top + 30, _font(48), INK)
    phone = facts.complaint_phone or "（物业服务企业尚未登记）"
    _centered(draw, phone, box_top + 105, _font(96 if facts.complaint_phone else 56), ACCENT)

    # who serves and supervises, and when it was printed
    footer = "　".join(part for part in (facts.company_name, facts.street_name) if part)
    y = HEIGHT - 180
    for line in _wrap(footer, _font(34), inner)[:2] if footer else []:
        _centered(draw, line, y, _font(34), MUTED)
        y += 48
    _centered(draw, f"印制日期 {facts.printed_on.isoformat()}　邻里", HEIGHT - 80, _font(28), MUTED)
    return image


def _centered(draw: ImageDraw.ImageDraw, text: str, top: int, font, fill) -> None:
    width = draw.textlength(text, font=font)
    draw.text(((WIDTH - width) / 2, top), text, font=font, fill=fill)


def _fitted(text: str, width: int, sizes: tuple[int, ...], max_lines: int) -> tuple[int, list]:
    """The largest of ``sizes`` at which ``text`` fits in ``max_lines`` lines, and the lines
    (at the smallest size, what does not fit ends in "…")."""
    for size in sizes:
        lines = _wrap(text, _font(size), width)
        if len(lines) <= max_lines:
            return size, lines
    lines = lines[:max_lines]
    font = _font(sizes[-1])
    last = lines[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    return sizes[-1], [*lines[:-1], last + "…"]


def _wrap(text: str, font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (Chinese breaks anywhere)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and font.getlength(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines or [""]


def _font_path() -> str | None:
    """A font file with Chinese glyphs, or ``None`` when the machine has none."""
    return _find_font(current_app.config.get("BOARD_POSTER_FONT"))


@functools.cache
def _find_font(configured: str | None) -> str | None:
    candidates = [configured] if configured else []
    candidates += KNOWN_FONTS
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    found = _fontconfig_chinese()
    if found:
        return found
    log.warning("no CJK font found: the board poster is drawn without Chinese glyphs")
    return None


def _fontconfig_chinese() -> str | None:
    """The first font fontconfig knows for Chinese, if fontconfig is installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        answer = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.strip().rstrip(":") for line in answer.splitlines() if line.strip())
    return files[0] if files else None


def _font(size: int):
    return _load_font(_font_path(), size)


@functools.cache
def _load_font(path: str | None, size: int):
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            log.warning("cannot read font %s: the board poster uses Pillow's own", path)
    return ImageFont.load_default(size)

"""The photo pipeline: untrusted bytes in, a clean upright JPEG and its thumbnail out.

Every upload goes through :func:`clean_photo`. It trusts nothing the client says: the type
is sniffed from the bytes and the file is opened only by the decoder of that type (JPEG,
PNG, WebP, HEIC/HEIF); the pixel count is checked from the header before any decoding (a
30000×30000 PNG or a 200-megapixel frame is refused without allocating it); the image is
turned upright from its EXIF orientation (a broken EXIF block counts as "upright"); and
it is re-encoded from pixels alone, so no metadata (EXIF, GPS, XMP, IPTC, ICC, comments)
can survive. Any failure raises :class:`PhotoRejected` with a Chinese message.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import ExifTags, Image, UnidentifiedImageError

pillow_heif.register_heif_opener()

#: what the decoder of each allowed type is called in Pillow
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
#: HEIF major brands of still images (ISO/IEC 23008-12; "mif1"/"msf1" are the generic ones)
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class PhotoRejected(Exception):
    """The upload is not a photo we accept; ``message`` says why, in Chinese."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CleanPhoto:
    """A cleaned photo: JPEG bytes of the image and its thumbnail, and their sizes."""

    data: bytes
    thumbnail: bytes
    width: int
    height: int
    thumb_width: int
    thumb_height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The allowed format the bytes really are (``"JPEG"``, ``"PNG"``, ``"WEBP"``,
    ``"HEIF"``), or ``None`` for anything else, whatever the file is called."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def clean_photo(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    max_edge: int,
    thumb_edge: int,
    quality: int = 85,
    max_pixels_full_decode: int | None = None,
) -> CleanPhoto:
    """Check, decode, turn upright, strip and re-encode ``data`` as JPEG.

    Raises :class:`PhotoRejected` (413 for too many bytes, 422 otherwise) for anything
    that is not a whole, reasonably sized JPEG, PNG, WebP or HEIC image.
    """
    if not data:
        raise PhotoRejected("文件为空，请重新选择照片")
    if len(data) > max_bytes:
        raise PhotoRejected(f"照片不能超过 {max_bytes // (1024 * 1024)} MB", status=413)
    kind = sniff(data)
    if kind is None:
        raise PhotoRejected("只支持 JPEG、PNG、WebP 或 HEIC 格式的照片")
    if kind == "HEIF" and not _boxes_complete(data):
        # libheif decodes what it has of a cut-off file and fills the rest
        raise PhotoRejected("照片文件已损坏或不完整，请重新拍摄或选择")
    try:
        with warnings.catch_warnings():
            # Pillow warns (rather than refuses) of corrupt EXIF, and of sizes between 1× and
            # 2× its own bomb bound: ours is lower and checked below
            warnings.simplefilter("ignore")
            bound = (
                max_pixels
                if kind == "JPEG"
                else min(max_pixels, max_pixels_full_decode or max_pixels)
            )
            image, orientation, target = _decode(data, kind, bound, max_edge)
    except PhotoRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("照片像素过多，已拒绝") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoRejected("照片文件已损坏或不完整，请重新拍摄或选择") from exc
    except (MemoryError, RuntimeError) as exc:
        raise PhotoRejected("无法处理该照片，请换一张") from exc

    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    image = _upright(image, orientation)
    data_out = _jpeg(image, quality)
    thumb = image.copy()
    thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return CleanPhoto(
        data=data_out,
        thumbnail=_jpeg(thumb, quality),
        width=image.width,
        height=image.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )


def _decode(
    data: bytes, kind: str, max_pixels: int, max_edge: int
) -> tuple[Image.Image, int, tuple[int, int]]:
    """Open ``data`` with the decoder of ``kind`` only, check its size from the header,
    then decode it (JPEG at a reduced scale when the target allows). Returns the RGB
    image, its EXIF orientation and the size it is to be stored at."""
    image = Image.open(io.BytesIO(data), formats=[kind])
    width, height = image.size
    if width < 1 or height < 1:
        raise PhotoRejected("照片尺寸无效")
    if width * height > max_pixels:
        raise PhotoRejected(
            f"照片像素过多（{width}×{height}），"
            f"请上传不超过 {max_pixels / 1_000_000:g} 百万像素的照片"
        )
    # HEIF applies its own rotation (irot/imir) when decoding; EXIF must not turn it again
    orientation = _orientation(image) if kind != "HEIF" else 1
    target = _fit((width, height), max_edge)
    if kind == "JPEG":
        # decode at 1/2, 1/4 or 1/8 scale straight from the DCT when that still gives at
        # least the target size: far less memory and time for a 12-megapixel photo
        image.draft("RGB", target)
    image.load()
    return _to_rgb(image), orientation, target


def _boxes_complete(data: bytes) -> bool:
    """Whether the top-level ISO-BMFF boxes of a HEIF file tile it exactly (none cut off)."""
    offset, end = 0, len(data)
    while offset < end:
        if end - offset < 8:
            return False
        size = int.from_bytes(data[offset : offset + 4], "big")
        header = 8
        if size == 1:
            if end - offset < 16:
                return False
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return False
        offset += size
    return True


def _fit(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    """``size`` scaled down (never up) so that its longer edge is at most ``max_edge``."""
    width, height = size
    longest = max(width, height)
    if longest <= max_edge:
        return size
    scale = max_edge / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1–8); a missing, odd or broken EXIF block means upright."""
    try:
        value = int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:
        return 1
    return value if 1 <= value <= 8 else 1


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    for method in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(method)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Pixels only, in RGB: transparency is laid on white, other modes converted."""
    if image.mode == "RGB":
        return image
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    # pixels only: nothing of the original's info (exif, icc, xmp, comments) is passed on
    image.info.clear()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()

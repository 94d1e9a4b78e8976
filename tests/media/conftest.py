"""Helpers for photo tests: the shared test images, hand-made hostile files, the store."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

#: real-world files from Pillow's and pillow-heif's test suites (see its SOURCES.md)
#: beside the repository, as ``../shared/testdata/images``; in a helper's worktree, /work/shared
IMAGES = Path(__file__).parents[3] / "shared" / "testdata" / "images"
if not IMAGES.is_dir():
    IMAGES = Path("/work/shared/testdata/images")


def image_bytes(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def jpeg(size=(64, 48), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **save)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG whose header claims ``width``×``height`` (a decompression bomb: the
    pixels it would decode to are never stored in the file)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def stored_files(app):
    """A function listing every file under the storage folder (emptied first)."""
    root = app.config["STORAGE_URL"].removeprefix("file://")
    shutil.rmtree(root, ignore_errors=True)

    def files() -> set[str]:
        found = set()
        for folder, _dirs, names in os.walk(root):
            found.update(os.path.join(folder, n) for n in names)
        return found

    return files


def upload(client, headers, data: bytes, filename="photo.jpg", mimetype="image/jpeg"):
    return client.post(
        "/api/v1/media/photos",
        data={"file": (io.BytesIO(data), filename, mimetype)},
        headers=headers,
        content_type="multipart/form-data",
    )

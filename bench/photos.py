"""Photo pipeline benchmark: time and peak memory per photo against a bare Pillow floor.

For a 12-megapixel JPEG (made here, deterministic, photo-like noise and gradients) and a
12-megapixel HEIC photo (``pug.heic`` of ``../shared/testdata/images``), it times the
upload pipeline (``backend.media.images.clean_photo`` with the app's settings: sniff,
header checks, EXIF orientation, decode, resize, strip, re-encode, thumbnail) side by side
with the floor: a bare Pillow ``open → load → resize → save JPEG`` of the same image to the
same size. Each figure is the median of ``--runs`` runs, alternating pipeline and floor.
Peak RSS is measured in a fresh process per photo that runs the pipeline once (so it
includes the interpreter and Pillow: what one worker holds).

Run from the repository root: ``.venv/bin/python bench/photos.py``. The last line printed
is one JSON object: ``jpeg_ms, jpeg_floor_ms, jpeg_ratio, heic_ms, heic_floor_ms,
heic_ratio, peak_rss_mb`` (targets: ratios ≤ 1.5, peak RSS < 300 MB).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMAGES = ROOT.parent / "shared" / "testdata" / "images"
if not IMAGES.is_dir():
    IMAGES = Path("/work/shared/testdata/images")


def settings() -> dict:
    from backend.config import Config

    return {
        "max_bytes": Config.PHOTO_MAX_BYTES,
        "max_pixels": Config.PHOTO_MAX_PIXELS,
        "max_edge": Config.PHOTO_MAX_EDGE,
        "thumb_edge": Config.PHOTO_THUMB_EDGE,
        "quality": Config.PHOTO_JPEG_QUALITY,
    }


def make_jpeg_12mp() -> bytes:
    """A 4000×3000 JPEG at quality 92 with the entropy of a photo (noise over gradients)."""
    from PIL import Image, ImageDraw, ImageFilter

    size = (4000, 3000)
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ],
    )
    noise = Image.effect_noise(size, 40).filter(ImageFilter.GaussianBlur(1))
    image = Image.blend(base, Image.merge("RGB", [noise] * 3), 0.35)
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 613) % 3800, (i * 389) % 2800
        draw.ellipse((x, y, x + 180, y + 120), fill=((i * 37) % 255, (i * 91) % 255, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def load(kind: str) -> bytes:
    if kind == "jpeg":
        return make_jpeg_12mp()
    return (IMAGES / "pug.heic").read_bytes()


def pipeline(data: bytes) -> bytes:
    from backend.media.images import clean_photo

    return clean_photo(data, **settings()).data


def floor(data: bytes) -> bytes:
    """Bare Pillow: decode in full, resize to the same size, encode at the same quality."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    from backend.media.images import _fit

    config = settings()
    image = Image.open(io.BytesIO(data))
    image.load()
    image = image.convert("RGB").resize(
        _fit(image.size, config["max_edge"]), Image.Resampling.LANCZOS
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=config["quality"])
    return out.getvalue()


def timed(func, data: bytes) -> float:
    start = time.perf_counter()
    func(data)
    return (time.perf_counter() - start) * 1000


def vm_hwm_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ``ru_maxrss``, not inherited from
    the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb(data: bytes) -> float:
    """Peak RSS of a fresh process that reads the photo and runs the pipeline once."""
    with tempfile.NamedTemporaryFile(suffix=".photo") as stream:
        stream.write(data)
        stream.flush()
        out = subprocess.run(
            [sys.executable, __file__, "--rss-of", stream.name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    # no database: the pipeline is pure (bench/common.py's other options do not apply)
    parser.add_argument("--smoke", action="store_true", help="one run of each (seconds)")
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1

    if args.rss_of:
        pipeline(Path(args.rss_of).read_bytes())
        print(vm_hwm_mb())
        return

    results: dict[str, float] = {}
    rows = []
    for kind in ("jpeg", "heic"):
        data = load(kind)
        pipeline(data), floor(data)  # warm up: imports, codecs
        ours, bare = [], []
        for _ in range(args.runs):
            ours.append(timed(pipeline, data))
            bare.append(timed(floor, data))
        ms, floor_ms = statistics.median(ours), statistics.median(bare)
        rss = peak_rss_mb(data)
        results[f"{kind}_ms"] = round(ms, 1)
        results[f"{kind}_floor_ms"] = round(floor_ms, 1)
        results[f"{kind}_ratio"] = round(ms / floor_ms, 2)
        results[f"{kind}_rss_mb"] = round(rss, 1)
        rows.append((kind, len(data), ms, floor_ms, ms / floor_ms, rss))

    header = ("photo", "bytes", "pipeline ms", "floor ms", "ratio", "peak RSS MB")
    print(f"{header[0]:<6} " + " ".join(f"{h:>12}" for h in header[1:]))
    for kind, size, ms, floor_ms, ratio, rss in rows:
        print(f"{kind:<6} {size:>12} {ms:>12.1f} {floor_ms:>12.1f} {ratio:>12.2f} {rss:>12.1f}")
    summary = {
        key: results[key]
        for key in (
            "jpeg_ms",
            "jpeg_floor_ms",
            "jpeg_ratio",
            "heic_ms",
            "heic_floor_ms",
            "heic_ratio",
        )
    }
    summary["peak_rss_mb"] = max(results["jpeg_rss_mb"], results["heic_rss_mb"])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

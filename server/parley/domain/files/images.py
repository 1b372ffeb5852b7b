"""Image work at upload (Pillow): size, a thumbnail, a BlurHash placeholder,
and the GPS location removed from EXIF. Runs off the event loop; imported at
the first image (uploads.py), so Pillow costs the server's start nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import blurhash
from PIL import Image, ImageOps

from parley.domain.files.sniff import IMAGE_TYPES

# Decompression bombs: Pillow refuses images above this many pixels.
Image.MAX_IMAGE_PIXELS = 64_000_000
GPS_IFD = 0x8825
# What a corrupt or hostile image raises while decoded.
IMAGE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    placeholder: str
    # Written only when the original had a location to strip.
    stripped: bool


def _rows(img: Image.Image) -> list[list[tuple[int, int, int]]]:
    """The y-x-rgb nesting the pure-Python encoder indexes."""
    w, h = img.size
    px = list(img.getdata())
    return [px[y * w : (y + 1) * w] for y in range(h)]


def _placeholder(img: Image.Image) -> str:
    small = img.convert("RGB")
    small.thumbnail((32, 32))
    return str(blurhash.encode(_rows(small), components_x=4, components_y=3))


def examine(path: Path, mime: str, thumb: Path, thumb_px: int, strip_location: bool) -> ImageFacts:
    """Reads the image at `path`; writes its JPEG thumbnail to `thumb`;
    rewrites `path` without the GPS block when `strip_location` and there is one."""
    with Image.open(path) as img:
        img.load()
        fmt = IMAGE_TYPES[mime]
        exif = img.getexif()
        stripped = False
        if strip_location and GPS_IFD in exif:
            del exif[GPS_IFD]
            extra = {"quality": "keep"} if fmt == "JPEG" else {}
            img.save(path, format=fmt, exif=exif.tobytes(), **extra)
            stripped = True
        upright = ImageOps.exif_transpose(img)
        width, height = upright.size
        preview = upright.convert("RGBA")
        preview.thumbnail((thumb_px, thumb_px))
        # Thumbnails are always JPEG: transparency goes onto white.
        flat = Image.new("RGB", preview.size, "white")
        flat.paste(preview, mask=preview.getchannel("A"))
        flat.save(thumb, format="JPEG", quality=80)
        return ImageFacts(width, height, _placeholder(upright), stripped)

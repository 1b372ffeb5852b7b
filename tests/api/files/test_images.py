"""Images at upload: size, thumbnail, BlurHash placeholder, and the GPS
location stripped (by default) from what is stored."""

from __future__ import annotations

import io

from PIL import Image

from tests.api.files.client import Files, started, user
from tests.harness import Api, ServerProcess

GPS_IFD = 0x8825


def jpeg_with_location(width: int = 800, height: int = 600) -> bytes:
    img = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "ParleyCam"  # Make: kept
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as img:
        return img.getexif()


async def test_an_image_gets_its_size_a_thumbnail_a_placeholder_and_loses_its_location(
    api: Api,
) -> None:
    _, token = await user(api)
    files = Files(api, token)
    original = jpeg_with_location()
    assert GPS_IFD in exif_of(original)
    info = await files.upload(original, "holiday.jpg")
    assert (info.mime_type, info.width, info.height) == ("image/jpeg", 800, 600)
    assert len(info.placeholder) >= 6 and info.thumbnail_size > 0
    stored = await files.download(info.file_id)
    assert GPS_IFD not in exif_of(stored)
    assert exif_of(stored)[0x010F] == "ParleyCam"
    assert info.size == len(stored)
    thumb = await files.download(info.file_id, thumbnail=True)
    with Image.open(io.BytesIO(thumb)) as t:
        assert t.format == "JPEG" and max(t.size) == 320


async def test_the_location_is_kept_when_the_setting_says_so(fresh_server: ServerProcess) -> None:
    async with started(fresh_server, strip_location="false") as api:
        _, token = await user(api)
        files = Files(api, token)
        original = jpeg_with_location(64, 64)
        info = await files.upload(original, "here.jpg")
        assert await files.download(info.file_id) == original

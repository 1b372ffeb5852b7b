"""The MIME type of a file from its first bytes, never from the client's claim.

A small magic-number table of the types worth allowing in chat (the allowed
list in the settings picks among them) instead of libmagic: no C library to
install, and every type it answers is one this table was written and tested
for. Anything else is application/octet-stream, which the default list refuses."""

from __future__ import annotations

OCTET = "application/octet-stream"
# The types Pillow reads at upload (thumbnail, size, placeholder), with its format names.
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
HEAD_BYTES = 512

# (offset, magic, type), first match wins.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"PK\x05\x06", "application/zip"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"MZ", "application/x-msdownload"),
)


def _riff(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _iso_media(head: bytes) -> str | None:
    # ISO base media (MP4, M4A): a box of type `ftyp` first, then the brand.
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in (b"M4A ", b"M4B "):
        return "audio/mp4"
    return "video/mp4"


def _mp3_frame(head: bytes) -> str | None:
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"
    return None


def _text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character cut by the end of the sample is still text.
        if e.start < len(head) - 3:
            return None
    lowered = head.lstrip().lower()
    # Served as text/plain with nosniff, but still: markup is not plain text.
    if lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script")):
        return "text/html"
    return "text/plain"


def sniff(head: bytes) -> str:
    for offset, magic, mime in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return mime
    for check in (_riff, _iso_media, _mp3_frame, _text):
        found = check(head)
        if found is not None:
            return found
    return OCTET

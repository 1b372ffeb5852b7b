"""Durable publication on a local file system: data synced, then renamed into
place, then the directory synced, so a crash leaves the old name or the new
complete file, never a half-written one."""

from __future__ import annotations

import os
from pathlib import Path


def sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(src: Path, dst: Path) -> None:
    """Moves the synced file `src` to `dst` atomically (same file system)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    sync_dir(dst.parent)


def sync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())

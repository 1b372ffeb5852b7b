"""What `parley serve` says once it listens in embedded mode: the next command
to try, spelled so that it runs when pasted into another terminal."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from parley.config import Settings
from parley.observability.logs import announce, json_enabled

# What `parley admin` assumes without --address and --data-dir.
ADMIN_ADDRESS = "127.0.0.1:50051"
ADMIN_DATA_DIR = Path("data")
WILDCARD_HOSTS = ("0.0.0.0", "[::]", "::", "")


def announce_next_step(settings: Settings, port: int) -> None:
    # For the person who just started a server; log pipelines get none of it.
    if settings.mode != "embedded" or json_enabled():
        return
    host = settings.listen.rsplit(":", 1)[0]
    address = f"{'127.0.0.1' if host in WILDCARD_HOSTS else host}:{port}"
    cmd = [*_program(), "admin", "stats"]
    if address != ADMIN_ADDRESS:
        cmd += ["--address", address]
    if settings.data_dir != ADMIN_DATA_DIR:
        cmd += ["--data-dir", str(settings.data_dir)]
    if settings.tls.cert_file:
        # Right for `parley dev-cert`'s certificate, its own CA; a public CA's needs no file.
        cmd += ["--ca-file", settings.tls.cert_file]
    announce(f"next, in another terminal: {shlex.join(cmd)}")


def _program() -> list[str]:
    script = sys.argv[0]
    if Path(script).name != "parley":  # python -m parley
        return [_short(sys.executable), "-m", "parley"]
    found = shutil.which("parley")
    if found is not None and os.path.samefile(found, script):
        return ["parley"]
    return [_short(script)]


def _short(path: str) -> str:
    """Relative to the working directory when inside it (`.venv/bin/parley`)."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else os.path.abspath(path)

"""With JSON logs, what reaches stderr outside Python's logging (gRPC's C core
logs there directly: `E1207 17:10:09.041622 17664 add_port.cc:83] ...`; so do
Python's fatal errors) is wrapped into a JSON record too.

The server's fd 2 becomes a pipe to a small child process (this file, run by
path: standard library only) that passes JSON lines through and wraps the
others. A child rather than a thread: when the server dies, even by abort(),
the child still drains the pipe, so the last line (the one saying why) is
kept. It runs in its own session, out of reach of a Ctrl-C meant for the
server, and exits when the server's end of the pipe closes."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import BinaryIO

# absl's severity letter, the first character of a gRPC core line.
_LEVELS = {"I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}


def relay_stderr() -> int:
    """Sends fd 2 through the child; returns a new fd on the real stderr,
    for the JSON log handler (whose lines need no wrapping)."""
    real = os.dup(2)
    read, write = os.pipe()
    # posix_spawn, not Popen: a Popen object warns when it is collected while
    # its child runs, and this child outlives everything in the server.
    os.posix_spawn(
        sys.executable,
        [sys.executable, "-I", "-S", os.path.abspath(__file__)],
        os.environ,
        file_actions=[
            (os.POSIX_SPAWN_DUP2, read, 0),
            (os.POSIX_SPAWN_DUP2, real, 1),
            (os.POSIX_SPAWN_DUP2, real, 2),
        ],
        setsid=True,
    )
    os.close(read)
    os.dup2(write, 2)
    os.close(write)
    return real


def wrap(line: str) -> str:
    text = line.rstrip("\r\n")
    if text.startswith("{") and text.endswith("}"):
        return text
    core = len(text) > 1 and text[0] in _LEVELS and text[1:5].isdigit()
    record = {
        "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "level": _LEVELS[text[0]] if core else "ERROR",
        "logger": "grpc.core" if core else "stderr",
        "msg": text,
    }
    return json.dumps(record, ensure_ascii=False)


def main(source: BinaryIO, out: BinaryIO) -> None:
    for raw in source:
        line = raw.decode(errors="replace")
        if line.strip():
            out.write((wrap(line) + "\n").encode())
            out.flush()


if __name__ == "__main__":
    main(sys.stdin.buffer, sys.stdout.buffer)

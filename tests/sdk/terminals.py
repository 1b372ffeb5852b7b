"""Driving terminal programs as a person would: type keys, read the screen.

`TmuxTerminals` runs each program in its own tmux session (a private tmux
server) and reads the screen with capture-pane; `PtyTerminals` runs it on a
pseudo-terminal and reads what it writes (escape sequences stripped). Screen
checks ignore whitespace, since a terminal UI may move the cursor over
spaces instead of writing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import shlex
import shutil
import struct
import subprocess
import termios
import time
import uuid
from collections.abc import Sequence
from typing import Protocol

COLS, ROWS = 140, 50
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


def normalize(text: str) -> str:
    """Text without escape sequences and whitespace."""
    return re.sub(r"\s+", "", _ANSI.sub("", text))


class Terminals(Protocol):
    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None: ...

    def type(self, name: str, text: str, enter: bool = True) -> None: ...

    def screen(self, name: str) -> str: ...

    def running(self, name: str) -> bool: ...

    def close(self) -> None: ...


async def wait_for(term: Terminals, name: str, text: str, timeout: float = 15.0) -> str:
    """Waits until `text` is on `name`'s screen; returns the screen."""
    want = normalize(text)
    deadline = time.monotonic() + timeout
    while True:
        screen = term.screen(name)
        if want in normalize(screen):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared on {name}'s screen:\n{screen[-3000:]}")
        await asyncio.sleep(0.1)


async def wait_exit(term: Terminals, name: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while term.running(name):
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} did not exit:\n{term.screen(name)[-2000:]}")
        await asyncio.sleep(0.1)


class TmuxTerminals:
    """One tmux session per program, on a private tmux server."""

    def __init__(self) -> None:
        tmux = shutil.which("tmux")
        assert tmux is not None
        self.tmux = tmux
        self.socket = f"parley-test-{uuid.uuid4().hex[:8]}"
        self._last: dict[str, str] = {}

    def _run(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=check,
        )
        return out.stdout

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *argv])
        self._run("new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS), command)
        self._run("set-option", "-t", name, "remain-on-exit", "off", check=False)

    def type(self, name: str, text: str, enter: bool = True) -> None:
        if text:
            self._run("send-keys", "-t", name, "-l", text)
        if enter:
            self._run("send-keys", "-t", name, "Enter")

    def screen(self, name: str) -> str:
        if self.running(name):
            self._last[name] = self._run("capture-pane", "-p", "-J", "-S", "-2000", "-t", name)
        return self._last.get(name, "")

    def running(self, name: str) -> bool:
        return (
            subprocess.run(
                [self.tmux, "-L", self.socket, "has-session", "-t", name], capture_output=True
            ).returncode
            == 0
        )

    def close(self) -> None:
        self._run("kill-server", check=False)


class PtyTerminals:
    """Each program on its own pseudo-terminal; the screen is what it wrote."""

    def __init__(self) -> None:
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._fds: dict[str, int] = {}
        self._out: dict[str, bytearray] = {}

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self._procs[name] = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, **env, "TERM": "xterm"},
            start_new_session=True,
        )
        os.close(slave)
        os.set_blocking(master, False)
        self._fds[name] = master
        self._out[name] = bytearray()

    def _drain(self, name: str) -> None:
        fd = self._fds[name]
        while True:
            try:
                chunk = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            # Answer cursor position requests like a terminal would (top-left:
            # the whole screen is free below), so the program knows its height.
            for _ in range(chunk.count(b"\x1b[6n")):
                os.write(fd, b"\x1b[1;1R")
            self._out[name] += chunk

    def type(self, name: str, text: str, enter: bool = True) -> None:
        data = text.encode() + (b"\r" if enter else b"")
        os.write(self._fds[name], data)

    def screen(self, name: str) -> str:
        self._drain(name)
        return self._out[name].decode(errors="replace")

    def running(self, name: str) -> bool:
        self._drain(name)
        return self._procs[name].poll() is None

    def close(self) -> None:
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)


def available_drivers() -> list[str]:
    """tmux when installed, and always the pty driver."""
    return (["tmux"] if shutil.which("tmux") else []) + ["pty"]


def make_terminals(driver: str) -> Terminals:
    return TmuxTerminals() if driver == "tmux" else PtyTerminals()

"""Reading a multiprocessing pipe from an asyncio loop. A thread does the
blocking reads: the loop's add_reader would switch the socket to non-blocking
mode, which breaks `Connection.recv` of large messages (and blocking sends)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


def read_in_thread(
    conn: Connection, loop: asyncio.AbstractEventLoop, deliver: Callable[[Any], None]
) -> threading.Thread:
    """Calls `deliver(msg)` on the loop for every message; `deliver(None)` once
    the other end is gone."""

    def run() -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            try:
                loop.call_soon_threadsafe(deliver, msg)
            except RuntimeError:  # the loop is closed
                return
        try:
            loop.call_soon_threadsafe(deliver, None)
        except RuntimeError:
            pass

    thread = threading.Thread(target=run, name="pipe-reader", daemon=True)
    thread.start()
    return thread

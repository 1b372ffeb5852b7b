"""The coordinator's side of the worker processes: spawn them, send each a
command, gather the replies (progress reports go to a callback meanwhile)."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bench import protocol as p
from bench.loadgen import worker_main
from bench.pipes import read_in_thread


class WorkerError(RuntimeError):
    pass


class WorkerPool:
    def __init__(self, size: int, address: str | Sequence[str]) -> None:
        """`address`: the server, or every gateway of a cluster (the workers
        spread their users over them as the coordinator says)."""
        self.size = size
        self.addresses = [address] if isinstance(address, str) else list(address)
        self.address = self.addresses[0]
        self.procs: list[BaseProcess] = []
        self.conns: list[Connection] = []
        self._replies: list[asyncio.Queue[Any]] = []
        self.progress: dict[int, p.Progress] = {}
        self.on_progress: Callable[[dict[int, p.Progress]], None] | None = None

    async def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()
        for wid in range(self.size):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_main, args=(child, wid, self.addresses), name=f"bench-worker-{wid}"
            )
            proc.daemon = True
            proc.start()
            child.close()
            self.procs.append(proc)
            self.conns.append(parent)
            queue: asyncio.Queue[Any] = asyncio.Queue()
            self._replies.append(queue)
            read_in_thread(parent, loop, functools.partial(self._deliver, wid))

    def _deliver(self, wid: int, msg: Any) -> None:
        if msg is None:
            self._replies[wid].put_nowait(p.Failed(wid, "worker process exited"))
        elif isinstance(msg, p.Progress):
            self.progress[wid] = msg
            if self.on_progress is not None:
                self.on_progress(self.progress)
        else:
            self._replies[wid].put_nowait(msg)

    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs if proc.pid is not None]

    async def _reply(self, wid: int, timeout: float | None) -> Any:
        msg = await asyncio.wait_for(self._replies[wid].get(), timeout)
        if isinstance(msg, p.Failed):
            raise WorkerError(f"worker {wid} failed:\n{msg.error}")
        return msg

    async def each(self, cmds: Sequence[Any], timeout: float | None = None) -> list[Any]:
        """Sends cmds[i] to worker i and returns their replies in order."""
        assert len(cmds) == self.size
        self.progress.clear()
        for conn, cmd in zip(self.conns, cmds, strict=True):
            conn.send(cmd)
        return list(await asyncio.gather(*(self._reply(w, timeout) for w in range(self.size))))

    async def all(self, cmd: Any, timeout: float | None = None) -> list[Any]:
        """Sends the same command to every worker."""
        return await self.each([cmd] * self.size, timeout)

    async def stop(self) -> None:
        for conn in self.conns:
            try:
                conn.send(p.Exit())
            except (OSError, ValueError):
                pass
        for proc in self.procs:
            await asyncio.to_thread(proc.join, 20)
            if proc.is_alive():
                proc.kill()
                await asyncio.to_thread(proc.join, 5)
        for conn in self.conns:
            conn.close()
        self.procs.clear()
        self.conns.clear()

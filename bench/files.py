"""Files: upload and download throughput of one large file over real gRPC,
and the server's peak memory during the upload (it must stream: the peak
stays far below the file's size).

    python -m bench.files            # 1 GiB (make bench-files)
    python -m bench.files --mib 128  # quicker

A local server is started with `files.max_bytes` raised; the file is
generated on disk (random-looking bytes, text so the type check passes), its
SHA-256 taken, then uploaded in the server's chunk size and downloaded back.
RSS is sampled from /proc every 50 ms while the transfers run."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from bench.server import LocalServer, read_rss_kb
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.file.v1 import file_pb2, file_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc

MIB = 1024 * 1024


class PeakRss:
    """The highest RSS of a process while running, sampled on a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, read_rss_kb(self.pid) or 0)
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def make_file(path: Path, size: int) -> str:
    """Writes `size` bytes of hex text; returns their SHA-256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            block = os.urandom(min(left, MIB) // 2 + 1).hex().encode()[: min(left, MIB)]
            f.write(block)
            h.update(block)
            left -= len(block)
    return h.hexdigest()


async def run(mib: int) -> dict[str, float]:
    size = mib * MIB
    server = LocalServer(env={"PARLEY_FILES__MAX_BYTES": str(size)})
    target = server.start()
    assert target.pid is not None
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-files-"))
    src = tmp / "big.txt"
    try:
        digest = await asyncio.to_thread(make_file, src, size)
        async with grpc.aio.insecure_channel(
            target.address, options=[("grpc.max_receive_message_length", 8 * MIB)]
        ) as ch:
            auth = auth_pb2_grpc.AuthServiceStub(ch)
            admin = (
                await auth.GetAdminToken(auth_pb2.GetAdminTokenRequest(secret=target.admin_secret))
            ).token
            await user_pb2_grpc.UserServiceStub(ch).RegisterUsers(
                user_pb2.RegisterUsersRequest(users=[user_pb2.UserInfo(user_id="bench")]),
                metadata=(("authorization", f"Bearer {admin}"),),
            )
            token = (
                await auth.IssueUserToken(
                    auth_pb2.IssueUserTokenRequest(user_id="bench", platform=3),
                    metadata=(("authorization", f"Bearer {admin}"),),
                )
            ).token
            md = (("authorization", f"Bearer {token}"),)
            stub = file_pb2_grpc.FileServiceStub(ch)
            baseline_kb = read_rss_kb(target.pid) or 0
            started = await stub.StartUpload(
                file_pb2.StartUploadRequest(name="big.txt", size=size, sha256=digest), metadata=md
            )
            chunk = started.max_chunk_bytes

            async def chunks() -> AsyncIterator[file_pb2.UploadChunksRequest]:
                f = await asyncio.to_thread(open, src, "rb")
                with f:
                    offset = 0
                    while data := f.read(chunk):
                        yield file_pb2.UploadChunksRequest(
                            upload_id=started.upload_id, offset=offset, data=data
                        )
                        offset += len(data)

            with PeakRss(target.pid) as up_rss:
                t0 = time.perf_counter()
                done = await stub.UploadChunks(chunks(), metadata=md)
                up_s = time.perf_counter() - t0
            assert done.file.size == size
            with PeakRss(target.pid) as down_rss:
                t0 = time.perf_counter()
                got = 0
                async for piece in stub.Download(
                    file_pb2.DownloadRequest(file_id=done.file.file_id), metadata=md
                ):
                    got += len(piece.data)
                down_s = time.perf_counter() - t0
            assert got == size
    finally:
        server.stop()
        await asyncio.to_thread(shutil.rmtree, tmp, True)
    return {
        "size_mib": mib,
        "upload_mib_s": mib / up_s,
        "download_mib_s": mib / down_s,
        "rss_before_mib": baseline_kb / 1024,
        "rss_peak_upload_mib": up_rss.peak_kb / 1024,
        "rss_peak_download_mib": down_rss.peak_kb / 1024,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.files", description=__doc__)
    p.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    args = p.parse_args()
    figures = asyncio.run(run(args.mib))
    for key, value in figures.items():
        print(f"{key:>24}: {value:,.1f}")


if __name__ == "__main__":
    main()

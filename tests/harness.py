"""Real servers and real gRPC clients for the tests: a `parley serve`
subprocess on loopback and a small device client over the bidi stream."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from prometheus_client.parser import text_string_to_metric_families

from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2_grpc
from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.msg.v1 import message_pb2, msg_pb2, msg_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc

P = common_pb2.Platform
ST = common_pb2.SessionType
REPO = Path(__file__).resolve().parent.parent


@dataclass
class ServerProcess:
    """`parley serve` in a subprocess; restartable on the same data directory."""

    data_dir: Path
    admin_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    # The module run with `python -m` (a test may wrap the server in its own).
    module: str = "parley"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        start_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {**os.environ, "PARLEY_ADMIN_SECRET": self.admin_secret, **self.env}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                self.module,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(start_offset)
                text = f.read().decode(errors="replace")
            found = re.findall(r"listening on 127\.0\.0\.1:(\d+)", text)
            if found:
                self.port = int(found[-1])
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(proc: ServerProcess) -> Samples:
    """The server's /metrics (started with PARLEY_METRICS__ENABLED), parsed."""
    port = re.findall(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", proc.log_tail(400))[-1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain")
        text = r.read().decode()
    out: Samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def rss_kib(proc: ServerProcess) -> int:
    """The server process's resident set (VmRSS), in KiB."""
    assert proc.proc is not None
    with open(f"/proc/{proc.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc status")


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def new_user_id(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def channel(address: str, credentials: grpc.ChannelCredentials | None = None) -> grpc.aio.Channel:
    """Cleartext, or TLS with the credentials given (tests/api/test_tls.py)."""
    if credentials is None:
        return grpc.aio.insecure_channel(address)
    return grpc.aio.secure_channel(address, credentials)


class Api:
    """Unary stubs over one channel, with the admin token at hand."""

    def __init__(
        self,
        address: str,
        admin_secret: str,
        credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self.address = address
        self.admin_secret = admin_secret
        self.channel = channel(address, credentials)
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.users = user_pb2_grpc.UserServiceStub(self.channel)
        self.msg = msg_pb2_grpc.MsgServiceStub(self.channel)
        self.conversations = conversation_pb2_grpc.ConversationServiceStub(self.channel)
        self.admin_token = ""

    async def login_admin(self) -> str:
        resp = await self.auth.GetAdminToken(
            auth_pb2.GetAdminTokenRequest(secret=self.admin_secret)
        )
        self.admin_token = resp.token
        return resp.token

    async def register(self, *user_ids: str) -> None:
        await self.users.RegisterUsers(
            user_pb2.RegisterUsersRequest(
                users=[user_pb2.UserInfo(user_id=u, nickname=u) for u in user_ids]
            ),
            metadata=bearer(self.admin_token),
        )

    async def token(self, user_id: str, platform: int = P.PLATFORM_IOS) -> str:
        resp = await self.auth.IssueUserToken(
            auth_pb2.IssueUserTokenRequest(user_id=user_id, platform=platform),  # type: ignore[arg-type]
            metadata=bearer(self.admin_token),
        )
        return resp.token

    async def close(self) -> None:
        await self.channel.close()


class Device:
    """One device's stream: frames are read in the background into a queue."""

    def __init__(
        self,
        address: str,
        token: str,
        platform: int,
        device_id: str,
        credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self.address = address
        self.credentials = credentials
        self.token = token
        self.platform = platform
        self.device_id = device_id
        self.channel: grpc.aio.Channel | None = None
        self._out: asyncio.Queue[gateway_pb2.ClientFrame | None] = asyncio.Queue()
        self.frames: asyncio.Queue[gateway_pb2.ServerFrame] = asyncio.Queue()
        self.answers: dict[str, asyncio.Future[gateway_pb2.ServerFrame]] = {}
        self.call: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.status: grpc.StatusCode | None = None
        self.status_details = ""
        self.trailers: Any = None
        self._rid = 0
        self.session: gateway_pb2.SessionFrame | None = None

    async def _outgoing(self) -> AsyncIterator[gateway_pb2.ClientFrame]:
        while True:
            f = await self._out.get()
            if f is None:
                return
            yield f

    async def open(self, timeout: float = 10.0) -> gateway_pb2.SessionFrame:
        # Created here, inside the running loop: an aio channel belongs to the
        # loop it was made in.
        self.channel = channel(self.address, self.credentials)
        stub = gateway_pb2_grpc.GatewayServiceStub(self.channel)
        self.call = stub.Connect(self._outgoing())
        auth = gateway_pb2.ClientFrame(request_id="auth")
        auth.auth.token = self.token
        auth.auth.platform = self.platform  # type: ignore[assignment]
        auth.auth.device_id = self.device_id
        auth.auth.sdk_version = "parley-tests/0.1"
        self.reader = asyncio.get_running_loop().create_task(self._read())
        fut = self._expect("auth")
        await self._out.put(auth)
        frame = await asyncio.wait_for(fut, timeout)
        if not frame.HasField("session"):
            raise AssertionError(f"expected session, got {frame}")
        self.session = frame.session
        return frame.session

    async def _read(self) -> None:
        try:
            async for frame in self.call:
                fut = self.answers.pop(frame.request_id, None) if frame.request_id else None
                if fut is not None and not fut.done():
                    fut.set_result(frame)
                else:
                    self.frames.put_nowait(frame)
        except grpc.aio.AioRpcError as e:
            self.status = e.code()
            self.status_details = e.details() or ""
            self.trailers = e.trailing_metadata()
        except asyncio.CancelledError:
            return
        else:
            self.status = grpc.StatusCode.OK
        for fut in self.answers.values():
            if not fut.done():
                fut.set_exception(ConnectionError(f"stream closed: {self.status}"))

    def _expect(self, rid: str) -> asyncio.Future[gateway_pb2.ServerFrame]:
        fut: asyncio.Future[gateway_pb2.ServerFrame] = asyncio.get_running_loop().create_future()
        self.answers[rid] = fut
        return fut

    def next_rid(self) -> str:
        self._rid += 1
        return str(self._rid)

    async def request(
        self, frame: gateway_pb2.ClientFrame, timeout: float = 10.0
    ) -> gateway_pb2.ServerFrame:
        if not frame.request_id:
            frame.request_id = self.next_rid()
        fut = self._expect(frame.request_id)
        await self._out.put(frame)
        return await asyncio.wait_for(fut, timeout)

    async def post(self, frame: gateway_pb2.ClientFrame) -> None:
        await self._out.put(frame)

    async def send_text(
        self, recv_id: str, text: str, client_msg_id: str | None = None
    ) -> gateway_pb2.ServerFrame:
        frame = gateway_pb2.ClientFrame()
        m = frame.send.message
        m.client_msg_id = client_msg_id or uuid.uuid4().hex
        m.session_type = ST.SESSION_TYPE_SINGLE
        m.recv_id = recv_id
        m.content.text.text = text
        return await self.request(frame)

    async def next_frame(
        self, kind: str | None = None, timeout: float = 10.0
    ) -> gateway_pb2.ServerFrame:
        """The next pushed frame (of the given body kind, skipping others)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            frame = await asyncio.wait_for(self.frames.get(), max(0.0, left))
            if kind is None or frame.WhichOneof("body") == kind:
                return frame

    def drain(self) -> list[gateway_pb2.ServerFrame]:
        out = []
        while not self.frames.empty():
            out.append(self.frames.get_nowait())
        return out

    async def wait_closed(self, timeout: float = 10.0) -> grpc.StatusCode | None:
        assert self.reader is not None
        await asyncio.wait_for(asyncio.shield(self.reader), timeout)
        return self.status

    async def close(self) -> None:
        # Cancelled, not half-closed: the stream ends now, whatever the auth frame asked.
        if self.call is not None:
            self.call.cancel()
        if self.reader is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self.reader), 2.0)
            self.reader.cancel()
        if self.channel is not None:
            await self.channel.close()


async def pull_all(
    api: Api, token: str, conversation_id: str, upto: int
) -> list[message_pb2.Message]:
    """Every message of a conversation from seq 1 to `upto`, paging by 100."""
    out: list[message_pb2.Message] = []
    begin = 1
    while begin <= upto:
        resp = await api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id=conversation_id, begin=begin, end=upto)]
            ),
            metadata=bearer(token),
        )
        got = list(resp.results[0].messages)
        if not got:
            break
        out.extend(got)
        begin = got[-1].seq + 1
    return out


async def flood(api: Api, token: str, recv_id: str, n: int = 200, size: int = 30_000) -> None:
    """Unary sends of large texts: far more than a stream that stops reading
    can hold in its send queue plus what HTTP/2 flow control lets through."""
    text = "z" * size
    for i in range(n):
        req = msg_pb2.SendMessageRequest()
        req.message.client_msg_id = f"flood-{i}"
        req.message.session_type = ST.SESSION_TYPE_SINGLE
        req.message.recv_id = recv_id
        req.message.content.text.text = text
        await api.msg.SendMessage(req, metadata=bearer(token))


def error_reason(err: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason carried in a failed call's status details."""
    return trailer_reason(err.trailing_metadata())


def trailer_reason(trailers: Any) -> str:
    """The ErrorInfo reason in a call's trailers (a closed `Device`'s `trailers`)."""
    from google.rpc import error_details_pb2, status_pb2

    for key, value in trailers or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for d in status.details:
                info = error_details_pb2.ErrorInfo()
                if d.Unpack(info):
                    return str(info.reason)
    return ""

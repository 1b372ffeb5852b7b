"""The shared SDK conformance scenarios (tests/conformance/*.json, described in its README),
run with the Python SDK against the session server. The Kotlin SDK runs the same files
(tests/clients/test_kotlin.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from parley.common.v1 import common_pb2
from parley.msg.v1 import content_pb2, message_pb2, msg_pb2
from parley_sdk import ParleyClient
from parley_sdk.ids import single_conversation_id
from parley_sdk.models import ChatMessage, MessageStatus, SendStatus
from tests.harness import Api, ServerProcess, bearer, pull_all
from tests.sdk.helpers import Account, accounts, open_client

SCENARIOS = Path(__file__).resolve().parents[1] / "conformance"
#: Where nothing listens: the client stays offline.
OFFLINE = "127.0.0.1:1"
EXPECT_TIMEOUT_S = 10.0

View = dict[str, Any]


def normalized(expected: View) -> View:
    """An expected message with the format's defaults filled in."""
    return {
        "from": expected["from"],
        "text": expected.get("text", ""),
        "state": expected.get("state", "normal"),
        "edited": expected.get("edited", False),
        "sent": expected.get("sent", True),
    }


def view(me: str, m: ChatMessage | message_pb2.Message, sent: bool = True) -> View:
    normal = m.status in (MessageStatus.NORMAL, message_pb2.MESSAGE_STATUS_NORMAL)
    content = m.content if normal else None
    return {
        "from": "me" if m.sender_id == me else "peer",
        "text": content.text.text if content is not None and content.HasField("text") else "",
        "state": "normal" if normal else "revoked",
        "edited": bool(m.edited) and normal,
        "sent": sent,
    }


def text(value: str) -> content_pb2.Content:
    return content_pb2.Content(text=content_pb2.TextContent(text=value))


class Runner:
    """Runs one scenario's steps for `me` (the SDK client) and `peer` (unary calls)."""

    def __init__(self, server: ServerProcess, api: Api, me: Account, peer: Account, db_dir: Path):
        self.server = server
        self.api = api
        self.me = me
        self.peer = peer
        self.db_dir = db_dir
        self.cid = single_conversation_id(me.user_id, peer.user_id)
        self.refs: dict[str, int] = {}
        self.client: ParleyClient | None = None
        self.sends: list[asyncio.Task[Any]] = []

    @property
    def c(self) -> ParleyClient:
        assert self.client is not None, "the scenario acts on a client it has not opened"
        return self.client

    async def open(self, address: str) -> None:
        assert self.client is None, "open twice without a disconnect"
        self.client = open_client(address, self.me, self.db_dir, "me")
        await self.client.open()

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None
        for task in self.sends:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        self.sends.clear()

    async def step(self, step: dict[str, Any]) -> None:
        op = step["op"]
        peer = bearer(self.peer.token)
        if op == "connect":
            await self.open(self.server.address)
            await self.c.wait_synced(EXPECT_TIMEOUT_S)
        elif op == "open_offline":
            await self.open(OFFLINE)
        elif op == "disconnect":
            await self.close()
        elif op == "peer_send":
            out = message_pb2.OutgoingMessage(
                client_msg_id=uuid.uuid4().hex,
                session_type=common_pb2.SESSION_TYPE_SINGLE,
                recv_id=self.me.user_id,
                content=text(step["text"]),
            )
            resp = await self.api.msg.SendMessage(
                msg_pb2.SendMessageRequest(message=out), metadata=peer
            )
            self.refs[step["ref"]] = resp.ack.seq
        elif op == "peer_revoke":
            await self.api.msg.RevokeMessage(
                msg_pb2.RevokeMessageRequest(conversation_id=self.cid, seq=self.refs[step["ref"]]),
                metadata=peer,
            )
        elif op == "peer_edit":
            await self.api.msg.EditMessage(
                msg_pb2.EditMessageRequest(
                    conversation_id=self.cid, seq=self.refs[step["ref"]], content=text(step["text"])
                ),
                metadata=peer,
            )
        elif op == "send":
            sent = await self.c.send_text(self.cid, step["text"])
            assert sent.send_status == SendStatus.SENT, sent
            self.refs[step["ref"]] = sent.seq
        elif op == "send_offline":
            self.sends.append(asyncio.ensure_future(self.c.send_text(self.cid, step["text"])))
            await self._until(lambda: self._has_unsent(step["text"]), f"{step['text']!r} stored")
        elif op == "deliver":
            for ref in step["refs"]:
                seq = self.refs[ref]
                resp = await self.api.msg.PullMessages(
                    msg_pb2.PullMessagesRequest(
                        ranges=[msg_pb2.SeqRange(conversation_id=self.cid, begin=seq, end=seq)]
                    ),
                    metadata=bearer(self.me.token),
                )
                for record in resp.results[0].messages:
                    self.c.syncer.add(record, from_push=True)
            await self.c.syncer.flush()
        elif op == "revoke":
            await self.c.revoke_message(self.cid, self.refs[step["ref"]])
        elif op == "edit":
            await self.c.edit_message(self.cid, self.refs[step["ref"]], step["text"])
        elif op == "delete":
            await self.c.delete_messages(self.cid, [self.refs[r] for r in step["refs"]])
        elif op == "clear":
            await self.c.clear_conversation(self.cid)
        elif op == "mark_read":
            await self.c.mark_read(self.cid, self.refs[step["ref"]] if "ref" in step else None)
        elif op == "expect":
            await self.expect(step)
        else:
            raise AssertionError(f"unknown op {op!r}")

    async def _has_unsent(self, value: str) -> bool:
        return any(not m["sent"] and m["text"] == value for m in await self.local())

    async def _until(self, check: Any, what: str) -> None:
        deadline = time.monotonic() + EXPECT_TIMEOUT_S
        while not await check():
            assert time.monotonic() < deadline, f"{what}: not within {EXPECT_TIMEOUT_S} s"
            await asyncio.sleep(0.05)

    async def local_with_seqs(self) -> list[tuple[int, View]]:
        history = await self.c.get_history(self.cid, limit=10_000, include_events=False)
        return [
            (m.seq, view(self.me.user_id, m, m.send_status == SendStatus.SENT))
            for m in history
            if m.notification is None and m.status != MessageStatus.DELETED
        ]

    async def local(self) -> list[View]:
        return [v for _, v in await self.local_with_seqs()]

    async def actual(self, step: dict[str, Any]) -> dict[str, Any]:
        """The parts of the local (and server) state that `step` speaks of."""
        got: dict[str, Any] = {}
        conv = await self.c.get_conversation(self.cid)
        if "messages" in step:
            got["messages"] = await self.local()
        if "unread" in step:
            got["unread"] = conv.unread_count if conv else 0
        if "has_read" in step:
            got["has_read"] = conv.has_read_seq if conv else 0
        if step.get("matches_server"):
            seqs = await self.api.msg.GetSeqs(
                msg_pb2.GetSeqsRequest(conversation_ids=[self.cid]), metadata=bearer(self.me.token)
            )
            top = max((s.max_seq for s in seqs.seqs if s.conversation_id == self.cid), default=0)
            records = await pull_all(self.api, self.me.token, self.cid, top)
            server = [
                (r.seq, view(self.me.user_id, r))
                for r in records
                if not r.placeholder
                and not r.HasField("notification")
                and r.status != message_pb2.MESSAGE_STATUS_DELETED
            ]
            local = [(s, v) for s, v in await self.local_with_seqs() if v["sent"]]
            got["matches_server"] = {
                "synced": conv.synced_seq if conv else 0,
                "messages": local,
            } == {"synced": top, "messages": server} or (
                f"local synced {conv.synced_seq if conv else 0}, {local}; server {top}, {server}"
            )
        return got

    async def expect(self, step: dict[str, Any]) -> None:
        want: dict[str, Any] = {}
        if "messages" in step:
            want["messages"] = [normalized(m) for m in step["messages"]]
        if "unread" in step:
            want["unread"] = step["unread"]
        if "has_read" in step:
            want["has_read"] = self.refs[step["has_read"]]
        if step.get("matches_server"):
            want["matches_server"] = True
        deadline = time.monotonic() + EXPECT_TIMEOUT_S
        got = await self.actual(step)
        while got != want and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            got = await self.actual(step)
        assert got == want


def load_scenarios() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(SCENARIOS.glob("*.json"))]


@pytest.mark.parametrize("scenario", load_scenarios(), ids=lambda s: str(s["name"]))
async def test_conformance_scenario(
    scenario: dict[str, Any], server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    me, peer = await accounts(api, 2, "cf")
    runner = Runner(server, api, me, peer, tmp_path)
    try:
        for index, step in enumerate(scenario["steps"]):
            try:
                await runner.step(step)
            except AssertionError as e:
                raise AssertionError(f"{scenario['name']} step {index} {step}: {e}") from e
    finally:
        await runner.close()

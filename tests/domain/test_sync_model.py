"""Model-based test of seq, sync and idempotency: hypothesis generates
programs of random sends (stream and unary), resends, disconnects, reconnects
and reads across users and devices; a model predicts every seq, and after a
final sync every device's view must equal the model and the server's log,
each message exactly once.

The second test runs the same programs on a server of its own, interleaved
with graceful and kill -9 restarts and with sends whose write fails (the real
store wrapped, tests/domain/faulty_server.py): a seq a device was shown
(message or placeholder) must keep that meaning, and max_seq never goes back.

The program runs in the test session's event loop (grpc.aio channels belong
to one loop), so it is a list of operations drawn by hypothesis rather than a
RuleBasedStateMachine, which cannot await; hypothesis still shrinks failures
to the shortest program."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, Device, P, ServerProcess, bearer, new_user_id, pull_all

USERS = 3
PLATFORMS = (P.PLATFORM_IOS, P.PLATFORM_MACOS)


def cid_of(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


@dataclass
class Entry:
    seq: int
    server_msg_id: str  # "" for a hole (a placeholder)
    text: str  # "" for events and holes


@dataclass
class LocalDevice:
    """What a client keeps: message ids by conversation and seq ("" for a
    placeholder: a client counts it and never pulls it again)."""

    user: str
    platform: int
    name: str
    conn: Device | None = None
    store: dict[str, dict[int, str]] = field(default_factory=dict)
    pushed_this_connection: set[tuple[str, int]] = field(default_factory=set)
    # The highest max_seq shown per conversation: it must never go back.
    max_seen: dict[str, int] = field(default_factory=dict)


Op = tuple[str, int, int, int, bool]


def op_strategy(users: int, faults: bool) -> st.SearchStrategy[Op]:
    """Operations of a program among `users` users; with `faults`, also
    restarts (graceful or kill -9) and sends whose write fails (mode
    `messages` or `all`, see FAIL_MODES)."""
    user = st.integers(0, users - 1)
    device = st.integers(0, users * len(PLATFORMS) - 1)
    no, off = st.just(0), st.just(False)
    kinds = [
        st.tuples(st.just("connect"), device, no, no, off),
        st.tuples(st.just("disconnect"), device, no, no, off),
        st.tuples(st.just("send"), user, user, st.integers(0, 1), st.booleans()),
        st.tuples(st.just("resend"), st.integers(0, 10_000), no, no, st.booleans()),
        st.tuples(st.just("read"), user, user, st.integers(0, 3), off),
    ]
    if faults:
        kinds.append(st.tuples(st.just("restart"), no, no, no, st.booleans()))
        kinds.append(st.tuples(st.just("fail"), user, user, st.integers(0, 1), st.booleans()))
    return st.one_of(*kinds)


# Each restart costs a server start: at most this many per program.
MAX_RESTARTS = 2
FAIL_MODES = ("messages", "all")


class Model:
    def __init__(
        self,
        api: Api,
        users: int = USERS,
        server: ServerProcess | None = None,
        faults: Path | None = None,
    ) -> None:
        self.api = api
        self.user_count = users
        self.server = server
        self.faults = faults
        self.restarts = 0
        self.users: list[str] = []
        self.tokens: dict[tuple[str, int], str] = {}
        self.devices: list[LocalDevice] = []
        # The server's log as clients may see it: messages, events and holes.
        self.log: dict[str, list[Entry]] = {}
        # Seqs handed to failed writes whose hole could not be persisted
        # either: hidden until a later write covers them, reused after a restart.
        self.hidden_holes: dict[str, int] = {}
        # (sender, client_msg_id) the server answers from memory (no seq used).
        self.recent: set[tuple[str, str]] = set()
        self.read: dict[tuple[str, str], int] = {}
        self.sent: list[tuple[str, str, str, message_pb2.SendAck]] = []

    async def setup(self) -> None:
        self.users = [new_user_id("m") for _ in range(self.user_count)]
        await self.api.register(*self.users)
        for u in self.users:
            for p in PLATFORMS:
                self.tokens[(u, p)] = await self.api.token(u, p)
        self.devices = [
            LocalDevice(u, p, f"{u}-{i}") for u in self.users for i, p in enumerate(PLATFORMS)
        ]

    # -- client behaviour -------------------------------------------------

    def absorb_pushes(self, dev: LocalDevice) -> None:
        if dev.conn is None:
            return
        for frame in dev.conn.drain():
            kind = frame.WhichOneof("body")
            if kind not in ("message", "notification"):
                continue
            msg = getattr(frame, kind).message
            key = (msg.conversation_id, msg.seq)
            assert key not in dev.pushed_this_connection, f"pushed twice: {key}"
            dev.pushed_this_connection.add(key)
            dev.store.setdefault(msg.conversation_id, {})[msg.seq] = msg.server_msg_id

    async def sync(self, dev: LocalDevice) -> None:
        """Reconnect-style sync: compare seqs, pull what is missing."""
        token = self.tokens[(dev.user, dev.platform)]
        seqs = await self.api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
        for state in seqs.seqs:
            cid = state.conversation_id
            seen = dev.max_seen.get(cid, 0)
            assert state.max_seq >= seen, f"max_seq of {cid} went back: {seen} -> {state.max_seq}"
            dev.max_seen[cid] = state.max_seq
            local = dev.store.setdefault(cid, {})
            if all(s in local for s in range(1, state.max_seq + 1)):
                continue
            for m in await pull_all(self.api, token, cid, state.max_seq):
                if m.seq in local:
                    assert local[m.seq] == m.server_msg_id, f"{cid}/{m.seq} changed meaning"
                else:
                    local[m.seq] = m.server_msg_id

    def check_pushes(self) -> None:
        for dev in self.devices:
            self.absorb_pushes(dev)
            for cid, seqs in dev.store.items():
                log = self.log.get(cid, [])
                for seq, smid in seqs.items():
                    assert seq <= len(log) and log[seq - 1].server_msg_id == smid

    # -- operations -------------------------------------------------------

    def cover(self, cid: str) -> list[Entry]:
        """A write landed in cid: hidden holes below it are shown from now on."""
        log = self.log.setdefault(cid, [])
        for _ in range(self.hidden_holes.pop(cid, 0)):
            log.append(Entry(len(log) + 1, "", ""))
        return log

    def has_rows(self, cid: str) -> bool:
        """Something was stored in cid (its members' conversation rows exist)."""
        return any(e.server_msg_id for e in self.log.get(cid, []))

    async def apply(self, op: Op) -> None:
        kind, a, b, c, flag = op
        if kind == "restart":
            await self.restart(flag)
        elif kind == "fail":
            await self.fail(a, b, c, flag)
        elif kind == "connect":
            await self.connect(a)
        elif kind == "disconnect":
            await self.disconnect(a)
        elif kind == "send":
            await self.send(a, b, c, flag)
        elif kind == "resend":
            await self.resend(a, flag)
        elif kind == "read":
            await self.mark_read(a, b, c)
        self.check_pushes()

    async def connect(self, d: int) -> None:
        dev = self.devices[d]
        if dev.conn is not None:
            return
        dev.conn = Device(
            self.api.address, self.tokens[(dev.user, dev.platform)], dev.platform, dev.name
        )
        dev.pushed_this_connection = set()
        await dev.conn.open()
        await self.sync(dev)

    async def disconnect(self, d: int) -> None:
        dev = self.devices[d]
        if dev.conn is None:
            return
        self.absorb_pushes(dev)
        await dev.conn.close()
        dev.conn = None

    async def send(self, s: int, r: int, d: int, via_stream: bool) -> None:
        sender, recv = self.users[s], self.users[r]
        if sender == recv:
            return
        dev = self.devices[s * len(PLATFORMS) + d]
        text = f"msg-{uuid.uuid4().hex[:8]}"
        cmid = uuid.uuid4().hex
        ack = await self._send(dev, sender, recv, text, cmid, via_stream)
        cid = cid_of(sender, recv)
        log = self.cover(cid)
        assert ack.seq == len(log) + 1, (ack.seq, len(log))
        assert not ack.duplicate
        log.append(Entry(ack.seq, ack.server_msg_id, text))
        self.sent.append((sender, recv, cmid, ack))
        self.recent.add((sender, cmid))
        if dev.conn is not None:
            # The sending device gets the ack instead of a push.
            dev.store.setdefault(cid, {})[ack.seq] = ack.server_msg_id

    async def _send(
        self, dev: LocalDevice, sender: str, recv: str, text: str, cmid: str, via_stream: bool
    ) -> message_pb2.SendAck:
        if via_stream and dev.conn is not None:
            frame = await dev.conn.send_text(recv, text, client_msg_id=cmid)
            assert frame.HasField("send_ack"), frame
            return frame.send_ack.ack
        req = msg_pb2.SendMessageRequest()
        req.message.client_msg_id = cmid
        req.message.session_type = ST.SESSION_TYPE_SINGLE
        req.message.recv_id = recv
        req.message.content.text.text = text
        token = self.tokens[(sender, dev.platform)]
        return (await self.api.msg.SendMessage(req, metadata=bearer(token))).ack

    async def resend(self, i: int, via_stream: bool) -> None:
        if not self.sent:
            return
        sender, recv, cmid, original = self.sent[i % len(self.sent)]
        dev = self.devices[self.users.index(sender) * len(PLATFORMS)]
        ack = await self._send(dev, sender, recv, "ignored", cmid, via_stream)
        assert ack.duplicate
        assert (ack.seq, ack.server_msg_id) == (original.seq, original.server_msg_id)
        if (sender, cmid) not in self.recent:
            # Caught by the writer, not from memory: the resend's own seq is
            # a hole, persisted with the conversation's max_seq.
            log = self.cover(original.conversation_id)
            log.append(Entry(len(log) + 1, "", ""))
            self.recent.add((sender, cmid))

    async def fail(self, s: int, r: int, mode: int, via_stream: bool) -> None:
        """A send whose write fails: with `messages` its hole is persisted
        (shown as a placeholder), with `all` it is not (hidden)."""
        sender, recv = self.users[s], self.users[r]
        if sender == recv or self.faults is None:
            return
        dev = self.devices[s * len(PLATFORMS)]
        self.faults.write_text(FAIL_MODES[mode])
        try:
            if via_stream and dev.conn is not None:
                frame = await dev.conn.send_text(recv, "lost", client_msg_id=uuid.uuid4().hex)
                assert frame.HasField("error"), frame
            else:
                try:
                    await self._send(dev, sender, recv, "lost", uuid.uuid4().hex, False)
                except grpc.aio.AioRpcError as e:
                    assert e.code() == grpc.StatusCode.UNAVAILABLE, e
                else:
                    raise AssertionError("a failed write was acked")
        finally:
            self.faults.unlink()
        cid = cid_of(sender, recv)
        if FAIL_MODES[mode] == "messages":
            log = self.cover(cid)
            log.append(Entry(len(log) + 1, "", ""))
        else:
            self.hidden_holes[cid] = self.hidden_holes.get(cid, 0) + 1

    async def restart(self, kill9: bool) -> None:
        """Graceful or kill -9: streams end, memory is gone, the data stays."""
        if self.server is None or self.restarts >= MAX_RESTARTS:
            return
        self.restarts += 1
        online = [d for d, dev in enumerate(self.devices) if dev.conn is not None]
        for d in online:
            await self.disconnect(d)
        await self.api.close()
        if kill9:
            self.server.kill9()
        else:
            assert self.server.stop() == 0
        self.server.start()
        self.api = Api(self.server.address, self.server.admin_secret)
        await self.api.login_admin()
        self.recent.clear()
        # Never shown, so the restarted server may hand these seqs out again.
        self.hidden_holes.clear()
        # Clients reconnect (and sync) on their own.
        for d in online:
            await self.connect(d)

    async def mark_read(self, u: int, peer: int, back: int) -> None:
        user, other = self.users[u], self.users[peer]
        cid = cid_of(user, other)
        log = self.log.get(cid)
        if user == other or not log or not self.has_rows(cid):
            return
        target = max(0, len(log) - back)
        token = self.tokens[(user, PLATFORMS[0])]
        resp = await self.api.msg.MarkRead(
            msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=target),
            metadata=bearer(token),
        )
        before = self.read.get((user, cid), 0)
        expect = max(before, target)
        assert resp.has_read_seq == expect
        if expect > before:
            self.read[(user, cid)] = expect
            log = self.cover(cid)
            # The read receipt is a seq'd event in the conversation.
            state = (
                await self.api.msg.GetSeqs(
                    msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(token)
                )
            ).seqs[0]
            assert state.max_seq == len(log) + 1
            top = (await pull_all(self.api, token, cid, state.max_seq))[-1]
            assert top.notification.read_receipt.has_read_seq == expect
            log.append(Entry(top.seq, top.server_msg_id, ""))

    # -- the final comparison ---------------------------------------------

    async def final_check(self) -> None:
        for dev in self.devices:
            if dev.conn is None:
                await self.connect(self.devices.index(dev))
            assert dev.conn is not None
            ping = gateway_pb2.ClientFrame()
            ping.ping.client_time_ms = 1
            await dev.conn.request(ping)  # every push queued before this is now here
            self.absorb_pushes(dev)
            await self.sync(dev)
            mine = {
                cid: log
                for cid, log in self.log.items()
                if dev.user in cid.split("_")[1:] and self.has_rows(cid)
            }
            assert {c for c, s in dev.store.items() if s} == set(mine)
            for cid, log in mine.items():
                assert dev.store[cid] == {e.seq: e.server_msg_id for e in log}, cid
            token = self.tokens[(dev.user, dev.platform)]
            seqs = await self.api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
            for state in seqs.seqs:
                assert state.has_read_seq == self.read.get((dev.user, state.conversation_id), 0)
                log = self.log[state.conversation_id]
                unread = sum(
                    1
                    for e in log
                    if e.text
                    and e.seq > state.has_read_seq
                    and not self._sent_by(dev.user, state.conversation_id, e.seq)
                )
                assert state.unread_count == unread
                server = await pull_all(self.api, token, state.conversation_id, state.max_seq)
                assert [(m.seq, m.server_msg_id) for m in server] == [
                    (e.seq, e.server_msg_id) for e in log
                ]
                assert [m.content.text.text for m in server] == [e.text for e in log]

    def _sent_by(self, user: str, cid: str, seq: int) -> bool:
        return any(
            s == user and cid_of(s, r) == cid and ack.seq == seq for s, r, _, ack in self.sent
        )

    async def run(self, program: list[Op]) -> None:
        await self.setup()
        try:
            for op in program:
                await self.apply(op)
            await self.final_check()
        finally:
            await self.close()
            await self.api.close()

    async def close(self) -> None:
        for dev in self.devices:
            if dev.conn is not None:
                await dev.conn.close()
                dev.conn = None


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(program=st.lists(op_strategy(USERS, faults=False), min_size=1, max_size=40))
async def test_sync_model(server: ServerProcess, program: list[Op]) -> None:
    api = Api(server.address, server.admin_secret)
    await api.login_admin()
    await Model(api).run(program)


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    # Shrinking replays programs with server restarts: minutes. The failing
    # program is reported unshrunk (at most 30 operations).
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(program=st.lists(op_strategy(2, faults=True), min_size=1, max_size=30))
async def test_sync_model_across_restarts_and_failed_writes(
    fresh_server: ServerProcess, program: list[Op]
) -> None:
    faults = fresh_server.data_dir.parent / "faults"
    if fresh_server.proc is None:
        fresh_server.module = "tests.domain.faulty_server"
        fresh_server.env["PARLEY_TEST_FAULTS"] = str(faults)
        fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    await Model(api, 2, fresh_server, faults).run(program)

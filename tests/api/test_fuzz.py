"""Random requests to every RPC of the contract, well-typed (built from the
request descriptors, so a new RPC is fuzzed without a change here) and
ill-typed (random bytes), with and without tokens, and random frames on the
stream: the server never answers UNKNOWN or INTERNAL, never hangs, and stays
healthy."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.app import SERVICE_NAMES
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import msg_pb2, msg_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc
from tests.harness import ST, P, ServerProcess, bearer, new_user_id

pytestmark = pytest.mark.slow

FD = _descriptor.FieldDescriptor
NEVER = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED}
DEADLINE = 5.0
EXAMPLES_PER_RPC = 30
STREAM_EXAMPLES = 200
BOUNDARY_INTS = (0, 1, -1, 2, 100, 10**9, 10**16, 2**31 - 1, -(2**31), 2**63 - 1, 2**63, -(2**63))
_INT_RANGES = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}


def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    edges = [v for v in BOUNDARY_INTS if lo <= v <= hi]
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


def _scalar(f: FD, words: tuple[str, ...]) -> st.SearchStrategy[Any]:
    if f.type in _INT_RANGES:
        return _ints(*_INT_RANGES[f.type])
    if f.enum_type is not None:
        defined = [v.number for v in f.enum_type.values]
        return st.one_of(st.sampled_from(defined), _ints(-(2**31), 2**31 - 1))
    if f.type == FD.TYPE_BOOL:
        return st.booleans()
    if f.type == FD.TYPE_DOUBLE:
        return st.floats()
    if f.type == FD.TYPE_FLOAT:
        return st.floats(width=32)
    if f.type == FD.TYPE_BYTES:
        return st.binary(max_size=24)
    numbers = _ints(-(2**64), 2**64).map(str)
    return st.one_of(st.sampled_from(words), st.text(max_size=24), numbers)


def _field(f: FD, words: tuple[str, ...], depth: int) -> st.SearchStrategy[Any]:
    sub = f.message_type
    if sub is not None and sub.GetOptions().map_entry:
        key, value = sub.fields_by_name["key"], sub.fields_by_name["value"]
        return st.dictionaries(_scalar(key, words), _field(value, words, depth), max_size=3)
    one = _messages(sub, words, depth + 1) if sub is not None else _scalar(f, words)
    return st.lists(one, max_size=3) if f.is_repeated else one


def _build(cls: type[Message], values: dict[str, Any]) -> Message:
    m = cls()
    for name, value in values.items():
        if value is None:
            continue
        f = cls.DESCRIPTOR.fields_by_name[name]
        target = getattr(m, name)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            for k, v in value.items():
                if isinstance(v, Message):
                    target[k].CopyFrom(v)
                else:
                    target[k] = v
        elif f.is_repeated:
            target.extend(value)
        elif f.type == FD.TYPE_MESSAGE:
            target.CopyFrom(value)
        else:
            setattr(m, name, value)
    return m


def _messages(
    desc: _descriptor.Descriptor, words: tuple[str, ...], depth: int = 0
) -> st.SearchStrategy[Message]:
    """Random well-typed messages of `desc`: each field unset or a random
    value; nesting stops at depth 3."""
    cls = message_factory.GetMessageClass(desc)
    fields = [f for f in desc.fields if depth < 3 or f.type != FD.TYPE_MESSAGE]
    parts = {f.name: st.none() | _field(f, words, depth) | _field(f, words, depth) for f in fields}
    return st.fixed_dictionaries(parts).map(functools.partial(_build, cls))


def _payloads(desc: _descriptor.Descriptor, words: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    well_typed = _messages(desc, words).map(lambda m: m.SerializeToString())
    return st.one_of(well_typed, well_typed, st.binary(max_size=64))


def _methods() -> Iterator[tuple[str, _descriptor.Descriptor]]:
    """Every unary RPC of the contract, from the generated descriptors."""
    pool = descriptor_pool.Default()
    for name in SERVICE_NAMES:
        for m in pool.FindServiceByName(name).methods:
            if not m.client_streaming and not m.server_streaming:
                yield f"/{name}/{m.name}", m.input_type


def _identity(data: bytes) -> bytes:
    return data


class Target:
    """A fresh server with a user pair, tokens and a sync channel."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.channel = grpc.insecure_channel(server.address)
        self.admin = (
            auth_pb2_grpc.AuthServiceStub(self.channel)
            .GetAdminToken(auth_pb2.GetAdminTokenRequest(secret=server.admin_secret))
            .token
        )
        self.a, self.b, self.token = self.pair()
        lo, hi = sorted((self.a, self.b))
        # Not `a` itself: a fuzzed BlockUser or ForceLogout of the caller
        # would turn every later call with its token into UNAUTHENTICATED.
        self.words = (self.b, f"si_{lo}_{hi}", f"n_{self.a}", "sg_none", "", "é")

    def pair(self) -> tuple[str, str, str]:
        """Two new users and a token of the first."""
        a, b = new_user_id("fa"), new_user_id("fb")
        user_pb2_grpc.UserServiceStub(self.channel).RegisterUsers(
            user_pb2.RegisterUsersRequest(users=[user_pb2.UserInfo(user_id=u) for u in (a, b)]),
            metadata=bearer(self.admin),
        )
        token = (
            auth_pb2_grpc.AuthServiceStub(self.channel)
            .IssueUserToken(
                auth_pb2.IssueUserTokenRequest(user_id=a, platform=P.PLATFORM_IOS),
                metadata=bearer(self.admin),
            )
            .token
        )
        return a, b, token

    def tokens(self) -> st.SearchStrategy[str | None]:
        return st.sampled_from([None, "garbage", self.token, self.token, self.admin, self.admin])

    def unary(self, method: str, payload: bytes, token: str | None) -> None:
        call = self.channel.unary_unary(
            method, request_serializer=_identity, response_deserializer=_identity
        )
        try:
            call(payload, metadata=bearer(token) if token else None, timeout=DEADLINE)
        except grpc.RpcError as e:
            assert isinstance(e, grpc.Call)
            assert e.code() not in NEVER, (method, payload, e.code(), e.details())
        assert self.server.proc is not None and self.server.proc.poll() is None

    def auth_frame(self) -> bytes:
        frame = gateway_pb2.ClientFrame(request_id="auth")
        frame.auth.token = self.token
        frame.auth.platform = P.PLATFORM_IOS
        frame.auth.device_id = uuid.uuid4().hex[:8]
        return frame.SerializeToString()

    def stream(self, first: bytes, frames: list[bytes]) -> None:
        """Sends `first`, then `frames`, then a ping; reads until its pong or
        until the server ends the stream."""
        ping = gateway_pb2.ClientFrame(request_id="fuzz-final-ping")
        ping.ping.client_time_ms = 1
        connect = self.channel.stream_stream(
            f"/{SERVICE_NAMES[0]}/Connect",
            request_serializer=_identity,
            response_deserializer=gateway_pb2.ServerFrame.FromString,
        )
        call = connect(iter([first, *frames, ping.SerializeToString()]), timeout=DEADLINE)
        try:
            for frame in call:
                if frame.request_id == ping.request_id and frame.HasField("pong"):
                    call.cancel()
                    break
        except grpc.RpcError as e:
            assert isinstance(e, grpc.Call)
            code = e.code()
            if code != grpc.StatusCode.CANCELLED:
                assert code not in NEVER, (first, frames, code, e.details())

    def healthy(self) -> None:
        health = health_pb2_grpc.HealthStub(self.channel)
        resp = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=DEADLINE)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
        # Users the fuzzing did not know of.
        _, receiver, token = self.pair()
        send = msg_pb2.SendMessageRequest()
        send.message.client_msg_id = uuid.uuid4().hex
        send.message.session_type = ST.SESSION_TYPE_SINGLE
        send.message.recv_id = receiver
        send.message.content.text.text = "still here"
        ack = msg_pb2_grpc.MsgServiceStub(self.channel).SendMessage(
            send, metadata=bearer(token), timeout=DEADLINE
        )
        assert ack.ack.seq >= 1
        log = self.server.log_path.read_text(errors="replace") if self.server.log_path else ""
        assert "Traceback" not in log, log[-4000:]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("fuzz") / "data")
    server.start()
    t = Target(server)
    yield t
    t.channel.close()
    server.stop()


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


METHODS = dict(_methods())


def test_every_unary_rpc_is_fuzzed() -> None:
    assert len(METHODS) >= 60


@pytest.mark.parametrize("method", sorted(METHODS))
def test_fuzzed_unary_requests(target: Target, method: str) -> None:
    @fuzz(EXAMPLES_PER_RPC)
    @given(_payloads(METHODS[method], target.words), target.tokens())
    def run(payload: bytes, token: str | None) -> None:
        target.unary(method, payload, token)

    run()


def test_fuzzed_stream_frames(target: Target) -> None:
    frames = _payloads(gateway_pb2.ClientFrame.DESCRIPTOR, target.words)
    first = st.one_of(st.just(target.auth_frame()), frames)

    @fuzz(STREAM_EXAMPLES)
    @given(first, st.lists(frames, max_size=4))
    def run(first: bytes, rest: list[bytes]) -> None:
        target.stream(first, rest)

    run()


def test_server_is_healthy_after_the_fuzzing(target: Target) -> None:
    target.healthy()

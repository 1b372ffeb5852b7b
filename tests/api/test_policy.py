"""The authorization walk: every RPC of the contract, found by server
reflection (so a new RPC cannot be missed), called by every kind of caller,
and the status checked against the verdict of api/policy.py's table. An RPC
or a stream frame without a rule fails here."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import grpc
import jwt
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.api.policy import RPCS, check_covers
from parley.app import SERVICE_NAMES
from parley.auth.v1 import auth_pb2
from parley.domain.policy import FRAMES, Caller, Rule, Target
from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.group.v1 import group_pb2
from tests.api.social import Social, User, create, send_group, users
from tests.harness import Api, P, ServerProcess, bearer, error_reason

C = grpc.StatusCode
KINDS = ("none", "forged", "expired", "revoked", "blocked", "unrelated", "member", "admin")
# What refuses a caller for who they are (the table's business); any other
# status is the domain's (bad input, not found, ...), never INTERNAL.
TOKEN_REFUSALS = {
    "forged": "ERROR_REASON_TOKEN_INVALID",
    "expired": "ERROR_REASON_TOKEN_EXPIRED",
    "revoked": "ERROR_REASON_TOKEN_REVOKED",
}
REFUSALS = {
    (C.UNAUTHENTICATED, "ERROR_REASON_TOKEN_MISSING"),
    *((C.UNAUTHENTICATED, r) for r in TOKEN_REFUSALS.values()),
    (C.PERMISSION_DENIED, "ERROR_REASON_PERMISSION_DENIED"),
    (C.PERMISSION_DENIED, "ERROR_REASON_ADMIN_REQUIRED"),
    (C.PERMISSION_DENIED, "ERROR_REASON_USER_BLOCKED"),
    (C.PERMISSION_DENIED, "ERROR_REASON_NOT_GROUP_MEMBER"),
    (C.PERMISSION_DENIED, "ERROR_REASON_GROUP_PERMISSION_DENIED"),
    (C.NOT_FOUND, "ERROR_REASON_CONVERSATION_NOT_FOUND"),
}
IN_GROUP = {Target.CONVERSATION, Target.MESSAGE, Target.GROUP, Target.GROUP_ADMIN}
IN_GROUP.add(Target.GROUP_OWNER)
Verdict = tuple[grpc.StatusCode, str] | None
FORGED_KEY = "a key of the forger's, 32 bytes or more, not the server's"


def verdict(rule: Rule, kind: str) -> Verdict:
    """The refusal the table promises `kind` of caller (None: not refused).
    Requests target the world's group, its conversation and a message the
    member sent there; user ids name another member; tokens are theirs."""
    if rule.caller is Caller.NONE:
        return None
    if kind == "none":
        return C.UNAUTHENTICATED, "ERROR_REASON_TOKEN_MISSING"
    if kind in TOKEN_REFUSALS:
        return C.UNAUTHENTICATED, TOKEN_REFUSALS[kind]
    if kind == "admin":
        if rule.caller is Caller.USER:
            return C.PERMISSION_DENIED, "ERROR_REASON_PERMISSION_DENIED"
        return None
    if rule.caller is Caller.ADMIN:
        return C.PERMISSION_DENIED, "ERROR_REASON_ADMIN_REQUIRED"
    if kind == "blocked":
        return C.PERMISSION_DENIED, "ERROR_REASON_USER_BLOCKED"
    if rule.target is Target.OWN_TOKEN:
        return C.PERMISSION_DENIED, "ERROR_REASON_PERMISSION_DENIED"
    if kind == "unrelated" and rule.target in IN_GROUP:
        return C.PERMISSION_DENIED, "ERROR_REASON_NOT_GROUP_MEMBER"
    if kind == "member" and rule.target in (Target.GROUP_ADMIN, Target.GROUP_OWNER):
        return C.PERMISSION_DENIED, "ERROR_REASON_GROUP_PERMISSION_DENIED"
    return None


@dataclass
class World:
    """A fresh group per RPC: calls that change it (quit, revoke, block the
    peer, ...) do not spill into the next RPC's verdicts."""

    owner: User
    member: User
    peer: User
    group_id: str
    conversation_id: str
    seq: int


@dataclass
class Callers:
    unrelated: User
    blocked: User
    forged: str
    expired: str
    revoked: str


async def new_world(api: Api) -> World:
    owner, member, peer = await users(api, 3, "w")
    info = await create(
        Social(api), owner, [member, peer], invite_policy=group_pb2.INVITE_POLICY_MEMBERS
    )
    ack = await send_group(api, member[1], info.group_id, "the member's message")
    return World(owner, member, peer, info.group_id, info.conversation_id, ack.seq)


async def new_callers(api: Api, server: ServerProcess) -> Callers:
    (unrelated, blocked, gone) = await users(api, 3, "c")
    admin = admin_pb2_grpc.AdminServiceStub(api.channel)
    await admin.BlockUser(
        admin_pb2.BlockUserRequest(user_id=blocked[0]), metadata=bearer(api.admin_token)
    )
    await api.auth.InvalidateToken(
        auth_pb2.InvalidateTokenRequest(token=gone[1]), metadata=bearer(api.admin_token)
    )
    claims = {
        "sub": unrelated[0],
        "plt": P.PLATFORM_IOS,
        "adm": False,
        "jti": uuid.uuid4().hex,
        "iat_ms": int(time.time() * 1000) - 7_200_000,
        "exp": int(time.time()) - 3600,
    }
    key = (server.data_dir / "token_key").read_text().strip()
    return Callers(
        unrelated=unrelated,
        blocked=blocked,
        forged=jwt.encode({**claims, "exp": int(time.time()) + 3600}, FORGED_KEY, "HS256"),
        expired=jwt.encode(claims, key, "HS256"),
        revoked=gone[1],
    )


def token_of(kind: str, api: Api, world: World, callers: Callers) -> str:
    if kind == "none":
        return ""
    if kind in TOKEN_REFUSALS:
        return str(getattr(callers, kind))
    if kind == "admin":
        return api.admin_token
    if kind == "member":
        return world.member[1]
    return getattr(callers, kind)[1]  # type: ignore[no-any-return]


def fill(msg: Message, world: World, caller_id: str, method: str) -> None:
    """A well-formed request aimed at the world, from the field names."""
    for f in msg.DESCRIPTOR.fields:
        name = f.name
        if f.message_type is not None:
            fill_message(msg, f, world, caller_id, method)
        elif f.enum_type is not None:
            values = [v.number for v in f.enum_type.values if v.number > 0]
            if f.enum_type.full_name == "parley.msg.v1.DeleteScope":
                # DeleteMessages' rule is FOR_EVERYONE's (FOR_ME: user tokens).
                values = [f.enum_type.values_by_name["DELETE_SCOPE_FOR_EVERYONE"].number]
            set_field(msg, f, values[0])
        elif f.type == FieldDescriptor.TYPE_STRING:
            set_field(msg, f, string_for(name, world, caller_id, method))
        elif name in ("seq", "seqs", "has_read_seq", "delivered_seq"):
            set_field(msg, f, world.seq)


def string_for(name: str, world: World, caller_id: str, method: str) -> str:
    if name in ("conversation_id", "conversation_ids"):
        return world.conversation_id
    if name in ("group_id", "group_ids"):
        return world.group_id
    if name == "token":
        return world.peer[1]
    if method.endswith("/SetMemberNickname") and name == "user_id":
        # Its GROUP rule is for one's own nickname (another's: owner and admins).
        return caller_id
    if name.endswith(("user_id", "user_ids")):
        return world.peer[0]
    return "x"


def fill_message(
    msg: Message, f: FieldDescriptor, world: World, caller_id: str, method: str
) -> None:
    assert f.message_type is not None
    kind = f.message_type.full_name
    if kind == "parley.common.v1.PageRequest":
        return
    sub = getattr(msg, f.name).add() if f.is_repeated else getattr(msg, f.name)
    if kind == "parley.msg.v1.OutgoingMessage":
        sub.client_msg_id = uuid.uuid4().hex
        sub.session_type = 2  # SESSION_TYPE_GROUP
        sub.group_id = world.group_id
        sub.content.text.text = "x"
    elif kind == "parley.msg.v1.Content":
        sub.text.text = "x"
    elif kind == "parley.msg.v1.SeqRange":
        sub.conversation_id = world.conversation_id
        sub.begin, sub.end = 1, world.seq
    else:
        fill(sub, world, caller_id, method)


def set_field(msg: Message, f: FieldDescriptor, value: Any) -> None:
    if f.is_repeated:
        getattr(msg, f.name).append(value)
    else:
        setattr(msg, f.name, value)


def reflected_methods(address: str) -> tuple[list[MethodDescriptor], Any]:
    """Every method of the parley services the server says it serves, and
    ClientFrame as the server describes it."""
    with grpc.insecure_channel(address) as channel:
        db = ProtoReflectionDescriptorDatabase(channel)
        pool = descriptor_pool.DescriptorPool(db)
        names = [s for s in db.get_services() if s.startswith("parley.")]
        methods = [m for s in names for m in pool.FindServiceByName(s).methods]
        frame = pool.FindMessageTypeByName("parley.gateway.v1.ClientFrame")
    return methods, frame


async def call(
    channel: grpc.aio.Channel, method: MethodDescriptor, request: Message, token: str
) -> tuple[grpc.StatusCode, str]:
    response = message_factory.GetMessageClass(method.output_type)
    stub = channel.unary_unary(
        f"/{method.containing_service.full_name}/{method.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response.FromString,
    )
    try:
        await stub(request, metadata=bearer(token) if token else None, timeout=10)
    except grpc.aio.AioRpcError as e:
        return e.code(), error_reason(e)
    return C.OK, ""


async def test_every_rpc_answers_every_caller_as_the_table_says(
    api: Api, server: ServerProcess
) -> None:
    methods, frame = await asyncio.to_thread(reflected_methods, server.address)
    served = {f"/{m.containing_service.full_name}/{m.name}" for m in methods}
    assert served - set(RPCS) == set(), "RPCs without a rule in api/policy.py"
    assert set(RPCS) - served == set(), "rules for RPCs the server does not serve"
    assert {f.name for f in frame.oneofs_by_name["body"].fields} == set(FRAMES)
    for rule in (*RPCS.values(), *FRAMES.values()):
        # Inside a conversation the domain's rules table decides: name its action.
        assert (rule.action is not None) == (rule.target in (Target.CONVERSATION, Target.MESSAGE))

    callers = await new_callers(api, server)
    wrong: list[str] = []
    checked = 0
    for method in methods:
        if method.client_streaming or method.server_streaming:
            continue  # the streams: test_the_streams_admit_as_the_table_says, tests/api/files
        full = f"/{method.containing_service.full_name}/{method.name}"
        rule = RPCS[full]
        world = await new_world(api)
        request_class = message_factory.GetMessageClass(method.input_type)
        for kind in KINDS:
            caller_id = {"member": world.member[0], "unrelated": callers.unrelated[0]}.get(kind, "")
            request = request_class()
            fill(request, world, caller_id, full)
            code, reason = await call(
                api.channel, method, request, token_of(kind, api, world, callers)
            )
            checked += 1
            expected = verdict(rule, kind)
            if code in (C.INTERNAL, C.UNKNOWN):
                wrong.append(f"{full} as {kind}: {code.name} {reason}")
            elif expected is None and (code, reason) in REFUSALS:
                wrong.append(f"{full} as {kind}: refused {code.name} {reason}, table allows")
            elif expected is not None and (code, reason) != expected:
                wrong.append(f"{full} as {kind}: {code.name} {reason}, table says {expected}")
    assert not wrong, "\n".join(wrong)
    unary = [m for m in methods if not (m.client_streaming or m.server_streaming)]
    assert checked == len(KINDS) * len(unary)


STREAMS = ("Connect", "Subscribe")


async def open_stream(address: str, token: str, method: str) -> tuple[grpc.StatusCode, str]:
    """Opens the stream the way its transport authenticates: Connect's first
    frame, or Subscribe's request (the same AuthFrame)."""
    frame = gateway_pb2.ClientFrame(request_id="auth")
    frame.auth.token = token
    frame.auth.platform = P.PLATFORM_IOS
    frame.auth.device_id = "walk"

    async def frames() -> Any:
        yield frame
        await asyncio.sleep(5)

    async with grpc.aio.insecure_channel(address) as channel:
        stub = gateway_pb2_grpc.GatewayServiceStub(channel)
        if method == "Connect":
            stream: Any = stub.Connect(frames())
        else:
            stream = stub.Subscribe(gateway_pb2.SubscribeRequest(auth=frame.auth))
        try:
            first = await asyncio.wait_for(stream.read(), 10)
        except grpc.aio.AioRpcError as e:
            return e.code(), error_reason(e)
        stream.cancel()
        assert first.HasField("session"), first
        return C.OK, ""


@pytest.mark.parametrize("method", STREAMS)
@pytest.mark.parametrize("kind", KINDS)
async def test_the_streams_admit_as_the_table_says(
    api: Api, server: ServerProcess, kind: str, method: str
) -> None:
    callers = await new_callers(api, server)
    world = await new_world(api)
    token = token_of(kind, api, world, callers)
    code, reason = await open_stream(server.address, token, method)
    expected = verdict(FRAMES["auth"], kind)
    assert (code, reason) == (expected or (C.OK, "")), (kind, code, reason)


def test_a_server_without_a_rule_for_a_method_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_covers(SERVICE_NAMES)
    monkeypatch.delitem(RPCS, "/parley.msg.v1.MsgService/EditMessage")
    with pytest.raises(RuntimeError, match="EditMessage"):
        check_covers(SERVICE_NAMES)

"""Request validation before any servicer runs: enum values the contract
defines (anywhere in a request), TTLs, seqs, sizes; found from outside."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor as _descriptor
from google.protobuf.message import Message

from parley.api.policy import rule_for
from parley.app import SERVICE_NAMES
from parley.auth.v1 import auth_pb2
from parley.common.v1 import common_pb2
from parley.domain.policy import Caller
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import msg_pb2
from parley.user.v1 import user_pb2
from tests.harness import ST, Api, Device, P, ServerProcess, bearer, error_reason, new_user_id
from tests.subscriber import refused

FD = _descriptor.FieldDescriptor
UNDEFINED = 999


async def _user(api: Api) -> tuple[str, str]:
    uid = new_user_id()
    await api.register(uid)
    return uid, await api.token(uid)


async def _refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value


async def test_admin_secret_that_is_not_ascii_is_wrong_not_internal(api: Api) -> None:
    err = await _refused(api.auth.GetAdminToken(auth_pb2.GetAdminTokenRequest(secret="é")))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(err) == "ERROR_REASON_SECRET_INVALID"


@pytest.mark.parametrize("ttl", [10**16, 2**63 - 1, 366 * 86_400])
async def test_user_token_ttl_is_bounded(api: Api, ttl: int) -> None:
    uid, _ = await _user(api)
    err = await _refused(
        api.auth.IssueUserToken(
            auth_pb2.IssueUserTokenRequest(user_id=uid, platform=P.PLATFORM_IOS, ttl_seconds=ttl),
            metadata=bearer(api.admin_token),
        )
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(err) == "ERROR_REASON_INVALID_ARGUMENT"
    assert "ttl_seconds" in (err.details() or "")


async def test_user_token_ttl_up_to_the_bound_is_accepted(api: Api) -> None:
    uid, _ = await _user(api)
    resp = await api.auth.IssueUserToken(
        auth_pb2.IssueUserTokenRequest(
            user_id=uid, platform=P.PLATFORM_IOS, ttl_seconds=365 * 86_400
        ),
        metadata=bearer(api.admin_token),
    )
    assert resp.token


async def test_unknown_enum_values_are_refused_where_the_issue_found_them(api: Api) -> None:
    uid, token = await _user(api)
    logout = auth_pb2.ForceLogoutRequest(user_id=uid)
    logout.platform = UNDEFINED  # type: ignore[assignment]
    register = user_pb2.RegisterUsersRequest(
        users=[user_pb2.UserInfo(user_id=new_user_id()), user_pb2.UserInfo(user_id=new_user_id())]
    )
    register.users[1].global_receive_option = UNDEFINED  # type: ignore[assignment]
    pull = msg_pb2.PullMessagesRequest(
        ranges=[msg_pb2.SeqRange(conversation_id=f"n_{uid}", begin=1, end=10)]
    )
    pull.order = UNDEFINED  # type: ignore[assignment]
    admin = bearer(api.admin_token)
    for call in (
        api.auth.ForceLogout(logout, metadata=admin),
        api.users.RegisterUsers(register, metadata=admin),
        api.msg.PullMessages(pull, metadata=bearer(token)),
    ):
        err = await _refused(call)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
        assert error_reason(err) == "ERROR_REASON_INVALID_ARGUMENT"
    # Nothing was stored for the refused registration.
    got = await api.users.GetUsers(
        user_pb2.GetUsersRequest(user_ids=[u.user_id for u in register.users]), metadata=admin
    )
    assert list(got.users) == []


def _enum_paths(
    desc: _descriptor.Descriptor, prefix: tuple[FD, ...] = (), depth: int = 0
) -> Iterator[tuple[FD, ...]]:
    """Every enum field reachable in a request (through nested, repeated and
    oneof fields), as the path of fields leading to it."""
    for f in desc.fields:
        if f.type == FD.TYPE_ENUM:
            yield (*prefix, f)
        elif f.message_type is not None and depth < 4:
            if not f.message_type.GetOptions().map_entry:
                yield from _enum_paths(f.message_type, (*prefix, f), depth + 1)


def _with_value(request: Message, path: tuple[FD, ...], value: int) -> None:
    node = request
    for f in path[:-1]:
        node = getattr(node, f.name).add() if f.is_repeated else getattr(node, f.name)
    last = path[-1]
    if last.is_repeated:
        getattr(node, last.name).append(value)
    else:
        setattr(node, last.name, value)


def _request_types() -> Iterator[tuple[str, str, type[Message]]]:
    from google.protobuf import descriptor_pool, message_factory

    pool = descriptor_pool.Default()
    for name in SERVICE_NAMES:
        for m in pool.FindServiceByName(name).methods:
            yield name, m.name, message_factory.GetMessageClass(m.input_type)


def _admitted(method: str, user_token: str, admin_token: str) -> tuple[str, ...]:
    rule = rule_for(method)
    assert rule is not None, method
    return {
        Caller.USER: (user_token,),
        Caller.ADMIN: (admin_token,),
        Caller.EITHER: (user_token, admin_token),
        Caller.NONE: (user_token, admin_token),
    }[rule.caller]


async def test_every_enum_field_of_every_request_refuses_undefined_values(api: Api) -> None:
    """Walks the contract: a new RPC or enum field is covered without a change here."""
    _, token = await _user(api)
    checked = 0
    for service, method, cls in _request_types():
        for path in _enum_paths(cls.DESCRIPTOR):
            request = cls()
            _with_value(request, path, UNDEFINED)
            where = ".".join(f.name for f in path)
            if method == "Subscribe":
                # Refused before its auth is looked at, as an auth frame is.
                request.auth.token = token  # type: ignore[attr-defined]
                request.auth.device_id = "enum"  # type: ignore[attr-defined]
                err = await refused(api.address, request)  # type: ignore[arg-type]
                assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (where, err)
                assert where.split(".", 1)[1] in (err.details() or ""), err.details()
            elif method == "Connect":
                request.request_id = "enum"  # type: ignore[attr-defined]
                answer = await _stream_answer(api, token, request)  # type: ignore[arg-type]
                assert answer.HasField("error"), (where, answer)
                assert answer.error.reason == common_pb2.ERROR_REASON_INVALID_ARGUMENT, where
                assert where.split(".", 1)[1] in answer.error.message, answer.error.message
            else:
                call = api.channel.unary_unary(
                    f"/{service}/{method}",
                    request_serializer=lambda m: m.SerializeToString(),
                    response_deserializer=lambda b: b,
                )
                # Callers are authenticated before their input is validated:
                # each RPC is tried with every token its policy rule admits.
                for tok in _admitted(f"/{service}/{method}", token, api.admin_token):
                    err = await _refused(call(request, metadata=bearer(tok), timeout=5))
                    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, where, err)
                    details = re.sub(r"\[\d+\]", "", err.details() or "")
                    assert where in details, (method, where, err.details())
            checked += 1
    assert checked >= 18


async def _stream_answer(
    api: Api, token: str, frame: gateway_pb2.ClientFrame
) -> gateway_pb2.ServerFrame:
    """The answer to `frame` sent after auth; for an auth frame, sent first,
    the status that ends the stream as an error frame."""
    if frame.WhichOneof("body") == "auth":
        frame.auth.token = token
        frame.auth.device_id = "enum"
        err = await _raw_stream_error(api.address, frame)
        answer = gateway_pb2.ServerFrame(request_id="enum")
        answer.error.code = err.code().value[0]
        reason = error_reason(err) or "ERROR_REASON_UNSPECIFIED"
        answer.error.reason = common_pb2.ErrorReason.Value(reason)  # type: ignore[assignment]
        answer.error.message = err.details() or ""
        return answer
    d = Device(api.address, token, P.PLATFORM_IOS, uuid.uuid4().hex[:8])
    await d.open()
    try:
        answer = await d.request(frame)
        # The stream stays usable after a refused frame.
        ping = gateway_pb2.ClientFrame()
        ping.ping.client_time_ms = 1
        assert (await d.request(ping)).HasField("pong")
        return answer
    finally:
        await d.close()


async def _raw_stream_error(address: str, first: gateway_pb2.ClientFrame) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as ch:
        call = ch.stream_stream(
            f"/{SERVICE_NAMES[0]}/Connect",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=gateway_pb2.ServerFrame.FromString,
        )(iter([first]), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in call:
                pass
        return info.value


async def test_receipts_only_for_messages_that_exist(api: Api) -> None:
    (a, ta), (b, _) = await _user(api), await _user(api)
    await api.msg.SendMessage(
        msg_pb2.SendMessageRequest(
            message={  # type: ignore[arg-type]
                "client_msg_id": uuid.uuid4().hex,
                "session_type": ST.SESSION_TYPE_SINGLE,
                "recv_id": b,
                "content": {"text": {"text": "hi"}},
            }
        ),
        metadata=bearer(ta),
    )
    cid = "si_" + "_".join(sorted((a, b)))
    for seqs in ([-1], [0], [10**9], [1, 2]):
        err = await _refused(
            api.msg.GetMessageReceipts(
                msg_pb2.GetMessageReceiptsRequest(conversation_id=cid, seqs=seqs),
                metadata=bearer(ta),
            )
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, seqs
        assert error_reason(err) == "ERROR_REASON_SEQ_OUT_OF_RANGE", seqs
    ok = await api.msg.GetMessageReceipts(
        msg_pb2.GetMessageReceiptsRequest(conversation_id=cid, seqs=[1]), metadata=bearer(ta)
    )
    assert [(r.seq, r.unread_count) for r in ok.receipts] == [(1, 1)]


def _big_send(recv_id: str, size: int) -> msg_pb2.SendMessageRequest:
    req = msg_pb2.SendMessageRequest()
    req.message.client_msg_id = "big"
    req.message.session_type = ST.SESSION_TYPE_SINGLE
    req.message.recv_id = recv_id
    req.message.content.text.text = "x" * size
    return req


async def test_oversized_unary_request_says_frame_too_large(api: Api) -> None:
    (_, ta), (b, _) = await _user(api), await _user(api)
    err = await _refused(api.msg.SendMessage(_big_send(b, 300 * 1024), metadata=bearer(ta)))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_reason(err) == "ERROR_REASON_FRAME_TOO_LARGE"
    # Beyond the transport's hard cap gRPC refuses it before Parley sees it;
    # the server stays fine.
    err = await _refused(api.msg.SendMessage(_big_send(b, 8 * 1024 * 1024), metadata=bearer(ta)))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    ok = await api.msg.SendMessage(_big_send(b, 10), metadata=bearer(ta))
    assert ok.ack.seq >= 1


async def test_frame_size_limit_follows_the_setting(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_LIMITS__MAX_FRAME_BYTES"] = str(8 * 1024)
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    try:
        await api.login_admin()
        (_, ta), (b, _) = await _user(api), await _user(api)
        err = await _refused(api.msg.SendMessage(_big_send(b, 9 * 1024), metadata=bearer(ta)))
        assert error_reason(err) == "ERROR_REASON_FRAME_TOO_LARGE"
        ok = await api.msg.SendMessage(_big_send(b, 7 * 1024), metadata=bearer(ta))
        assert ok.ack.seq == 1
    finally:
        await api.close()


@pytest.mark.parametrize("page_token", [str(2**63), "9" * 100])
async def test_page_token_past_any_offset_is_malformed_not_internal(
    api: Api, page_token: str
) -> None:
    _, token = await _user(api)
    for call in (
        api.users.SearchUsers(
            user_pb2.SearchUsersRequest(keyword="u", page={"page_token": page_token}),  # type: ignore[arg-type]
            metadata=bearer(token),
        ),
        api.msg.SearchMessages(
            msg_pb2.SearchMessagesRequest(keyword="u", page={"page_token": page_token}),  # type: ignore[arg-type]
            metadata=bearer(token),
        ),
    ):
        err = await _refused(call)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
        assert error_reason(err) == "ERROR_REASON_INVALID_ARGUMENT"

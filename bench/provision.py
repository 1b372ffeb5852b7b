"""Setting a server up for a scenario over its public API: admin token, users,
user tokens, groups."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from typing import Any

import grpc

from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc

PLATFORM = common_pb2.Platform.PLATFORM_IOS
REGISTER_BATCH = 1000  # the server's limit per RegisterUsers call
INVITE_BATCH = 500
Metadata = tuple[tuple[str, str], ...]


class GroupsUnavailable(Exception):
    """The server answers UNIMPLEMENTED for groups."""


def bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


def channel_options(local_pool: bool = True) -> list[tuple[str, Any]]:
    """Client channel options. A local subchannel pool gives every channel its
    own TCP connection (by default channels to one target share one)."""
    opts: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", 16 * 1024 * 1024),
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_permit_without_calls", 1),
    ]
    if local_pool:
        opts.append(("grpc.use_local_subchannel_pool", 1))
    return opts


def user_ids(count: int, tag: str | None = None) -> list[str]:
    """Fresh user ids; the random tag keeps runs against one external server apart."""
    tag = tag or secrets.token_hex(3)
    return [f"b{tag}-{i}" for i in range(count)]


async def admin_token(address: str, secret: str) -> str:
    async with grpc.aio.insecure_channel(address) as ch:
        stub = auth_pb2_grpc.AuthServiceStub(ch)
        resp = await stub.GetAdminToken(auth_pb2.GetAdminTokenRequest(secret=secret), timeout=30)
        return str(resp.token)


async def register_users(
    address: str, admin: str, ids: Sequence[str], concurrency: int = 2
) -> None:
    """RegisterUsers in batches of 1000 (a few in flight; SQLite writes serialize anyway)."""
    async with grpc.aio.insecure_channel(address) as ch:
        stub = user_pb2_grpc.UserServiceStub(ch)
        sem = asyncio.Semaphore(concurrency)

        async def one(batch: Sequence[str]) -> None:
            async with sem:
                await stub.RegisterUsers(
                    user_pb2.RegisterUsersRequest(
                        users=[user_pb2.UserInfo(user_id=u, nickname=u) for u in batch]
                    ),
                    metadata=bearer(admin),
                    timeout=120,
                )

        await asyncio.gather(
            *(one(ids[i : i + REGISTER_BATCH]) for i in range(0, len(ids), REGISTER_BATCH))
        )


async def issue_tokens(
    address: str | Sequence[str],
    admin: str,
    ids: Sequence[str],
    concurrency: int = 128,
    channels: int = 2,
) -> dict[str, str]:
    """IssueUserToken for every user, `concurrency` calls in flight over a few
    channels (spread over the addresses when given several gateways)."""
    addresses = [address] if isinstance(address, str) else list(address)
    chans = [
        grpc.aio.insecure_channel(addresses[k % len(addresses)], options=channel_options())
        for k in range(max(channels, len(addresses)))
    ]
    stubs = [auth_pb2_grpc.AuthServiceStub(c) for c in chans]
    md = bearer(admin)
    out: dict[str, str] = {}
    queue = list(reversed(ids))

    async def runner(k: int) -> None:
        stub = stubs[k % len(stubs)]
        while queue:
            uid = queue.pop()
            resp = await stub.IssueUserToken(
                auth_pb2.IssueUserTokenRequest(user_id=uid, platform=PLATFORM),
                metadata=md,
                timeout=120,
            )
            out[uid] = resp.token

    try:
        await asyncio.gather(*(runner(k) for k in range(min(concurrency, len(ids)) or 1)))
    finally:
        for c in chans:
            await c.close()
    return out


async def create_group(
    address: str, owner_token: str, members: Sequence[str], name: str = "bench"
) -> str:
    """CreateGroup as the owner with the first members, InviteMembers for the
    rest (in batches, in case the server caps one call). Raises
    GroupsUnavailable when the server has no groups yet."""
    async with grpc.aio.insecure_channel(address) as ch:
        stub = group_pb2_grpc.GroupServiceStub(ch)
        md = bearer(owner_token)
        first, rest = list(members[:INVITE_BATCH]), list(members[INVITE_BATCH:])
        try:
            resp = await stub.CreateGroup(
                group_pb2.CreateGroupRequest(
                    name=name,
                    member_user_ids=first,
                    join_policy=group_pb2.JoinPolicy.JOIN_POLICY_FREE,
                ),
                metadata=md,
                timeout=120,
            )
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise GroupsUnavailable(e.details() or "UNIMPLEMENTED") from e
            raise
        group_id = str(resp.group.group_id)
        for i in range(0, len(rest), INVITE_BATCH):
            await stub.InviteMembers(
                group_pb2.InviteMembersRequest(
                    group_id=group_id, user_ids=rest[i : i + INVITE_BATCH]
                ),
                metadata=md,
                timeout=120,
            )
        return group_id

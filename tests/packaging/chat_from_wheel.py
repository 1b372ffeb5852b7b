"""Run by tests/packaging/test_dist.py with the python of a fresh virtualenv holding only the
parley-proto and parley-sdk wheels: two users chat through the installed SDK.

    python -I chat_from_wheel.py ADDRESS ADMIN_SECRET WORKDIR

Prints one JSON line: where the packages were imported from and what Bob received.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

import grpc

import parley_sdk
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2
from parley.user.v1 import user_pb2, user_pb2_grpc
from parley_sdk import ChatMessage, ParleyClient, ParleyListener

TIMEOUT_S = 15.0
LINUX = common_pb2.Platform.PLATFORM_LINUX


class Inbox(ParleyListener):
    def __init__(self) -> None:
        self.messages: asyncio.Queue[ChatMessage] = asyncio.Queue()

    async def on_new_message(self, message: ChatMessage) -> None:
        await self.messages.put(message)


async def provision(address: str, secret: str, users: list[str]) -> dict[str, str]:
    """What an app server does with the admin secret: register users, issue their tokens."""
    async with grpc.aio.insecure_channel(address) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        admin = await auth.GetAdminToken(auth_pb2.GetAdminTokenRequest(secret=secret))
        meta = (("authorization", f"Bearer {admin.token}"),)
        await user_pb2_grpc.UserServiceStub(channel).RegisterUsers(
            user_pb2.RegisterUsersRequest(users=[user_pb2.UserInfo(user_id=u) for u in users]),
            metadata=meta,
        )
        tokens = {}
        for u in users:
            issued = await auth.IssueUserToken(
                auth_pb2.IssueUserTokenRequest(user_id=u, platform=LINUX), metadata=meta
            )
            tokens[u] = issued.token
        return tokens


async def chat(address: str, secret: str, workdir: Path) -> dict[str, object]:
    alice, bob = (f"{name}-{uuid.uuid4().hex[:8]}" for name in ("alice", "bob"))
    tokens = await provision(address, secret, [alice, bob])
    inbox = Inbox()
    async with (
        ParleyClient(address, tokens[alice], LINUX, "a1", db_path=workdir / "a.db") as a,
        ParleyClient(
            address, tokens[bob], LINUX, "b1", db_path=workdir / "b.db", listener=inbox
        ) as b,
    ):
        await asyncio.gather(a.wait_connected(TIMEOUT_S), b.wait_connected(TIMEOUT_S))
        sent = await a.send_text(a.conversation_with(bob), "hello from a wheel")
        got = await asyncio.wait_for(inbox.messages.get(), TIMEOUT_S)
    return {
        "sdk_file": parley_sdk.__file__,
        "proto_file": auth_pb2.__file__,
        "sdk_version": parley_sdk.__version__,
        "sys_path": sys.path,
        "sent_status": sent.send_status.name,
        "sent_seq": sent.seq,
        "received": {"sender": got.sender_id, "text": got.text, "seq": got.seq},
        "alice": alice,
    }


def main() -> None:
    address, secret, workdir = sys.argv[1:4]
    print(json.dumps(asyncio.run(chat(address, secret, Path(workdir)))))


if __name__ == "__main__":
    main()

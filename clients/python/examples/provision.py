"""Registers users and issues them tokens, the way an app server would.

    python clients/python/examples/provision.py --secret-file data/admin_secret alice bob

prints one `export <USER>_TOKEN=...` line per user (eval it in a shell).
Users that already exist are kept. Needs the admin secret of the server.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

import grpc

from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2
from parley.user.v1 import user_pb2, user_pb2_grpc
from parley_sdk import parse_platform


async def provision(
    address: str, secret: str, users: list[str], platform: int, ttl: int
) -> dict[str, str]:
    async with grpc.aio.insecure_channel(address) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        admin = (await auth.GetAdminToken(auth_pb2.GetAdminTokenRequest(secret=secret))).token
        meta = (("authorization", f"Bearer {admin}"),)
        users_stub = user_pb2_grpc.UserServiceStub(channel)
        for user in users:
            try:
                await users_stub.RegisterUsers(
                    user_pb2.RegisterUsersRequest(
                        users=[user_pb2.UserInfo(user_id=user, nickname=user)]
                    ),
                    metadata=meta,
                )
            except grpc.aio.AioRpcError as e:
                if e.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise
        tokens = {}
        for user in users:
            resp = await auth.IssueUserToken(
                auth_pb2.IssueUserTokenRequest(user_id=user, platform=platform, ttl_seconds=ttl),  # type: ignore[arg-type]
                metadata=meta,
            )
            tokens[user] = resp.token
        return tokens


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("users", nargs="+", help="user ids to register (letters, digits, . @ -)")
    p.add_argument("--address", default="127.0.0.1:50051")
    p.add_argument("--secret", default="", help="the admin secret")
    p.add_argument("--secret-file", default="data/admin_secret", help="file holding it")
    p.add_argument("--platform", default="linux", help="platform of the tokens (default linux)")
    p.add_argument("--ttl", type=int, default=0, help="token lifetime in seconds (0: default)")
    args = p.parse_args()
    secret = args.secret or Path(args.secret_file).read_text().strip()
    platform = parse_platform(args.platform)
    if platform in (common_pb2.Platform.PLATFORM_UNSPECIFIED, common_pb2.Platform.PLATFORM_ADMIN):
        sys.exit("choose a device platform")
    tokens = asyncio.run(provision(args.address, secret, args.users, platform, args.ttl))
    for user, token in tokens.items():
        name = re.sub(r"[^A-Za-z0-9]", "_", user).upper()
        print(f"export {name}_TOKEN={token}")


if __name__ == "__main__":
    main()

"""Round trips of the two Python client stacks against one Parley server.

    python -m bench.python_flavors [--calls N]

grpcio (gen/python, the SDK's stack) and grpclib with betterproto (gen/python-betterproto),
one after the other against the same `parley serve` (started here, as the other scenarios
do), on asyncio's default loop for both. Two measures, N sequential calls each after a warm-up:
a unary `UserService.GetUsers` and a `PingFrame` -> `PongFrame` on one `GatewayService.Connect`
stream. Prints per stack the median and p99 round trip and the client CPU per call (this
process's CPU time over the calls): what the client stack itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import betterproto
import grpc
from grpclib.client import Channel
from grpclib.const import Cardinality

from bench.server import LocalServer
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc
from parley_betterproto.common import v1 as bp_common
from parley_betterproto.gateway import v1 as bp_gateway
from parley_betterproto.user import v1 as bp_user

WARMUP = 200
USER = "flavors-bench"


async def _measure(calls: int, once: Callable[[], Awaitable[object]]) -> dict[str, float]:
    for _ in range(WARMUP):
        await once()
    samples = []
    cpu0 = time.process_time()
    for _ in range(calls):
        t0 = time.perf_counter()
        await once()
        samples.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    samples.sort()
    return {
        "median_us": statistics.median(samples) * 1e6,
        "p99_us": samples[int(len(samples) * 0.99) - 1] * 1e6,
        "cpu_us_per_call": cpu / calls * 1e6,
    }


async def _provision(address: str, secret: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        admin = await auth.GetAdminToken(auth_pb2.GetAdminTokenRequest(secret=secret))
        meta = (("authorization", f"Bearer {admin.token}"),)
        await user_pb2_grpc.UserServiceStub(channel).RegisterUsers(
            user_pb2.RegisterUsersRequest(users=[user_pb2.UserInfo(user_id=USER)]), metadata=meta
        )
        issued = await auth.IssueUserToken(
            auth_pb2.IssueUserTokenRequest(
                user_id=USER, platform=common_pb2.Platform.PLATFORM_LINUX
            ),
            metadata=meta,
        )
        token: str = issued.token
        return token


async def _grpcio(address: str, token: str, calls: int) -> dict[str, dict[str, float]]:
    meta = (("authorization", f"Bearer {token}"),)
    async with grpc.aio.insecure_channel(address) as channel:
        users = user_pb2_grpc.UserServiceStub(channel)
        request = user_pb2.GetUsersRequest(user_ids=[USER])
        unary = await _measure(calls, lambda: users.GetUsers(request, metadata=meta))

        # No request iterator: frames are written in step with the reads (call.write), as
        # grpclib's send_message below.
        call = gateway_pb2_grpc.GatewayServiceStub(channel).Connect()
        auth = gateway_pb2.ClientFrame(request_id="auth")
        auth.auth.token = token
        auth.auth.platform = common_pb2.Platform.PLATFORM_LINUX
        auth.auth.device_id = "grpcio"
        await call.write(auth)
        await call.read()  # the session frame
        ping = gateway_pb2.ClientFrame(request_id="p", ping=gateway_pb2.PingFrame())

        async def round_trip() -> object:
            await call.write(ping)
            return await call.read()

        stream = await _measure(calls, round_trip)
        call.cancel()
    return {"unary": unary, "stream": stream}


async def _grpclib(address: str, token: str, calls: int) -> dict[str, dict[str, float]]:
    host, port = address.rsplit(":", 1)
    channel = Channel(host, int(port))
    try:
        meta = {"authorization": f"Bearer {token}"}
        users = bp_user.UserServiceStub(channel, metadata=meta)
        request = bp_user.GetUsersRequest(user_ids=[USER])
        unary = await _measure(calls, lambda: users.get_users(request))

        stub = bp_gateway.GatewayServiceStub(channel)
        # The grpclib stream under the generated async-iterator method, so that each ping's
        # pong is read in step, as with grpcio's call.read().
        async with stub.channel.request(
            "/parley.gateway.v1.GatewayService/Connect",
            Cardinality.STREAM_STREAM,
            bp_gateway.ClientFrame,
            bp_gateway.ServerFrame,
        ) as stream_call:
            await stream_call.send_message(
                bp_gateway.ClientFrame(
                    request_id="auth",
                    auth=bp_gateway.AuthFrame(
                        token=token, platform=bp_common.Platform.LINUX, device_id="grpclib"
                    ),
                )
            )
            await stream_call.recv_message()  # the session frame
            ping = bp_gateway.ClientFrame(request_id="p", ping=bp_gateway.PingFrame())

            async def round_trip() -> object:
                await stream_call.send_message(ping)
                pong = await stream_call.recv_message()
                assert pong is not None and betterproto.which_one_of(pong, "body")[0] == "pong"
                return pong

            stream = await _measure(calls, round_trip)
            await stream_call.cancel()
    finally:
        channel.close()
    return {"unary": unary, "stream": stream}


async def _run(calls: int) -> None:
    server = LocalServer()
    target = server.start()
    try:
        token = await _provision(target.address, target.admin_secret)
        results = {
            "grpcio": await _grpcio(target.address, token, calls),
            "grpclib+betterproto": await _grpclib(target.address, token, calls),
        }
    finally:
        server.stop()
        server.cleanup()
    print(f"{calls} sequential calls each, after {WARMUP} warm-up calls")
    print(f"{'stack':<22}{'call':<8}{'median µs':>11}{'p99 µs':>10}{'client CPU µs/call':>20}")
    for stack, by_kind in results.items():
        for kind, r in by_kind.items():
            print(
                f"{stack:<22}{kind:<8}{r['median_us']:>11.0f}{r['p99_us']:>10.0f}"
                f"{r['cpu_us_per_call']:>20.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    asyncio.run(_run(parser.parse_args().calls))


if __name__ == "__main__":
    main()

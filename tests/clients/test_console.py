"""The operator console (clients/console) end to end in Debian's Chromium,
served by a real `parley serve` at web.console_path: sign in, the dashboard
with the test's traffic (streams by platform too), block a user (their stream closes), find a
group, mute a member (whose send is then refused), transfer its owner, dismiss another group (a
connected member sees both), revoke a message
(a connected client sees it revoked), send a system notification (a client
receives it), the node's health, sign out; then a session that expires
returns to sign-in. axe-core checks every page; screenshots of each page are
kept in .artifacts/console/ (`make console` builds what is served)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.ids import single_conversation_id
from parley.msg.v1 import msg_pb2, notification_pb2
from tests.api.social import group_message, next_event
from tests.api.test_admin import device, expect, text_message
from tests.harness import Api, ServerProcess, bearer, new_user_id
from tests.web.client import web_url
from tests.web.conftest import WEB_ENV

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "clients" / "console"
SHOTS = ROOT / ".artifacts" / "console"
# Long enough for the walk through the pages, short enough to see the console expire it.
TOKEN_TTL_SECONDS = 40


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    if not (CONSOLE / "dist" / "index.html").is_file():
        pytest.fail("the console is not built: run `make console`")
    if not (CONSOLE / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail("clients/console has no node_modules: run `make console`")
    if shutil.which("chromium") is None:
        pytest.fail("chromium is not installed: scripts/test-deps.sh installs Debian's")
    env = {
        **WEB_ENV,
        "PARLEY_WEB__CONSOLE_PATH": "/console",
        "PARLEY_WEB__CONSOLE_DIR": str(CONSOLE / "dist"),
        "PARLEY_AUTH__ADMIN_TOKEN_TTL_SECONDS": str(TOKEN_TTL_SECONDS),
    }
    proc = ServerProcess(data_dir=tmp_path_factory.mktemp("console") / "data", env=env)
    proc.start()
    yield proc
    proc.stop()


async def drive(config: dict[str, object]) -> dict[str, object]:
    node = shutil.which("node")
    assert node is not None, "node is required"
    proc = await asyncio.create_subprocess_exec(
        node,
        "test/console.e2e.mjs",
        cwd=CONSOLE,
        env={**os.environ, "CONSOLE_E2E": json.dumps(config)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 240)
    assert proc.returncode == 0, f"console.e2e.mjs failed:\n{out.decode()}\n{err.decode()}"
    seen: dict[str, object] = json.loads(out.decode().strip().splitlines()[-1])
    return seen


async def test_an_operator_runs_the_console(console_server: ServerProcess) -> None:
    api = Api(console_server.address, console_server.admin_secret)
    await api.login_admin()
    alice, bob, spammer = new_user_id("alice"), new_user_id("bob"), new_user_id("spam")
    carol = new_user_id("carol")
    await api.register(alice, bob, spammer, carol)
    as_alice = bearer(await api.token(alice))
    as_carol = bearer(await api.token(carol))
    seqs = [
        (await api.msg.SendMessage(text_message(bob, f"hi {i}"), metadata=as_alice)).ack.seq
        for i in range(3)
    ]
    groups = group_pb2_grpc.GroupServiceStub(api.channel)
    group = await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name="Night shift", member_user_ids=[bob, carol]),
        metadata=as_alice,
    )
    gid = group.group.group_id
    doomed_name = f"Day shift {new_user_id('d')}"
    doomed = await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name=doomed_name, member_user_ids=[bob]), metadata=as_alice
    )
    bob_dev = await device(api, bob)
    spam_dev = await device(api, spammer)
    try:
        seen = await drive(
            {
                "url": f"{web_url(console_server)}/console/",
                "secret": console_server.admin_secret,
                "blockUser": spammer,
                "pair": [alice, bob],
                "revokeSeq": seqs[1],
                "notifyUser": bob,
                "group": gid,
                "muteUser": carol,
                "newOwner": bob,
                "dismissPrefix": doomed_name,
                "shots": str(SHOTS),
                "tokenTtlSeconds": TOKEN_TTL_SECONDS,
            }
        )
        figures = seen["figures"]
        assert isinstance(figures, dict)
        assert int(figures["Messages in range"]) >= 3
        assert int(figures["Registered users"]) >= 3
        assert int(figures["Open streams"]) >= 2
        assert seen["devicesBeforeBlock"] == 1
        assert "1 stream(s) closed" in str(seen["blockStatus"])
        by_platform = seen["byPlatform"]
        assert isinstance(by_platform, dict)
        assert int(by_platform["Ios"]) >= 2
        assert seen["group"] == ["Night shift", gid, alice, "3", "Active"]
        assert seen["roles"] == {bob: "Owner", alice: "Admin", carol: "Member"}
        pages = (
            "signin",
            "dashboard",
            "users",
            "groups",
            "group-dismissed",
            "moderation",
            "notifications",
            "health",
        )
        assert seen["violations"] == {page: [] for page in (*pages, "signed-out")}
        health = seen["health"]
        assert isinstance(health, dict)
        assert health["Mode"] == "embedded"
        assert health["Version"] == (ROOT / "VERSION").read_text().strip()
        assert str(health["Health check"]).startswith("SERVING")
        # The token was never in localStorage, sessionStorage or a cookie.
        assert seen["storage"] == 0

        # What the clients saw of it.
        assert await spam_dev.wait_closed() is not None
        await expect(
            api.msg.SendMessage(
                msg_pb2.SendMessageRequest(message=group_message(gid, "let me talk")),
                metadata=as_carol,
            ),
            grpc.StatusCode.PERMISSION_DENIED,
            "ERROR_REASON_MUTED",
        )
        moved = await next_event(bob_dev, "owner_transferred")
        assert moved.notification.owner_transferred.new_owner_user_id == bob
        assert moved.notification.op_as == notification_pb2.MESSAGE_ACTOR_ADMIN
        owned = await groups.GetGroups(
            group_pb2.GetGroupsRequest(group_ids=[gid]), metadata=as_alice
        )
        assert owned.groups[0].owner_user_id == bob
        gone = await next_event(bob_dev, "group_dismissed")
        assert gone.notification.group_dismissed.group_id == doomed.group.group_id
        assert gone.notification.op_as == notification_pb2.MESSAGE_ACTOR_ADMIN
        revoked = await next_event(bob_dev, "message_revoked")
        assert revoked.conversation_id == single_conversation_id(alice, bob)
        assert revoked.notification.message_revoked.seq == seqs[1]
        notice = await next_event(bob_dev, "system_notice")
        assert notice.notification.system_notice.text == "Down at 02:00 UTC for ten minutes."
        await api.login_admin()  # the test's own admin token expired too
        await expect(  # blocked: no new tokens either
            api.token(spammer), grpc.StatusCode.PERMISSION_DENIED, "ERROR_REASON_USER_BLOCKED"
        )
        for page in pages:
            assert (SHOTS / f"{page}.png").stat().st_size > 10_000
    finally:
        await bob_dev.close()
        await spam_dev.close()
        await api.close()

"""`parley-chat` driven as two people would, in two terminals: log in, open
a chat, send, see the message arrive with the unread count, read it, see the
read receipt and the typing indicator live, quit. Runs in tmux when it is
installed, and always on a plain pseudo-terminal too."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.common.v1 import common_pb2
from parley_sdk import ParleyClient
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import (
    FAST,
    Account,
    accounts,
    assert_matches_server,
    eventually_async,
    open_client,
    token_for,
)
from tests.sdk.terminals import (
    Terminals,
    available_drivers,
    make_terminals,
    normalize,
    wait_exit,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]
P = common_pb2.Platform


@pytest.fixture(params=available_drivers())
def terminals(request: pytest.FixtureRequest) -> Iterator[Terminals]:
    term = make_terminals(request.param)
    yield term
    term.close()


def chat_command(
    address: str, token: str, device: str, db: Path
) -> tuple[list[str], dict[str, str]]:
    argv = [
        sys.executable,
        "-m",
        "parley_sdk.chat",
        "--address",
        address,
        "--platform",
        "ios",
        "--device-id",
        device,
        "--db",
        str(db),
    ]
    path = os.pathsep.join(
        [str(REPO / "clients" / "python"), str(REPO), os.environ.get("PYTHONPATH", "")]
    )
    env = {
        "PARLEY_TOKEN": token,
        "PYTHONPATH": path,
        "LANG": "C.UTF-8",
    }
    return argv, env


async def open_chats(
    term: Terminals, server: ServerProcess, tmp_path: Path, alice: Account, bob: Account
) -> None:
    """parley-chat for alice and bob, each in a terminal of its own, connected."""
    for name, acc in (("alice", alice), ("bob", bob)):
        argv, env = chat_command(server.address, acc.token, f"{name}-term", tmp_path / f"{name}.db")
        term.start(name, argv, env)
    await wait_for(term, "alice", f"[connected as {alice.user_id}]")
    await wait_for(term, "bob", f"[connected as {bob.user_id}]")


async def test_two_people_chat_in_terminals(
    server: ServerProcess, api: Api, tmp_path: Path, terminals: Terminals
) -> None:
    alice, bob = await accounts(api, 2, "tui")
    a, b = alice.user_id, bob.user_id
    term = terminals
    await open_chats(term, server, tmp_path, alice, bob)
    await wait_for(term, "bob", "no conversations yet")

    # Alice opens a chat with Bob and writes.
    term.type("alice", f"/open {b}")
    await wait_for(term, "alice", f"--- chat with {b} ---")
    term.type("alice", "hello from alice")
    await wait_for(term, "alice", "me: hello from alice")
    await wait_for(term, "alice", "[sent #1]")

    # Bob sees it arrive, with the unread count, and lists his conversations.
    await wait_for(term, "bob", f"[new] {a}: hello from alice (1 unread)")
    await wait_for(term, "bob", f"[connected] {b} | unread 1")
    term.type("bob", "/list")
    await wait_for(term, "bob", f"1. {a} (1 unread)  hello from alice")

    # Bob opens it (history, then read): Alice gets the read receipt.
    term.type("bob", "/open 1")
    await wait_for(term, "bob", f"{a}: hello from alice")
    await wait_for(term, "alice", f"[{b} read up to #1]")
    await wait_for(term, "bob", f"[connected] {b} | unread 0 | chat: {a}")

    # Bob types: Alice sees him typing, then the message; Bob sees it read.
    term.type("bob", "typing a reply", enter=False)
    await wait_for(term, "alice", f"{b} is typing...")
    term.type("bob", "")
    await wait_for(term, "alice", f"{b}: typing a reply")
    await wait_for(term, "bob", "[sent #2]")
    await wait_for(term, "bob", f"[{a} read up to #2]")

    # Local search and history in the terminal.
    term.type("alice", "/search reply")
    await wait_for(term, "alice", "1 found:")

    term.type("alice", "/quit")
    term.type("bob", "/quit")
    await wait_exit(term, "alice")
    await wait_exit(term, "bob")

    # What the terminal client stored equals the server's view.
    async with ParleyClient(
        server.address,
        alice.token,
        "ios",
        "alice-term",
        db_path=tmp_path / "alice.db",
        network=FAST,
    ) as check:
        await check.wait_synced(10)
        assert [m.text for m in await check.get_history(check.conversation_with(b))] == [
            "hello from alice",
            "typing a reply",
        ]
        await assert_matches_server(api, check, alice)


async def test_groups_and_unknown_users_in_a_terminal(
    server: ServerProcess, api: Api, tmp_path: Path, terminals: Terminals
) -> None:
    """What `/list` shows can be opened, names (not ids) label `[new]` lines,
    a user who does not exist is refused without leaving a conversation
    behind, and a kick is announced once."""
    bob, carol = await accounts(api, 2, "tuig")
    b, c = bob.user_id, carol.user_id
    term = terminals
    argv, env = chat_command(server.address, bob.token, "bob-term", tmp_path / "bob.db")
    term.start("bob", argv, env)
    await wait_for(term, "bob", f"[connected as {b}]")
    await wait_for(term, "bob", "no conversations yet")

    # An unknown user cannot be opened, and nothing is kept for them.
    term.type("bob", "/open nobody-at-all")
    await wait_for(term, "bob", "[no user nobody-at-all]")
    term.type("bob", "hello?")
    await wait_for(term, "bob", "open a conversation first")

    async with open_client(server.address, carol, tmp_path, "sdk") as owner:
        await owner.wait_synced(10)
        group = await owner.groups.create("Launch", [b])
        gid, cid = group.group_id, group.conversation_id
        await owner.send_text(cid, "countdown")
        # The group is named in the new-message lines, never by its id.
        await wait_for(term, "bob", f"[new] {c} in #Launch: countdown")

        # The name `/list` shows opens the group itself.
        term.type("bob", "/list")
        await wait_for(term, "bob", "#Launch (")
        term.type("bob", "/open #Launch")
        await wait_for(term, "bob", "--- chat with #Launch ---")
        term.type("bob", "ready")
        await wait_for(term, "bob", "me: ready")
        await eventually_async(
            lambda: _has_text(owner, cid, "ready"), what="bob's message in the group"
        )

        # Removed from the group: the notice shows once.
        await owner.groups.kick(gid, [b])
        await wait_for(term, "bob", f"{c} removed {b}")

    # Logged out by a login on another device: one notice, saying why.
    other = Account(b, await token_for(api, b, P.PLATFORM_IOS))
    async with open_client(server.address, other, tmp_path, "phone") as phone:
        await phone.wait_synced(10)
        await wait_for(term, "bob", "[logged out by the server: ERROR_REASON_KICKED")
    await asyncio.sleep(1.0)
    lines = term.screen("bob").splitlines()
    assert sum(f"{c} removed {b}" in line for line in lines) == 1, lines
    notices = [line for line in map(normalize, lines) if "[kicked:" in line or "[loggedout" in line]
    assert len(notices) == 1, notices

    term.type("bob", "/quit")
    await wait_exit(term, "bob")
    # (The terminal's token was logged out: the check uses the newer one.)
    async with ParleyClient(
        server.address, other.token, "ios", "bob-term", db_path=tmp_path / "bob.db", network=FAST
    ) as check:
        await check.wait_synced(10)
        kept = [conv.conversation_id for conv in await check.get_conversations()]
        assert [k for k in kept if k.startswith("si_")] == [], kept
        assert cid in kept


async def _has_text(client: ParleyClient, cid: str, text: str) -> bool:
    return text in [m.text for m in await client.get_history(cid)]


async def test_a_file_sent_and_saved_in_terminals(
    server: ServerProcess, api: Api, tmp_path: Path, terminals: Terminals
) -> None:
    alice, bob = await accounts(api, 2, "tuf")
    a, b = alice.user_id, bob.user_id
    term = terminals
    await open_chats(term, server, tmp_path, alice, bob)
    src = tmp_path / "minutes.txt"
    src.write_bytes(b"minutes of the meeting\n" * 2000)
    term.type("alice", f"/open {b}")
    await wait_for(term, "alice", f"--- chat with {b} ---")
    term.type("alice", f"/send-file {src}")
    await wait_for(term, "alice", "[minutes.txt: 100%]")
    await wait_for(term, "alice", "[sent #1]")
    await wait_for(term, "bob", f"[new] {a}: [File] minutes.txt")
    term.type("bob", f"/open {a}")
    await wait_for(term, "bob", f"--- chat with {a} ---")
    dest = tmp_path / "saved.txt"
    term.type("bob", f"/save 1 {dest}")
    await wait_for(term, "bob", f"[saved {dest} ({src.stat().st_size} bytes)]")
    assert dest.read_bytes() == src.read_bytes()
    term.type("alice", "/quit")
    term.type("bob", "/quit")
    await wait_exit(term, "alice")
    await wait_exit(term, "bob")

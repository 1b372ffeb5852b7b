"""`parley-chat` driven as two people would, in two terminals: log in, open
a chat, send, see the message arrive with the unread count, read it, see the
read receipt and the typing indicator live, quit. Runs in tmux when it is
installed, and always on a plain pseudo-terminal too."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley_sdk import ParleyClient
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import FAST, accounts, assert_matches_server
from tests.sdk.terminals import (
    Terminals,
    available_drivers,
    make_terminals,
    wait_exit,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]


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


async def test_two_people_chat_in_terminals(
    server: ServerProcess, api: Api, tmp_path: Path, terminals: Terminals
) -> None:
    alice, bob = await accounts(api, 2, "tui")
    a, b = alice.user_id, bob.user_id
    term = terminals
    for name, acc in (("alice", alice), ("bob", bob)):
        argv, env = chat_command(server.address, acc.token, f"{name}-term", tmp_path / f"{name}.db")
        term.start(name, argv, env)
    await wait_for(term, "alice", f"[connected as {a}]")
    await wait_for(term, "bob", f"[connected as {b}]")
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
    await wait_for(term, "bob", "[sent #3]")
    await wait_for(term, "bob", f"[{a} read up to #3]")

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

"""The SDK and `parley-chat` over TLS, trusting the development certificate
of `parley dev-cert` with a CA file (NetworkOptions.ca_file, --ca-file)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from parley_sdk import ConnectionState, SendStatus
from tests.api.test_tls import make_certs, tls_env, trust
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import FAST, Recorder, accounts, eventually, open_client
from tests.sdk.terminals import Terminals, available_drivers, make_terminals, wait_exit, wait_for
from tests.sdk.test_chat_tui import chat_command


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    base = tmp_path_factory.mktemp("tls-sdk")
    certs = make_certs(base / "tls")
    proc = ServerProcess(data_dir=base / "data", env=tls_env(certs))
    proc.start()
    yield proc, certs / "cert.pem"
    proc.stop()


@pytest.fixture
async def tls_api(tls_server: tuple[ServerProcess, Path]) -> AsyncIterator[Api]:
    proc, ca = tls_server
    api = Api(proc.address, proc.admin_secret, trust(ca))
    await api.login_admin()
    yield api
    await api.close()


async def test_sdk_clients_message_over_tls(
    tls_server: tuple[ServerProcess, Path], tls_api: Api, tmp_path: Path
) -> None:
    proc, ca = tls_server
    a, b = await accounts(tls_api, 2, "tls")
    network = dataclasses.replace(FAST, ca_file=str(ca))
    rb = Recorder()
    ca_client = open_client(proc.address, a, tmp_path, "a", network=network)
    cb_client = open_client(proc.address, b, tmp_path, "b", recorder=rb, network=network)
    async with ca_client, cb_client:
        await ca_client.wait_synced(10)
        await cb_client.wait_synced(10)
        sent = await ca_client.send_text(ca_client.conversation_with(b.user_id), "over TLS")
        assert sent.send_status == SendStatus.SENT and sent.seq == 1
        await eventually(lambda: [m.text for m in rb.new] == ["over TLS"], what="the push")
    # Cleartext to the TLS port never gets a session.
    plain = Recorder()
    client = open_client(proc.address, a, tmp_path, "plain", recorder=plain)
    await client.open()
    try:
        await eventually(
            lambda: ConnectionState.DISCONNECTED in plain.states, what="a failed connect"
        )
        assert ConnectionState.CONNECTED not in plain.states
    finally:
        await client.close()


@pytest.fixture(params=available_drivers())
def terminals(request: pytest.FixtureRequest) -> Iterator[Terminals]:
    term = make_terminals(request.param)
    yield term
    term.close()


async def test_parley_chat_connects_with_a_ca_file(
    tls_server: tuple[ServerProcess, Path], tls_api: Api, tmp_path: Path, terminals: Terminals
) -> None:
    proc, ca = tls_server
    (alice,) = await accounts(tls_api, 1, "tls-tui")
    argv, env = chat_command(proc.address, alice.token, "alice-tls", tmp_path / "alice.db")
    terminals.start("alice", [*argv, "--ca-file", str(ca)], env)
    await wait_for(terminals, "alice", f"{proc.address} (store {tmp_path / 'alice.db'}, TLS)")
    await wait_for(terminals, "alice", f"[connected as {alice.user_id}]")
    terminals.type("alice", "/quit")
    await wait_exit(terminals, "alice")

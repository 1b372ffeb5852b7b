"""End-to-end tests of the Kotlin clients (clients/kotlin) against the test server.

Runs one Maven reactor, `mvn -B -q -T 2 verify`, over the four modules: `jvm` (protobuf-java)
and `lite` (protobuf-javalite) each generate the messages and stubs from protos/ into
clients/kotlin/<module>/target and compile them with the shared client layer (the two kotlinc runs
of generated code, the bulk of the time, run side by side), then run the shared JUnit 5 tests (chat,
heartbeats, error reasons, forced logout, forced disconnects and recovery, and TLS against a
second server with a `parley dev-cert` certificate, trusting its CA file). `sdk` and `sdk-lite`
compile only the SDK's sources on the compiled clients and run the SDK's tests: the store's unit
tests, the shared conformance scenarios (tests/conformance, PARLEY_CONFORMANCE_DIR) and a file
upload cut in the middle, resumed, sent and downloaded; `sdk` also runs the sync property test
(jqwik), which starts its own `parley serve` (PARLEY_TEST_PYTHON, PARLEY_TEST_DATA_DIR) to restart
and kill it among the clients' actions. The others run against the `server` fixture
(tests/conftest.py), passed as PARLEY_TEST_ADDR / PARLEY_TEST_ADMIN_SECRET. The first run
downloads protoc, the codegen plugins and the libraries into ~/.m2.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.common.v1 import common_pb2
from tests.api.test_tls import make_certs, tls_env
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import accounts
from tests.sdk.terminals import TmuxTerminals, wait_exit, wait_for
from tests.sdk.test_chat_tui import chat_command

ROOT = Path(__file__).resolve().parents[2]
POM = ROOT / "clients" / "kotlin" / "pom.xml"
CONFORMANCE = ROOT / "tests" / "conformance"
# 1010 s were seen for the jvm + sdk build at load 20.
MVN_TIMEOUT_S = 1500
TAIL_LINES = 150


@pytest.fixture
def tls_twin(server: Any, tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    """A second `parley serve` with a `parley dev-cert` certificate (same admin secret) and the
    PEM file a client trusts for it."""
    certs = make_certs(tmp_path / "tls")
    proc = ServerProcess(
        data_dir=tmp_path / "tls-data", admin_secret=server.admin_secret, env=tls_env(certs)
    )
    proc.start()
    yield proc, certs / "cert.pem"
    proc.stop()


def _env(server: Any, tls: tuple[ServerProcess, Path], data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PARLEY_TEST_ADDR"] = server.address
    env["PARLEY_TEST_ADMIN_SECRET"] = server.admin_secret
    env["PARLEY_TEST_TLS_ADDR"] = tls[0].address
    env["PARLEY_TEST_TLS_CA"] = str(tls[1])
    env["PARLEY_CONFORMANCE_DIR"] = str(CONFORMANCE)
    # The property test's own server: this interpreter has Parley installed.
    env["PARLEY_TEST_PYTHON"] = sys.executable
    env["PARLEY_TEST_DATA_DIR"] = str(data_dir)
    return env


async def _run(args: list[str], env: dict[str, str]) -> tuple[int | None, str]:
    """Runs a command; returns (exit code or None on timeout, combined output)."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group: a timeout ends the forked test JVM too
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), MVN_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = await proc.communicate()
        return None, out.decode(errors="replace")
    return proc.returncode, out.decode(errors="replace")


def _tail(output: str) -> str:
    return "\n".join(output.splitlines()[-TAIL_LINES:])


# Async so that the event loop keeps running while Maven runs, should the server
# fixture ever serve from this process's (session-scoped) loop.
@pytest.mark.timeout(MVN_TIMEOUT_S + 60)
async def test_kotlin_clients_e2e(
    server: Any, tls_twin: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        pytest.fail("mvn is not on PATH: the Kotlin client test needs Maven 3.8+ and JDK 17")
    # One reactor, two threads: jvm and lite compile side by side, then sdk and sdk-lite.
    args = [mvn, "-B", "-q", "-T", "2", "-f", str(POM), "verify"]
    code, output = await _run(args, _env(server, tls_twin, tmp_path / "own-server"))
    if code != 0:
        status = f"timed out after {MVN_TIMEOUT_S} s" if code is None else f"exited {code}"
        pytest.fail(
            f"mvn verify of clients/kotlin {status}; last output:\n{_tail(output)}", pytrace=False
        )
    print(_tail(output))


SDK_TARGET = ROOT / "clients" / "kotlin" / "sdk" / "target"
JVM_START_S = 60.0


def jvm_chat_command(address: str, device: str, db: Path) -> list[str]:
    """The SDK's example chat (dev.parley.sdk.example), as test_kotlin_clients_e2e built it."""
    classpath = SDK_TARGET / "classpath.txt"
    jars = [
        j for j in SDK_TARGET.glob("parley-kotlin-sdk-*.jar") if not j.name.endswith("-tests.jar")
    ]
    java = shutil.which("java")
    if not classpath.exists() or not jars or java is None:
        pytest.fail(
            f"no built SDK in {SDK_TARGET} (or no java): test_kotlin_clients_e2e builds it first",
            pytrace=False,
        )
    cp = os.pathsep.join([str(jars[0]), classpath.read_text().strip()])
    main = "dev.parley.sdk.example.ChatKt"
    args = ["--address", address, "--platform", "android", "--device-id", device, "--db", str(db)]
    return [java, "-cp", cp, main, *args]


@pytest.fixture
def tmux() -> Iterator[TmuxTerminals]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (scripts/test-deps.sh installs it)")
    term = TmuxTerminals()
    yield term
    term.close()


async def test_kotlin_example_chats_with_parley_chat(
    server: ServerProcess, api: Api, tmp_path: Path, tmux: TmuxTerminals
) -> None:
    alice, bob = await accounts(api, 2, "jvm")
    bob_token = await api.token(bob.user_id, common_pb2.PLATFORM_ANDROID)
    a, b = alice.user_id, bob.user_id
    argv, env = chat_command(server.address, alice.token, "alice-term", tmp_path / "alice.db")
    tmux.start("alice", argv, env)
    jvm = jvm_chat_command(server.address, "bob-jvm", tmp_path / "bob.db")
    tmux.start("bob", jvm, {"PARLEY_TOKEN": bob_token, "LANG": "C.UTF-8"})
    await wait_for(tmux, "alice", f"[connected as {a}]")
    await wait_for(tmux, "bob", f"[connected as {b}]", timeout=JVM_START_S)

    tmux.type("alice", f"/open {b}")
    await wait_for(tmux, "alice", f"--- chat with {b} ---")
    tmux.type("alice", "hello from python")
    await wait_for(tmux, "alice", "[sent #1]")
    await wait_for(tmux, "bob", f"{a}: hello from python")

    tmux.type("bob", f"/open {a}")
    await wait_for(tmux, "bob", f"--- chat with {a} ---")
    tmux.type("bob", "hello from kotlin")
    await wait_for(tmux, "bob", "me: hello from kotlin")
    # Its seq follows the events (receipts) stored since: no exact number.
    await wait_for(tmux, "bob", "[sent #")
    await wait_for(tmux, "alice", f"{b}: hello from kotlin")
    await wait_for(tmux, "bob", f"[{a} read up to #")

    tmux.type("bob", "/history")
    await wait_for(tmux, "bob", f"#1 {a}: hello from python")
    tmux.type("alice", "/quit")
    tmux.type("bob", "/quit")
    await wait_exit(tmux, "alice")
    await wait_exit(tmux, "bob")

"""End-to-end tests of the Kotlin clients (clients/kotlin) against the test server.

Runs `mvn -B -q verify` twice at once: `jvm` (protobuf-java) with `sdk` on top of it in one
reactor, and `lite` (protobuf-javalite) (each compiles its own generated code: in parallel the
suite waits for the slower one, not for both). Each generates the messages and stubs from protos/
into clients/kotlin/<module>/target, compiles them with the shared client layer and runs the
shared JUnit 5 tests (chat, heartbeats, error reasons, forced logout, forced disconnects and
recovery); `sdk` then runs the SDK's tests: the store's unit tests, the shared conformance
scenarios (tests/conformance, PARLEY_CONFORMANCE_DIR) and the sync property test (jqwik). All
run against the `server` fixture (tests/conftest.py), passed as PARLEY_TEST_ADDR /
PARLEY_TEST_ADMIN_SECRET. The first run downloads protoc, the codegen plugins and the
libraries into ~/.m2.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.common.v1 import common_pb2
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import accounts
from tests.sdk.terminals import TmuxTerminals, wait_exit, wait_for
from tests.sdk.test_chat_tui import chat_command

ROOT = Path(__file__).resolve().parents[2]
POM = ROOT / "clients" / "kotlin" / "pom.xml"
#: The module lists of the two Maven runs (-pl): the SDK builds in the jvm run's reactor.
MODULES = ("jvm,sdk", "lite")
CONFORMANCE = ROOT / "tests" / "conformance"
# The jvm run builds and tests the SDK after the client layer: 1010 s were seen at load 20.
MVN_TIMEOUT_S = 1500
TAIL_LINES = 150


def _env(server: Any) -> dict[str, str]:
    env = dict(os.environ)
    env["PARLEY_TEST_ADDR"] = server.address
    env["PARLEY_TEST_ADMIN_SECRET"] = server.admin_secret
    env["PARLEY_CONFORMANCE_DIR"] = str(CONFORMANCE)
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
async def test_kotlin_clients_e2e(server: Any) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        pytest.fail("mvn is not on PATH: the Kotlin client test needs Maven 3.8+ and JDK 17")
    runs = [[mvn, "-B", "-q", "-f", str(POM), "-pl", module, "-am", "verify"] for module in MODULES]
    results = await asyncio.gather(*(_run(args, _env(server)) for args in runs))
    failures = []
    for module, (code, output) in zip(MODULES, results, strict=True):
        if code != 0:
            status = f"timed out after {MVN_TIMEOUT_S} s" if code is None else f"exited {code}"
            failures.append(
                f"mvn verify of clients/kotlin/{{{module}}} {status}; last output:\n{_tail(output)}"
            )
        else:
            print(f"--- {module}\n{_tail(output)}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


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

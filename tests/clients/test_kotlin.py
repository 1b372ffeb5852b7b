"""End-to-end tests of the Kotlin clients (clients/kotlin) against the test server.

Runs `mvn -B -q verify` for each module, `jvm` (protobuf-java) and `lite` (protobuf-javalite),
as two Maven processes at once (each compiles its own generated code: in parallel the suite
waits for the slower one, not for both). Each generates the messages and stubs from protos/
into clients/kotlin/<module>/target, compiles them with the shared client layer and runs the
shared JUnit 5 tests (chat, heartbeats, error reasons, forced logout, forced disconnects and
recovery) against the `server` fixture (tests/conftest.py), passed as PARLEY_TEST_ADDR /
PARLEY_TEST_ADMIN_SECRET. The first run downloads protoc, the codegen plugins and the
libraries into ~/.m2.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
POM = ROOT / "clients" / "kotlin" / "pom.xml"
MODULES = ("jvm", "lite")
MVN_TIMEOUT_S = 1200
TAIL_LINES = 150


def _env(server: Any) -> dict[str, str]:
    env = dict(os.environ)
    env["PARLEY_TEST_ADDR"] = server.address
    env["PARLEY_TEST_ADMIN_SECRET"] = server.admin_secret
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
                f"mvn verify of clients/kotlin/{module} {status}; last output:\n{_tail(output)}"
            )
        else:
            print(f"--- {module}\n{_tail(output)}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)

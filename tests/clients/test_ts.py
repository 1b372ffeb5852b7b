"""End-to-end test of the TypeScript client (clients/ts) against the test server.

Runs `npm ci` (when clients/ts/node_modules is missing) and `npm test`, which
generates the code from protos/, compiles it and runs the node:test suite in
clients/ts/src/test against the `server` fixture (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS_DIR = ROOT / "clients" / "ts"
STEP_TIMEOUT_S = 600
TAIL_LINES = 120


def _env(server: Any) -> dict[str, str]:
    env = dict(os.environ)
    env["PARLEY_TEST_ADDR"] = server.address
    env["PARLEY_TEST_ADMIN_SECRET"] = server.admin_secret
    env.setdefault("CI", "true")  # npm: no progress bars or update checks
    env["NO_UPDATE_NOTIFIER"] = "1"
    # `npm run gen` needs buf (PyPI buf-bin): it sits next to this interpreter.
    if shutil.which("buf", path=env.get("PATH")) is None:
        env["PATH"] = f"{env.get('PATH', '')}{os.pathsep}{Path(sys.executable).parent}"
    return env


async def _run(args: list[str], env: dict[str, str]) -> tuple[int | None, str]:
    """Runs a command in clients/ts; returns (exit code or None on timeout, output)."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=TS_DIR,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), STEP_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        return None, out.decode(errors="replace")
    return proc.returncode, out.decode(errors="replace")


def _tail(output: str) -> str:
    return "\n".join(output.splitlines()[-TAIL_LINES:])


def _check(what: str, code: int | None, output: str) -> None:
    if code != 0:
        status = f"timed out after {STEP_TIMEOUT_S} s" if code is None else f"exited {code}"
        pytest.fail(f"{what} in clients/ts {status}; last output:\n{_tail(output)}", pytrace=False)


# Async so that the event loop keeps running while npm runs: the server fixture
# may serve from this process's (session-scoped) loop.
@pytest.mark.timeout(2 * STEP_TIMEOUT_S + 60)
async def test_ts_client_e2e(server: Any) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: the TypeScript client test needs Node.js 20+ and npm")
    env = _env(server)
    if not (TS_DIR / "node_modules").is_dir():
        _check("npm ci", *await _run([npm, "ci", "--no-audit", "--no-fund"], env))
    code, output = await _run([npm, "test"], env)
    _check("npm test", code, output)
    print(_tail(output))

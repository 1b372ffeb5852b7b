"""The release artifacts of `make dist` and their one version number.

`test_sdk_wheel_chats_in_a_fresh_virtualenv` does what a Python app developer does with
dist/python: builds the parley-proto and parley-sdk wheels as `make dist` does (from their
sdists), installs them into a new virtualenv (no editable install, no repository on sys.path)
and runs tests/packaging/chat_from_wheel.py there, which chats through the `server` fixture.
The npm tarball is installed and run by tests/clients/test_ts.py; the Maven artifacts are
built by tests/clients/test_kotlin.py (too slow to build twice).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import version

ROOT = Path(__file__).resolve().parents[2]
CHAT = Path(__file__).with_name("chat_from_wheel.py")
STEP_TIMEOUT_S = 120


def test_every_manifest_carries_the_version() -> None:
    assert version.check() == []


def test_check_catches_a_drifted_manifest_and_stamp_fixes_it(tmp_path: Path) -> None:
    for rel in {"VERSION", *(place.path for place in version.PLACES)}:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    package_json = tmp_path / "clients/ts/package.json"
    current = version.read_version(tmp_path)
    package_json.write_text(
        package_json.read_text().replace(f'"version": "{current}"', '"version": "9.9.9"', 1)
    )
    assert version.check(tmp_path) == [f"clients/ts/package.json: 9.9.9 (VERSION is {current})"]

    (tmp_path / "VERSION").write_text("2.3.4\n")
    assert version.stamp(tmp_path)
    assert version.check(tmp_path) == []
    assert '"version": "2.3.4"' in package_json.read_text()
    pom = (tmp_path / "clients/kotlin/lite/pom.xml").read_text()
    assert "<version>2.3.4</version>" in pom


def _uv() -> str:
    local = ROOT / ".uv" / "bin" / "uv"
    found = str(local) if local.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv is not installed: run `make install`")
    return found


async def _step(what: str, *args: str | Path, cwd: Path = ROOT) -> str:
    """Runs a command that must succeed; returns its stdout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = await asyncio.create_subprocess_exec(
        *map(str, args),
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), STEP_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.communicate()
        pytest.fail(f"{what} timed out after {STEP_TIMEOUT_S} s", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"{what} exited {proc.returncode}:\n{out.decode()}{err.decode()}", pytrace=False
        )
    return out.decode()


# Async so that the event loop keeps running while the builds run, should the server
# fixture ever serve from this process's (session-scoped) loop.
async def test_sdk_wheel_chats_in_a_fresh_virtualenv(server: Any, tmp_path: Path) -> None:
    uv = _uv()
    wheels = tmp_path / "wheels"
    build = ("build", "-q", "--no-build-isolation", "--python", sys.executable, "-o", wheels)
    await asyncio.gather(
        _step("uv build gen/python", uv, *build, ROOT / "gen" / "python"),
        _step("uv build clients/python", uv, *build, ROOT / "clients" / "python"),
    )
    built = sorted(p.name for p in wheels.glob("*.whl"))
    release = version.read_version()
    assert built == [
        f"parley_proto-{release}-py3-none-any.whl",
        f"parley_sdk-{release}-py3-none-any.whl",
    ]

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    await _step("uv venv", uv, "venv", "-q", "--python", sys.executable, venv)
    # The dependencies at the versions the server is tested with (requirements*.txt pins).
    await _step(
        "uv pip install the wheels",
        uv, "pip", "install", "-q", "--python", python,
        "-c", ROOT / "requirements-tools.txt",
        *sorted(wheels.glob("*.whl")),
    )  # fmt: skip

    workdir = tmp_path / "chat"
    workdir.mkdir()
    # -I: no PYTHONPATH, no user site, not even the script's folder on sys.path.
    out = await _step(
        "the chat", python, "-I", CHAT, server.address, server.admin_secret, workdir, cwd=workdir
    )
    result = json.loads(out.splitlines()[-1])

    site = str(venv)
    assert result["sdk_file"].startswith(site), result["sdk_file"]
    assert result["proto_file"].startswith(site), result["proto_file"]
    assert not [p for p in result["sys_path"] if p.startswith(str(ROOT))], result["sys_path"]
    assert result["sdk_version"] == release
    assert result["sent_status"] == "SENT"
    assert result["received"] == {
        "sender": result["alice"],
        "text": "hello from a wheel",
        "seq": result["sent_seq"],
    }

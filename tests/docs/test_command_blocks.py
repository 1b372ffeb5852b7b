"""The docs' commands work when pasted in order. Every `sh` block of README.md
and docs/*.md carries a marker on the line before its fence:

    <!-- run: <session> -->      run by this test, in page order, in one shell
                                 per session (variables carry from block to block)
    <!-- not run: <reason> -->   cannot run here (it blocks, installs, or needs
                                 real hosts); the reason is said

A session runs against a fresh `parley serve` from a temporary directory whose
`data/` is the server's (as after `make run`), with `.venv/bin` on PATH and the
docs' address 127.0.0.1:50051 replaced by the server's. A block that fails
fails the test with its page and line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
DOCS_ADDRESS = "127.0.0.1:50051"
SHELLS = {"sh", "bash", "shell"}
# A session's whole run, its background jobs included: about 15 s on an idle
# machine (each `parley admin` is a Python start), four times that under load.
SESSION_TIMEOUT = 120.0

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w-]*)")
_MARKER = re.compile(r"^<!--\s*(run|not run):\s*(.*?)\s*-->$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence
    code: str
    marker: str | None  # "run" or "not run", None when missing
    arg: str  # the session, or the reason

    def where(self, root: Path = ROOT) -> str:
        return f"{self.page.relative_to(root)}:{self.line}"


def pages(root: Path) -> list[Path]:
    return [p for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))] if p.is_file()]


def shell_blocks(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2), i
        i += 1
        body: list[str] = []
        while i < len(lines) and not (
            lines[i].startswith(fence[0] * len(fence)) and not lines[i].strip(fence[0]).strip()
        ):
            body.append(lines[i])
            i += 1
        i += 1
        if info not in SHELLS:
            continue
        prev = next((ln.strip() for ln in reversed(lines[:start]) if ln.strip()), "")
        mk = _MARKER.match(prev)
        out.append(
            Block(
                page,
                start + 1,
                "\n".join(body) + "\n",
                mk.group(1) if mk else None,
                mk.group(2) if mk else "",
            )
        )
    return out


def all_blocks(root: Path) -> list[Block]:
    return [b for p in pages(root) for b in shell_blocks(p)]


def unmarked(root: Path) -> list[str]:
    return [
        f"{b.where(root)}: a `sh` block needs <!-- run: <session> --> or <!-- not run: <reason> -->"
        for b in all_blocks(root)
        if b.marker is None or not b.arg
    ]


def sessions(root: Path) -> dict[str, list[Block]]:
    out: dict[str, list[Block]] = {}
    for b in all_blocks(root):
        if b.marker == "run":
            out.setdefault(b.arg, []).append(b)
    return out


def script(blocks: list[Block], address: str, root: Path = ROOT) -> str:
    """One bash script: each block announced (so a failure names it), then run."""
    parts = ["set -euo pipefail"]
    for b in blocks:
        parts.append(f'echo ">>> block {b.where(root)} at ${{SECONDS}}s" >&2')
        parts.append(b.code.replace(DOCS_ADDRESS, address))
    return "\n".join(parts) + "\n"


def run_session(blocks: list[Block], cwd: Path, address: str, root: Path = ROOT) -> tuple[int, str]:
    """Runs the session's blocks in order; (exit status, output). Background
    jobs the blocks leave are ended with the session's process group."""
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PARLEY_ADDRESS": address,
    }
    out_path = cwd / "session.out"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            ["bash", "-c", script(blocks, address, root)],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            rc = proc.wait(SESSION_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = -1
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return rc, out_path.read_text(errors="replace")


def failure(rc: int, output: str) -> str:
    started = re.findall(r"^>>> block (\S+) at", output, re.M)
    where = started[-1] if started else "before the first block"
    what = "timed out" if rc == -1 else f"exited {rc}"
    return f"{what} in the block at {where}:\n{output[-4000:]}"


def test_every_shell_block_is_marked() -> None:
    assert all_blocks(ROOT), "no `sh` blocks found"
    assert unmarked(ROOT) == []


@pytest.mark.parametrize("session", sorted(sessions(ROOT)))
def test_the_docs_commands_run_in_order(session: str, tmp_path: Path) -> None:
    # No secret given: the server generates data/admin_secret, as under `make run`.
    server = ServerProcess(data_dir=tmp_path / "data", env={"PARLEY_ADMIN_SECRET": ""})
    server.start()
    try:
        rc, output = run_session(sessions(ROOT)[session], tmp_path, server.address)
    finally:
        server.stop()
    assert rc == 0, failure(rc, output)


# The checker itself, on pages of its own.


def _page(tmp_path: Path, text: str) -> Path:
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "README.md").write_text(text)
    return tmp_path


def test_an_unmarked_or_reasonless_block_is_reported(tmp_path: Path) -> None:
    root = _page(
        tmp_path,
        "# T\n\n```sh\necho a\n```\n\n<!-- not run: -->\n```sh\necho b\n```\n\n"
        "<!-- run: s -->\n```sh\necho c\n```\n\n```python\nprint()\n```\n",
    )
    assert [line.split(":")[1] for line in unmarked(root)] == ["3", "8"]


def test_a_failing_block_fails_the_session_and_is_named(tmp_path: Path) -> None:
    root = _page(
        tmp_path,
        "<!-- run: s -->\n```sh\nX=1\n```\n\n<!-- run: s -->\n```sh\n"
        'test "$X" = 1\nfalse\necho never\n```\n',
    )
    rc, output = run_session(sessions(root)["s"], tmp_path, "127.0.0.1:1", root)
    assert rc != 0
    assert "never" not in output
    assert "in the block at README.md:7" in failure(rc, output)

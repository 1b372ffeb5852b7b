"""Sampling the server under load with py-spy (`--profile`): a collapsed-stack
file per phase in bench/results/, and a summary of where the time goes."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.config import Options
from bench.flamegraph import flamegraph_svg
from bench.progress import note
from bench.server import Target


@dataclass
class Recording:
    proc: subprocess.Popen[bytes]
    path: Path
    label: str


@dataclass
class ProfileSummary:
    samples: int
    self_top: list[tuple[str, float]]
    inclusive_top: list[tuple[str, float]]
    # Each sample charged to the innermost server function on its stack (the
    # library code it called included); samples without one by where they are.
    by_server_function: list[tuple[str, float]] = field(default_factory=list)
    main_thread_pct: float = 0.0

    def text(self, n: int = 25) -> str:
        lines = [
            f"{self.samples} samples; main thread (event loop) {self.main_thread_pct:.1f}%, "
            f"other threads (SQLite connections, gRPC poller) {100 - self.main_thread_pct:.1f}%",
            "",
            "by innermost server function (library code it calls included, %):",
        ]
        lines += [f"  {pct:5.1f}  {fn}" for fn, pct in self.by_server_function[:n]]
        lines += ["", "self time (on-CPU, %):"]
        lines += [f"  {pct:5.1f}  {fn}" for fn, pct in self.self_top[:n]]
        lines += ["", "inclusive time (%):"]
        lines += [f"  {pct:5.1f}  {fn}" for fn, pct in self.inclusive_top[:n]]
        return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")


class Profiler:
    def __init__(self, opts: Options, target: Target, scenario: str) -> None:
        self.enabled = opts.profile and target.pid is not None
        self.native = opts.profile_native
        self.pid = target.pid
        self.dir = opts.results_dir
        self.scenario = scenario
        self.mode = opts.mode
        self.summaries: dict[str, ProfileSummary] = {}
        if self.enabled and shutil.which("py-spy") is None:
            note("  --profile: py-spy not found (pip install py-spy); not profiling")
            self.enabled = False

    def start(self, label: str, seconds: float) -> Recording | None:
        if not self.enabled or self.pid is None:
            return None
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"profile-{self.scenario}-{_slug(label)}-{self.mode}.txt"
        cmd = [
            "py-spy",
            "record",
            "--pid",
            str(self.pid),
            "--duration",
            str(max(1, int(seconds))),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(path),
        ]
        # Native stacks need the target paused while sampled; Python-only
        # sampling does not (less disturbance).
        cmd.append("--native" if self.native else "--nonblocking")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return Recording(proc, path, label)

    async def finish(self, rec: Recording) -> ProfileSummary | None:
        try:
            _, err = await asyncio.to_thread(rec.proc.communicate, None, 60)
        except subprocess.TimeoutExpired:
            rec.proc.kill()
            return None
        if rec.proc.returncode != 0 or not rec.path.exists():
            note(f"  py-spy failed: {err.decode(errors='replace')[-300:]}")
            return None
        raw = rec.path.read_text()
        summary = summarize(raw)
        self.summaries[rec.label] = summary
        rec.path.with_suffix(".summary.txt").write_text(summary.text(40) + "\n")
        title = f"parley server: {self.scenario} / {rec.label} ({self.mode})"
        rec.path.with_suffix(".svg").write_text(flamegraph_svg(raw, title))
        return summary


_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frame_name(frame: str) -> str:
    """`fn (path/to/module.py:12)` -> `fn (module.py)`; shortens paths."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("/server/parley/", "/site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('fn')} ({path})"


SERVER_ROOT = Path(__file__).resolve().parent.parent / "server" / "parley"


def _server_files() -> set[str]:
    """Relative paths of the server's modules, and every suffix of them
    (py-spy shortens paths relative to sys.path entries)."""
    out: set[str] = set()
    for path in SERVER_ROOT.rglob("*.py"):
        parts = path.relative_to(SERVER_ROOT).parts
        for i in range(len(parts)):
            out.add("/".join(parts[i:]))
    out -= {"__main__.py", "main.py", "cli/main.py", "__init__.py"}
    return out


def _is_server(frame: str, files: set[str]) -> bool:
    m = _FRAME.match(frame)
    return m is not None and m.group("file") in files


def summarize(raw: str) -> ProfileSummary:
    """Self and inclusive sample shares per function from py-spy's raw
    (collapsed-stack) output: `frame;frame;frame count` per line."""
    self_c: Counter[str] = Counter()
    incl_c: Counter[str] = Counter()
    owner_c: Counter[str] = Counter()
    files = _server_files()
    main = 0
    total = 0
    for line in raw.splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = [_frame_name(f) for f in stack.split(";")]
        if frames and frames[0].startswith("process "):
            frames = frames[1:]
        if frames and frames[0].startswith("thread "):
            frames = frames[1:]
        if not frames:
            continue
        total += count
        self_c[frames[-1]] += count
        for f in set(frames):
            incl_c[f] += count
        in_thread = frames[0].startswith("Thread._bootstrap")
        if not in_thread:
            main += count
        owner = next((f for f in reversed(frames) if _is_server(f, files)), None)
        if owner is None:
            if in_thread:
                owner = "[other threads: SQLite connection threads, gRPC poller]"
            elif frames[0].startswith(("Connection.", "Engine.", "greenlet")):
                # SQLAlchemy runs statements in a greenlet: its stack has no
                # server frames; it is the ORM/Core work of a DB call.
                owner = "[SQLAlchemy statement execution (greenlet)]"
            elif frames[0].startswith("_run_module_as_main"):
                owner = f"[event loop, outside server code: {frames[-1]}]"
            else:
                owner = f"[unattributed: {frames[0]}]"
        owner_c[owner] += count
    if total == 0:
        return ProfileSummary(0, [], [])

    def top(c: Counter[str]) -> list[tuple[str, float]]:
        return [(fn, 100.0 * n / total) for fn, n in c.most_common(60)]

    return ProfileSummary(total, top(self_c), top(incl_c), top(owner_c), 100.0 * main / total)

"""The server under test: a `parley serve` subprocess of our own (one per
scenario, fresh data directory), or an external server given by address."""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Limits raised so that the benchmark measures throughput, not the abuse guards.
LOAD_ENV: dict[str, str] = {
    "PARLEY_LIMITS__SEND_RATE_PER_SECOND": "100000",
    "PARLEY_LIMITS__SEND_BURST": "100000",
    "PARLEY_LIMITS__SEND_QUEUE_FRAMES": "8192",
    "PARLEY_LIMITS__AUTH_TIMEOUT_SECONDS": "60",
    "PARLEY_LIMITS__IDLE_TIMEOUT_SECONDS": "600",
    "PARLEY_LIMITS__HEARTBEAT_INTERVAL_SECONDS": "120",
    "PARLEY_LOG_LEVEL": "WARNING",
}

_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
BENCH_ROOT = Path(__file__).resolve().parent.parent
# Servers not cleaned up yet: stopped and removed at exit whatever happens
# (they run in their own session, so a signal to the benchmark misses them).
_RUNNING: set[LocalServer] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        server.stop(timeout=5.0)
        server.cleanup()


@dataclass
class Target:
    """Where the load goes. `pid` is known for servers we started (and may be
    given for external ones on this machine) to read memory and CPU. A local
    cluster has several gateways (`addresses`; `address` is the first) and
    several processes (`processes`, name -> pid; `pid` is the first gateway's,
    the one `--profile` samples): memory and CPU are summed over them."""

    address: str
    admin_secret: str
    pid: int | None = None
    external: bool = False
    addresses: list[str] = field(default_factory=list)
    processes: dict[str, int] = field(default_factory=dict)
    # What the report's mode column says, e.g. "cluster 2gw+2wk".
    label: str | None = None
    # Command names of the engines' processes (cluster), whose CPU is
    # reported apart from the rest of the host.
    engine_comms: tuple[str, ...] = ()

    def gateway_addresses(self) -> list[str]:
        return list(self.addresses) or [self.address]

    def server_pids(self) -> dict[str, int]:
        """Every server process, by name."""
        if self.processes:
            return dict(self.processes)
        return {"server": self.pid} if self.pid else {}


def read_rss_kb(pid: int) -> int | None:
    """VmRSS of a process, in KiB (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def read_rss_kb_sum(pids: Iterable[int]) -> int | None:
    """VmRSS of several processes together (None if none of them is there)."""
    values = [v for v in (read_rss_kb(p) for p in pids) if v is not None]
    return sum(values) if values else None


def read_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # The command name may hold spaces; fields resume after its closing paren.
    fields = text[text.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def export_server(rev: str, repo: Path) -> Path:
    """`git archive` of the server sources at `rev` into a temporary
    directory, so a fixed revision can be measured while the work tree moves.
    The generated contract of `rev` comes along: an older server checks at
    start that it serves every method of the contract it imports, so it
    cannot run on the tree's newer one."""
    dest = Path(tempfile.mkdtemp(prefix=f"parley-server-{rev[:12]}-"))
    paths = ["server"]
    if (
        subprocess.run(
            ["git", "cat-file", "-e", f"{rev}:gen/python"], cwd=repo, capture_output=True
        ).returncode
        == 0
    ):
        paths.append("gen/python")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, *paths],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "server"


def pin(pid: int, cpus: frozenset[int] | None) -> None:
    """Confines a just-started server to `cpus` (its threads, started later,
    inherit the mask)."""
    if cpus:
        os.sched_setaffinity(pid, cpus)


def with_source(env: dict[str, str], source: Path | None) -> dict[str, str]:
    """Puts `source` (a directory holding the `parley` package, see
    export_server) first on the server's PYTHONPATH."""
    if source is not None:
        contract = source.parent / "gen" / "python"
        first = [str(source)] + ([str(contract)] if contract.is_dir() else [])
        env["PYTHONPATH"] = os.pathsep.join(x for x in (*first, env.get("PYTHONPATH", "")) if x)
    return env


@dataclass(eq=False)
class LocalServer:
    """`python -m parley serve --listen 127.0.0.1:0` in a temporary data
    directory; `source` (a directory holding the `parley` package) replaces
    the installed server code; `database` (a SQLite file, see bench.grown)
    is copied in as the server's database."""

    env: dict[str, str] = field(default_factory=dict)
    source: Path | None = None
    database: Path | None = None
    cpus: frozenset[int] | None = None
    admin_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    keep_data: bool = False
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    workdir: Path | None = None
    # Seconds from spawning the process to its listening line.
    start_s: float | None = None

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None
        return self.workdir / "server.log"

    def start(self, timeout: float = 60.0) -> Target:
        self.workdir = Path(tempfile.mkdtemp(prefix="parley-bench-"))
        data_dir = self.workdir / "data"
        if self.database is not None:
            data_dir.mkdir(parents=True)
            shutil.copyfile(self.database, data_dir / "parley.db")
        env = {
            **os.environ,
            **LOAD_ENV,
            **self.env,
            "PARLEY_ADMIN_SECRET": self.admin_secret,
        }
        with_source(env, self.source)
        t0 = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.argv(data_dir),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pin(self.proc.pid, self.cpus)
        _RUNNING.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.findall(self.log_path.read_text(errors="replace"))
            if found:
                self.port = int(found[-1])
                self.start_s = time.monotonic() - t0
                return Target(f"127.0.0.1:{self.port}", self.admin_secret, self.proc.pid)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"parley serve did not start:\n{tail}")

    def argv(self, data_dir: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "parley",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            str(data_dir),
        ]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 30) -> str:
        if self.workdir is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def log_text(self) -> str:
        if self.workdir is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def cleanup(self) -> None:
        _RUNNING.discard(self)
        if self.workdir is not None and not self.keep_data:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def stop(self, timeout: float = 20.0, keep_log: bool = False) -> int | None:
        """Stops the server; removes its directory unless `keep_log` (then
        call cleanup() when done with the log)."""
        rc: int | None = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
            self.proc = None
        if not keep_log:
            self.cleanup()
        return rc


@dataclass(eq=False)
class BareServer(LocalServer):
    """The transport ceiling's server (bench/bare.py): `mode` echo or fanout."""

    mode: str = "echo"

    def argv(self, data_dir: Path) -> list[str]:
        return [sys.executable, "-m", "bench.bare", self.mode, "--listen", "127.0.0.1:0"]

    def __post_init__(self) -> None:
        # bench.bare runs from the checkout, whatever the working directory.
        self.source = BENCH_ROOT

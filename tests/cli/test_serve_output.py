"""What `parley serve` prints on a first start with text logs: where the admin
secret is, where it listens, the next command to try (which works), and
nothing else (no library chatter)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_first_start_names_the_secret_and_a_next_step_that_works(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    data = tmp_path / "data"
    out_path = tmp_path / "serve.log"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parley", "serve", "--listen", "127.0.0.1:0"],
            env={**env, "PARLEY_DATA_DIR": str(data)},
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "next, in another terminal:" not in out_path.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, out_path.read_text()
            time.sleep(0.1)
        lines = out_path.read_text().splitlines()
        assert lines[0] == f"parley: admin secret created at {data / 'admin_secret'}"
        assert re.fullmatch(r"parley: listening on 127\.0\.0\.1:\d+ .*", lines[1]), lines
        assert len(lines) == 3, lines
        command = lines[2].split("next, in another terminal: ", 1)[1]
        stats = subprocess.run(
            shlex.split(command), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert stats.returncode == 0, stats
        assert "online" in stats.stdout.lower(), stats.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert out_path.read_text().splitlines()[3:] == ["parley: shutting down"]

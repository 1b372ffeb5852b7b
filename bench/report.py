"""Writing results: the terminal table, one JSON file per scenario and mode,
and PNG plots (latency over time; the rate-search curve)."""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.result import Row, ScenarioResult

REPO = Path(__file__).resolve().parent.parent


def git_rev(rev: str = "HEAD", work_tree: bool = True) -> str | None:
    """Short hash of `rev`; for the work tree with "-dirty" when tracked files changed."""
    try:
        short = subprocess.run(
            ["git", "rev-parse", "--short", rev],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        if not work_tree:
            return short
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return short + ("-dirty" if dirty else "")


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        mem_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "mem_gib": mem_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def meta(workers: int, short: bool, rev: str | None, target: str) -> dict[str, Any]:
    m = machine()
    return {
        "cpu_count": m.pop("cpu_count"),
        "git_rev": rev,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": m,
        "workers": workers,
        "short": short,
        "target": target,
    }


def write_json(
    res: ScenarioResult, meta_: dict[str, Any], results_dir: Path, suffix: str = ""
) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{res.scenario}-{res.mode}{suffix}.json"
    path.write_text(json.dumps(res.as_json(meta_), indent=2, sort_keys=False) + "\n")
    return path


# -- terminal table ---------------------------------------------------------------


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}"


def _i(v: int | None) -> str:
    return "-" if v is None else f"{v:,}"


def table(results: Sequence[ScenarioResult]) -> str:
    header = [
        "scenario",
        "mode",
        "target",
        "achieved",
        "p50 ms",
        "p99 ms",
        "max ms",
        "sent",
        "acked",
        "delivered",
        "lost",
        "dup",
        "notes",
    ]
    lines: list[list[str]] = []
    for res in results:
        rows: list[Row] = res.rows or [Row(label=res.scenario)]
        for row in rows:
            note = row.note
            if res.skipped is not None:
                note = res.skipped
            elif res.error is not None:
                note = f"error: {res.error.splitlines()[-1][:80]}"
            lines.append(
                [
                    row.label,
                    res.mode_label or res.mode,
                    row.target,
                    row.achieved,
                    _f(row.p50_ms),
                    _f(row.p99_ms),
                    _f(row.max_ms),
                    _i(row.sent),
                    _i(row.acked),
                    _i(row.delivered),
                    _i(row.lost),
                    _i(row.duplicated),
                    note,
                ]
            )
    widths = [
        max(len(h), *(len(r[i]) for r in lines)) if lines else len(h) for i, h in enumerate(header)
    ]
    right = {4, 5, 6, 7, 8, 9, 10, 11}

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths])]
    out += [fmt(r) for r in lines]
    return "\n".join(out)


# -- plots ------------------------------------------------------------------------


def plot(res: ScenarioResult, results_dir: Path) -> Path | None:
    """Latency over time (p50/p99 per second, and the delivery rate), plus the
    rate-search curve. None when there is nothing to plot or no matplotlib."""
    if not res.timelines and not res.curve:
        return None
    try:
        # By name: matplotlib is optional (bench/requirements.txt).
        matplotlib: Any = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        plt: Any = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        return None
    panels = len(res.timelines) + (1 if res.curve else 0)
    fig, axes = plt.subplots(panels, 1, figsize=(10, 3.6 * panels), squeeze=False)
    k = 0
    for label, s in res.timelines.items():
        ax = axes[k][0]
        k += 1
        ax.plot(s.t, [v if v is not None else float("nan") for v in s.p50], label="p50")
        ax.plot(s.t, [v if v is not None else float("nan") for v in s.p99], label="p99")
        ax.set_title(f"{label} ({res.mode}): latency over time")
        ax.set_xlabel("seconds since start")
        ax.set_ylabel("latency ms")
        ax.grid(True, alpha=0.3)
        ax2 = ax.twinx()
        ax2.plot(s.t, s.count, color="grey", alpha=0.4, linestyle="--", label="per second")
        ax2.set_ylabel("completed / s")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize="small")
    if res.curve:
        ax = axes[k][0]
        xs = [c["target_rate"] for c in res.curve]
        ax.plot(xs, [c["msgs_per_s"] for c in res.curve], marker="o", label="delivered msg/s")
        ax.plot(xs, xs, color="grey", alpha=0.4, linestyle=":", label="target")
        ax.set_xlabel("target msg/s")
        ax.set_ylabel("msg/s")
        ax.set_title(f"rate search ({res.mode})")
        ax.grid(True, alpha=0.3)
        ax2 = ax.twinx()
        ax2.plot(
            xs,
            [c["p99_ms"] if c["p99_ms"] is not None else float("nan") for c in res.curve],
            marker="s",
            color="tab:red",
            label="p99 ms",
        )
        limit = res.figures.get("p99_limit_ms")
        if limit:
            ax2.axhline(limit, color="tab:red", alpha=0.3, linestyle="--", label="p99 limit")
        ax2.set_ylabel("p99 ms")
        ax2.set_yscale("log")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize="small")
    fig.tight_layout()
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{res.scenario}-{res.mode}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_summary(
    summary: dict[str, Any], meta_: dict[str, Any], results_dir: Path, mode: str
) -> Path:
    """summary-<mode>.json: the headline figures of every revision and the
    transport ceilings of one run, side by side."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"summary-{mode}.json"
    path.write_text(json.dumps({**meta_, **summary}, indent=2) + "\n")
    return path

"""A scenario's outcome: the JSON figures, the terminal-table rows and the
series to plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.stats import PhaseStats, Series, UnaryStats

# Every results JSON has these keys (null where they do not apply).
REQUIRED_KEYS = (
    "scenario",
    "mode",
    "target_rate",
    "msgs_per_s",
    "deliveries_per_s",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "sent",
    "acked",
    "delivered",
    "lost",
    "duplicated",
    "server_rss_mb",
    "kb_per_stream",
    "cpu_count",
    "git_rev",
)


@dataclass
class Row:
    """One line of the terminal table."""

    label: str
    target: str = ""
    achieved: str = ""
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    sent: int | None = None
    acked: int | None = None
    delivered: int | None = None
    lost: int | None = None
    duplicated: int | None = None
    note: str = ""


@dataclass
class ScenarioResult:
    scenario: str
    mode: str
    figures: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None
    timelines: dict[str, Series] = field(default_factory=dict)
    curve: list[dict[str, Any]] = field(default_factory=list)
    # The mode column of the table when it says more than `mode` (which
    # names the files), e.g. "cluster 2gw+2wk".
    mode_label: str | None = None
    # The git revision of the server measured (None: the bare transport).
    server_rev: str | None = None

    def as_json(self, meta: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = dict.fromkeys(REQUIRED_KEYS)
        out.update(scenario=self.scenario, mode=self.mode)
        out.update(meta)
        out.update(self.figures)
        if self.server_rev is not None or self.scenario.startswith("ceiling"):
            out["server_rev"] = self.server_rev
        if self.mode_label is not None:
            out["mode_label"] = self.mode_label
        if self.skipped is not None:
            out["skipped"] = self.skipped
        if self.error is not None:
            out["error"] = self.error
        if self.timelines:
            out["timeseries"] = {k: v.as_json() for k, v in self.timelines.items()}
        if self.curve:
            out["curve"] = self.curve
        return out


def cpu_note(cpu: dict[str, Any]) -> str:
    """', CPU server 95% / loadgen 60% / other 30%' (percent of one core); for
    a cluster ', CPU 4 servers 150% (gw1 40, gw2 38, wk1 35, wk2 37) / loadgen
    60% / engines 80% / other 10%'."""
    by_process: dict[str, float] = cpu.get("server_cpu_by_process") or {}
    server = "server"
    if len(by_process) > 1:
        split = ", ".join(f"{name} {v:.0f}" for name, v in by_process.items())
        server = f"{len(by_process)} servers"
    parts = []
    for name, key in (
        (server, "server_cpu_pct"),
        ("loadgen", "loadgen_cpu_pct"),
        ("engines", "engines_cpu_pct"),
        ("other", "other_cpu_pct"),
    ):
        if cpu.get(key) is None:
            continue
        part = f"{name} {cpu[key]:.0f}%"
        if key == "server_cpu_pct" and len(by_process) > 1:
            part += f" ({split})"
        parts.append(part)
    return (", CPU " + " / ".join(parts)) if parts else ""


def phase_row(label: str, st: PhaseStats, group: bool = False, note: str = "") -> Row:
    rate = st.deliveries_per_s if group else st.msgs_per_s
    unit = "deliv/s" if group else "msg/s"
    return Row(
        label=label,
        target=f"{st.target_rate:,.0f} msg/s",
        achieved=f"{rate:,.0f} {unit}",
        p50_ms=st.p50_ms,
        p99_ms=st.p99_ms,
        max_ms=st.max_ms,
        sent=st.sent,
        acked=st.acked,
        delivered=st.delivered,
        lost=st.lost,
        duplicated=st.duplicated,
        note=note,
    )


def unary_row(label: str, st: UnaryStats, unit: str, note: str = "") -> Row:
    return Row(
        label=label,
        target=f"{st.calls:,} calls",
        achieved=f"{st.calls_per_s:,.0f} {unit}",
        p50_ms=st.p50_ms,
        p99_ms=st.p99_ms,
        max_ms=st.max_ms,
        note=note,
    )

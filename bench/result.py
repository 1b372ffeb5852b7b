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

    def as_json(self, meta: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = dict.fromkeys(REQUIRED_KEYS)
        out.update(scenario=self.scenario, mode=self.mode)
        out.update(meta)
        out.update(self.figures)
        if self.skipped is not None:
            out["skipped"] = self.skipped
        if self.error is not None:
            out["error"] = self.error
        if self.timelines:
            out["timeseries"] = {k: v.as_json() for k, v in self.timelines.items()}
        if self.curve:
            out["curve"] = self.curve
        return out


def cpu_note(cpu: dict[str, float | None]) -> str:
    """', CPU server 95% / loadgen 60% / other 30%' (percent of one core)."""
    parts = [
        f"{name} {cpu[key]:.0f}%"
        for name, key in (
            ("server", "server_cpu_pct"),
            ("loadgen", "loadgen_cpu_pct"),
            ("other", "other_cpu_pct"),
        )
        if cpu.get(key) is not None
    ]
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

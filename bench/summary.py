"""The headline figures of one run: per server revision the capacities (with
the fraction of the transport ceiling they reach), memory per idle stream and
the unary rates; the ceilings once. Written as summary-<mode>.json and
printed under the table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.result import ScenarioResult
from bench.scenarios.ceiling import BARE_MODE

CAPACITY_SCENARIOS = ("search", "group", "search-grown")
# Other processes on the host above this (percent of one core) during a
# capacity's step: the figure says more about the host than the server.
BUSY_PCT = 50.0


def _capacities(res: ScenarioResult) -> dict[str, Any]:
    ceiling = res.figures.get("transport_ceiling", {})
    out: dict[str, Any] = {}
    for key, cap in res.figures.get("capacities", {}).items():
        out[key] = {
            k: cap.get(k)
            for k in ("capacity", "rate", "failed_at", "p50_ms", "p99_ms", "gen_lag_p99_ms")
        }
        out[key]["server_cpu_pct"] = cap.get("server_cpu_pct")
        out[key]["other_cpu_pct"] = other = cap.get("other_cpu_pct")
        out[key]["host_busy"] = other is not None and other > BUSY_PCT
        frac = ceiling.get(key, {}).get("fraction") if isinstance(ceiling, dict) else None
        if frac is not None:
            out[key]["of_transport_ceiling"] = frac
    return out


def _headline(res: ScenarioResult) -> dict[str, Any]:
    f = res.figures
    if res.error:
        return {"error": res.error.strip().splitlines()[-1]}
    if res.skipped:
        return {"skipped": res.skipped}
    if res.scenario in CAPACITY_SCENARIOS or res.scenario in BARE_MODE:
        out: dict[str, Any] = {"unit": f.get("capacity_unit"), **_capacities(res)}
        if res.scenario == "search-grown":
            out["server_start_s"] = f.get("server_start_s")
            out["grown"] = f.get("grown")
            out["fresh"] = f.get("fresh")
        return out
    if res.scenario == "connections":
        return {k: f.get(k) for k in ("connections", "connected", "kb_per_stream")}
    if res.scenario == "subscribe":
        keys = ("kb_per_stream_by_transport", "push_p50_ms", "push_p99_ms", "target_rate")
        return {k: f.get(k) for k in keys}
    if res.scenario == "unary":
        return {
            "send_msgs_per_s": f.get("msgs_per_s"),
            "send_p99_ms": f.get("p99_ms"),
            "pulled_msgs_per_s": f.get("pulled_msgs_per_s"),
        }
    return {k: f.get(k) for k in ("target_rate", "msgs_per_s", "p50_ms", "p99_ms", "lost")}


def summarize(
    results: Sequence[ScenarioResult], revs: Sequence[str | None], run_s: float
) -> dict[str, Any]:
    revisions: dict[str, dict[str, Any]] = {str(r): {} for r in revs}
    ceilings: dict[str, Any] = {}
    for res in results:
        if res.scenario in BARE_MODE:
            ceilings[res.scenario] = _headline(res)
        else:
            revisions.setdefault(str(res.server_rev), {})[res.scenario] = _headline(res)
    return {
        "run_s": round(run_s, 1),
        "latency_from": "scheduled send time (open loop; the generator's lag counts)",
        "revisions": revisions,
        "transport_ceilings": ceilings,
    }


def summary_lines(results: Sequence[ScenarioResult]) -> list[str]:
    """One line per capacity: rate, p50/p99 and the fraction of the ceiling."""
    lines = []
    for res in results:
        caps = res.figures.get("capacities")
        if not caps or res.error:
            continue
        rev = f" @{res.server_rev}" if res.server_rev else " (bare grpc.aio)"
        unit = res.figures.get("capacity_unit", "")
        for key, cap in _capacities(res).items():
            if cap.get("capacity") is None:
                lines.append(f"{res.scenario}{rev} {key}: nothing sustainable")
                continue
            frac = cap.get("of_transport_ceiling")
            lines.append(
                f"{res.scenario}{rev} {key}: {cap['capacity']:,.0f} {unit} "
                f"(p50 {cap['p50_ms']} ms, p99 {cap['p99_ms']} ms)"
                + (f", {frac:.0%} of the transport ceiling" if frac is not None else "")
                + (
                    f" [host busy: other processes {cap['other_cpu_pct']:.0f}% of a core]"
                    if cap["host_busy"]
                    else ""
                )
            )
    return lines

"""The benchmark scenarios, by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bench.context import Context
from bench.result import ScenarioResult
from bench.scenarios import (
    ceiling,
    connections,
    files,
    group,
    one_to_one,
    search,
    subscribe,
    unary,
)

Scenario = Callable[[Context], Awaitable[ScenarioResult]]

SCENARIOS: dict[str, Scenario] = {
    ceiling.ECHO: ceiling.run_echo,
    ceiling.FANOUT: ceiling.run_fanout,
    "one-to-one": one_to_one.run,
    "group": group.run,
    "connections": connections.run,
    "subscribe": subscribe.run,
    "unary": unary.run,
    "search": search.run,
    "search-grown": search.run_grown,
    files.NAME: files.run,
}

"""Who talks to whom in the one-to-one scenarios."""

from __future__ import annotations

from bench.protocol import PlanEntry


def pair_plan(users: list[str], online: list[str]) -> list[PlanEntry]:
    """Users 2k and 2k+1 chat with each other, both ways, when both are online."""
    up = set(online)
    plan: list[PlanEntry] = []
    for a, b in zip(users[0::2], users[1::2], strict=False):
        if a in up and b in up:
            plan.append(PlanEntry(sender=a, recv_id=b, expected=1))
            plan.append(PlanEntry(sender=b, recv_id=a, expected=1))
    return plan

"""The rules table (domain/rules.py) is complete and ordered: every action
has a rule, and taking content back or reading is never barred by something
that does not bar speaking."""

from __future__ import annotations

from parley.common.v1 import common_pb2
from parley.domain.rules import RULES, Action, Bar, refusal

ST = common_pb2.SessionType


def test_every_action_has_a_rule_and_every_bar_a_reason() -> None:
    assert set(RULES) == set(Action)
    for bar in Bar:
        for st in (ST.SESSION_TYPE_SINGLE, ST.SESSION_TYPE_GROUP):
            assert refusal(bar, st).reason != common_pb2.ERROR_REASON_UNSPECIFIED


def test_speaking_is_barred_by_everything_that_bars_less() -> None:
    speak = set(RULES[Action.SEND].bars)
    for action, rule in RULES.items():
        assert set(rule.bars) <= speak, action
        assert rule.bars[0] is Bar.STRANGER, action
    assert RULES[Action.EDIT].bars == RULES[Action.SEND].bars
    assert RULES[Action.TYPING].bars == RULES[Action.SEND].bars
    assert not RULES[Action.EDIT].moderators

"""Webhooks to the app server: before-hooks that may veto or rewrite an
action, after-hooks and notifications queued off the hot path, offline push.
They implement the domain's ports (parley.domain.ports): relations and groups
call `await hooks.before("friend.apply", payload)` before a change (it raises
on deny) and `hooks.after("friend.apply", payload)` after it (never waits)."""

from parley.hooks.client import Hooks
from parley.hooks.push import OfflinePush
from parley.hooks.send import SendHooks

__all__ = ["Hooks", "OfflinePush", "SendHooks"]

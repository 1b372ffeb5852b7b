"""The limits on what a group request may carry, and the policy defaults."""

from __future__ import annotations

from collections.abc import Iterable

from parley.errors import invalid
from parley.group.v1 import group_pb2
from parley.ids import check_user_id

JP = group_pb2.JoinPolicy
IP = group_pb2.InvitePolicy
MAX_NAME = 128
MAX_URL = 1024
MAX_INTRO = 1024
MAX_ANNOUNCEMENT = 4096
MAX_EXTENSION = 4096
MAX_NICKNAME = 64
MAX_MESSAGE = 512
MAX_MUTE_SECONDS = 366 * 86_400
MAX_GROUP_IDS = 500


def check_group_id(group_id: str) -> str:
    if not group_id or len(group_id) > 64:
        raise invalid("group_id must be 1-64 chars")
    return group_id


def limit(value: str, most: int, field: str) -> str:
    if len(value) > most:
        raise invalid(f"{field} longer than {most} chars")
    return value


def join_policy(value: int) -> int:
    if value not in JP.values():
        raise invalid("unknown join_policy")
    return value or JP.JOIN_POLICY_APPROVAL


def invite_policy(value: int) -> int:
    if value not in IP.values():
        raise invalid("unknown invite_policy")
    return value or IP.INVITE_POLICY_ADMINS


def user_ids(ids: Iterable[str], most: int, field: str) -> list[str]:
    out = list(dict.fromkeys(ids))
    for u in out:
        check_user_id(u, field)
    if len(out) > most:
        raise invalid(f"at most {most} users per call")
    return out

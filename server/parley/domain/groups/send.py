"""The group side of the send path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from parley.domain.groups.limits import check_group_id
from parley.domain.rules import Action
from parley.ids import group_conversation_id, single_conversation_id

if TYPE_CHECKING:
    from parley.domain.access import Access
    from parley.domain.groups.views import GroupViews


class SendRules:
    """Messages.policy: the rules table admits the sender (domain/rules.py);
    groups give the members to push to."""

    def __init__(self, access: Access, groups: GroupViews) -> None:
        self.access = access
        self.groups = groups

    async def check_single(self, sender_id: str, recv_id: str) -> None:
        await self.access.admit(Action.SEND, single_conversation_id(sender_id, recv_id), sender_id)

    async def check_group(
        self, sender_id: str, group_id: str, mentioned: Sequence[str] = ()
    ) -> list[str]:
        check_group_id(group_id)
        await self.access.admit(Action.SEND, group_conversation_id(group_id), sender_id)
        return await self.groups.push_list(group_id, mentioned)

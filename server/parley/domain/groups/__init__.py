"""Groups: life cycle, roles, join policies, membership and mutes, and the
group side of the send path.

Group chat is read diffusion: one stored copy per message in `sg_<group>`,
pushed to the online members. The package is split by job: `state` (the
member cache), `permissions`, `limits`, `views` (queries), `changes` (what
every write shares), `mutations` and `membership` (the writes), `builders`
(the protobufs they share). `Groups` puts them together for the app, the
servicer and Access, which keep one object to call.
"""

from __future__ import annotations

from parley.config import Settings
from parley.domain.groups.changes import GroupChanges
from parley.domain.groups.membership import GroupMembership
from parley.domain.groups.mutations import GroupMutations
from parley.domain.groups.send import SendRules
from parley.domain.groups.state import GroupCache, GroupState
from parley.domain.groups.views import GroupViews
from parley.domain.peers import NO_PEERS, Peers
from parley.domain.ports import NO_HOOKS, ChangeHooks
from parley.domain.users import Users
from parley.log.conversation_log import ConversationLog
from parley.storage.interfaces import GroupStore

__all__ = ["GroupState", "Groups", "SendRules"]


class Groups:
    def __init__(
        self,
        settings: Settings,
        store: GroupStore,
        users: Users,
        log: ConversationLog,
        hooks: ChangeHooks = NO_HOOKS,
        peers: Peers = NO_PEERS,
    ) -> None:
        self.settings = settings
        self.store = store
        self.users = users
        self.log = log
        self.cache = GroupCache(settings, store, peers)
        self.views = GroupViews(self.cache, store, users)
        self.changes = GroupChanges(settings, self.cache, store, users, log, hooks)
        self.mutations = GroupMutations(self.changes)
        self.membership = GroupMembership(self.changes)
        # Read by Access and the send path.
        self.push_list = self.views.push_list
        self.members_for_push = self.views.members_for_push
        self.seat = self.views.seat
        self.read_cap = self.views.read_cap
        # Served by api/groups.py.
        self.get_groups = self.views.get_groups
        self.list_requests = self.views.list_requests
        self.list_members = self.views.list_members
        self.joined_groups = self.views.joined_groups
        self.search = self.views.search
        self.create = self.mutations.create
        self.set_info = self.mutations.set_info
        self.dismiss = self.mutations.dismiss
        self.transfer_owner = self.mutations.transfer_owner
        self.set_role = self.mutations.set_role
        self.set_nickname = self.mutations.set_nickname
        self.mute_member = self.mutations.mute_member
        self.mute_group = self.mutations.mute_group
        self.request_join = self.membership.request_join
        self.respond_request = self.membership.respond_request
        self.invite = self.membership.invite
        self.kick = self.membership.kick
        self.quit = self.membership.quit

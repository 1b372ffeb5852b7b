"""Who may call what: one table for every RPC and every stream frame.

Each entry names the kind of caller (no token, a user token, an admin token,
either) and what the request targets, with the domain action (domain/rules.py)
that decides relation, role, mute, blacklist and dismissed for targets inside
a conversation. `PolicyInterceptor` authenticates every unary call by the
table before a servicer runs; servicers read the result (`Authn.caller`) and
never pick a check themselves. The stream's frames (FRAMES) and the caller
kinds are in domain/policy.py; the stream's auth frame goes through the same
`Admission` (domain/auth.py), so a blocked account is refused in one place
for both. A method of a served service missing from the table fails the
server's start (`check_covers`) and the authorization walk test
(tests/api/test_policy.py)."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import grpc
from google.protobuf import descriptor_pool

from parley.api.unary import Behavior, UnaryInterceptor
from parley.domain.auth import Admission
from parley.domain.policy import Caller, Rule, Target
from parley.domain.rules import Action
from parley.domain.tokens import Identity
from parley.errors import ParleyError, R, denied, unauthenticated

_U, _A, _E, _N = Caller.USER, Caller.ADMIN, Caller.EITHER, Caller.NONE
T = Target

RPCS: dict[str, Rule] = {
    "/parley.gateway.v1.GatewayService/Connect": Rule(_N, T.OWN),  # the auth frame: FRAMES
    # Its request's auth frame, as Connect's (FRAMES["auth"]).
    "/parley.gateway.v1.GatewayService/Subscribe": Rule(_N, T.OWN),
    # The caller's own device's stream.
    "/parley.gateway.v1.GatewayService/Heartbeat": Rule(_U, T.OWN),
    "/parley.gateway.v1.GatewayService/SendTyping": Rule(_U, T.CONVERSATION, Action.TYPING),
    "/parley.auth.v1.AuthService/GetAdminToken": Rule(_N, T.OWN),
    "/parley.auth.v1.AuthService/IssueUserToken": Rule(_A, T.ANY_USER),
    "/parley.auth.v1.AuthService/ParseToken": Rule(_A, T.OWN_TOKEN),
    "/parley.auth.v1.AuthService/ForceLogout": Rule(_A, T.ANY_USER),
    "/parley.auth.v1.AuthService/InvalidateToken": Rule(_E, T.OWN_TOKEN),
    "/parley.user.v1.UserService/RegisterUsers": Rule(_A, T.ANY_USER),
    "/parley.user.v1.UserService/GetUsers": Rule(_E, T.ANYONE),
    "/parley.user.v1.UserService/UpdateProfile": Rule(_U, T.OWN),
    "/parley.user.v1.UserService/SearchUsers": Rule(_E, T.ANYONE),
    "/parley.user.v1.UserService/GetOnlineStatus": Rule(_E, T.ANYONE),
    "/parley.user.v1.UserService/SubscribeOnlineStatus": Rule(_U, T.ANYONE),
    "/parley.user.v1.UserService/SetGlobalReceiveOption": Rule(_U, T.OWN),
    "/parley.relation.v1.RelationService/ApplyFriend": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/ListFriendApplications": Rule(_U, T.OWN),
    "/parley.relation.v1.RelationService/RespondFriendApplication": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/ListFriends": Rule(_U, T.OWN),
    "/parley.relation.v1.RelationService/DeleteFriend": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/SetFriendRemark": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/IsFriend": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/AddBlacklist": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/RemoveBlacklist": Rule(_U, T.USER),
    "/parley.relation.v1.RelationService/ListBlacklist": Rule(_U, T.OWN),
    "/parley.group.v1.GroupService/CreateGroup": Rule(_U, T.OWN),
    "/parley.group.v1.GroupService/GetGroups": Rule(_E, T.ANYONE),
    "/parley.group.v1.GroupService/SetGroupInfo": Rule(_U, T.GROUP_ADMIN),
    "/parley.group.v1.GroupService/DismissGroup": Rule(_U, T.GROUP_OWNER),
    "/parley.group.v1.GroupService/TransferOwner": Rule(_U, T.GROUP_OWNER),
    "/parley.group.v1.GroupService/RequestJoinGroup": Rule(_U, T.NEW_GROUP),
    "/parley.group.v1.GroupService/ListJoinRequests": Rule(_U, T.GROUP_ADMIN),
    "/parley.group.v1.GroupService/RespondJoinRequest": Rule(_U, T.GROUP_ADMIN),
    # Members may invite when the group's invite policy says so.
    "/parley.group.v1.GroupService/InviteMembers": Rule(_U, T.GROUP),
    "/parley.group.v1.GroupService/KickMembers": Rule(_U, T.GROUP_ADMIN),
    "/parley.group.v1.GroupService/QuitGroup": Rule(_U, T.GROUP),
    "/parley.group.v1.GroupService/ListGroupMembers": Rule(_U, T.GROUP),
    "/parley.group.v1.GroupService/SetMemberRole": Rule(_U, T.GROUP_OWNER),
    # Their own nickname: members; another member's: owner and admins.
    "/parley.group.v1.GroupService/SetMemberNickname": Rule(_U, T.GROUP),
    "/parley.group.v1.GroupService/MuteMember": Rule(_U, T.GROUP_ADMIN),
    "/parley.group.v1.GroupService/MuteGroup": Rule(_U, T.GROUP_ADMIN),
    "/parley.group.v1.GroupService/ListJoinedGroups": Rule(_U, T.OWN),
    "/parley.msg.v1.MsgService/SendMessage": Rule(_U, T.CONVERSATION, Action.SEND),
    "/parley.msg.v1.MsgService/PullMessages": Rule(_U, T.CONVERSATION, Action.PULL),
    "/parley.msg.v1.MsgService/GetSeqs": Rule(_U, T.CONVERSATION, Action.READ),
    "/parley.msg.v1.MsgService/MarkRead": Rule(_U, T.CONVERSATION, Action.MARK_READ),
    "/parley.msg.v1.MsgService/AckDelivery": Rule(_U, T.CONVERSATION, Action.ACK_DELIVERY),
    "/parley.msg.v1.MsgService/RevokeMessage": Rule(_E, T.MESSAGE, Action.REVOKE),
    "/parley.msg.v1.MsgService/EditMessage": Rule(_U, T.MESSAGE, Action.EDIT),
    # FOR_EVERYONE: Action.DELETE_FOR_EVERYONE; FOR_ME: Action.DELETE_FOR_ME
    # (user tokens only: an admin token has no copy of its own to hide).
    "/parley.msg.v1.MsgService/DeleteMessages": Rule(_E, T.MESSAGE, Action.DELETE_FOR_EVERYONE),
    "/parley.msg.v1.MsgService/ClearConversation": Rule(_U, T.CONVERSATION, Action.CLEAR),
    "/parley.msg.v1.MsgService/SearchMessages": Rule(_U, T.CONVERSATION, Action.READ),
    "/parley.msg.v1.MsgService/GetMessageReceipts": Rule(_U, T.CONVERSATION, Action.READ),
    "/parley.conversation.v1.ConversationService/ListConversations": Rule(_U, T.OWN),
    "/parley.conversation.v1.ConversationService/GetConversations": Rule(_U, T.OWN),
    "/parley.conversation.v1.ConversationService/SetConversation": Rule(
        _U, T.CONVERSATION, Action.SET_CONVERSATION
    ),
    "/parley.conversation.v1.ConversationService/GetTotalUnread": Rule(_U, T.OWN),
    "/parley.file.v1.FileService/StartUpload": Rule(_U, T.OWN),
    # Streams: api/files.py admits the caller by the same table.
    "/parley.file.v1.FileService/UploadChunks": Rule(_U, T.OWN),
    "/parley.file.v1.FileService/GetUploadStatus": Rule(_U, T.OWN),
    "/parley.file.v1.FileService/GetFile": Rule(_U, T.FILE),
    "/parley.file.v1.FileService/Download": Rule(_U, T.FILE),
    "/parley.file.v1.FileService/GetDownloadUrl": Rule(_U, T.FILE),
    "/parley.admin.v1.AdminService/GetStatistics": Rule(_A, T.OWN),
    "/parley.admin.v1.AdminService/ListUsers": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/GetUser": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/BlockUser": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/UnblockUser": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/ForceLogout": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/SendSystemNotification": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/ListConversationMessages": Rule(_A, T.ANY_USER),
    "/parley.admin.v1.AdminService/GetServerInfo": Rule(_A, T.OWN),
    "/parley.admin.v1.AdminService/SearchGroups": Rule(_A, T.ANY_GROUP),
    "/parley.admin.v1.AdminService/ListGroupMembers": Rule(_A, T.ANY_GROUP),
    "/parley.admin.v1.AdminService/MuteGroupMember": Rule(_A, T.ANY_GROUP),
    "/parley.admin.v1.AdminService/MuteGroup": Rule(_A, T.ANY_GROUP),
    "/parley.admin.v1.AdminService/DismissGroup": Rule(_A, T.ANY_GROUP),
    "/parley.admin.v1.AdminService/TransferGroupOwner": Rule(_A, T.ANY_GROUP),
}

# Only the table's own services are checked; health and reflection are open.
_GOVERNED = "/parley."
# The caller of the running RPC, as the interceptor admitted it.
CALLER: ContextVar[Identity | None] = ContextVar("parley_caller", default=None)


def bearer_token(metadata: Iterable[tuple[str, Any]] | None) -> str:
    for key, value in metadata or ():
        if key == "authorization":
            v = value if isinstance(value, str) else value.decode(errors="replace")
            if v.lower().startswith("bearer "):
                return v[7:].strip()
            return v.strip()
    raise unauthenticated(R.ERROR_REASON_TOKEN_MISSING, "missing authorization metadata")


def rule_for(method: str) -> Rule | None:
    """The method's rule; None for services outside the table. A governed
    method missing from the table is refused (fail closed)."""
    if not method.startswith(_GOVERNED):
        return None
    found = RPCS.get(method)
    if found is None:
        raise denied(R.ERROR_REASON_PERMISSION_DENIED, "no access rule for this method")
    return found


def check_covers(service_names: Iterable[str]) -> None:
    """Every method of the served services has a rule, and every rule a method."""
    pool = descriptor_pool.Default()
    served = {
        f"/{name}/{m.name}" for name in service_names for m in pool.FindServiceByName(name).methods
    }
    if served != set(RPCS):
        missing, stale = sorted(served - set(RPCS)), sorted(set(RPCS) - served)
        raise RuntimeError(f"api/policy.py RPCS: missing {missing}, unknown {stale}")


class PolicyInterceptor(UnaryInterceptor):
    """Authenticates every governed unary call by the table before the
    servicer runs."""

    def __init__(self, admission: Admission) -> None:
        self.admission = admission

    def wrap(self, method: str, behavior: Behavior) -> Behavior | None:
        if not method.startswith(_GOVERNED):
            return None

        async def run(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                ident = self._identify(method, context)
            except ParleyError as e:
                await context.abort_with_status(e.to_status())
            token = CALLER.set(ident)
            try:
                return await behavior(request, context)
            finally:
                CALLER.reset(token)

        return run

    def _identify(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Identity | None:
        rule = rule_for(method)
        if rule is None or rule.caller is Caller.NONE:
            return None
        return self.admission.admit(bearer_token(context.invocation_metadata()), rule.caller)

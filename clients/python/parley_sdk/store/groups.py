"""Cached groups and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from parley_sdk.models import Group, GroupMember
from parley_sdk.store.base import Queries

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
  group_id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  avatar_url TEXT NOT NULL DEFAULT '',
  intro TEXT NOT NULL DEFAULT '',
  announcement TEXT NOT NULL DEFAULT '',
  owner_user_id TEXT NOT NULL DEFAULT '',
  join_policy INTEGER NOT NULL DEFAULT 0,
  invite_policy INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1,
  member_count INTEGER NOT NULL DEFAULT 0,
  extension TEXT NOT NULL DEFAULT '',
  creator_user_id TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0,
  joined INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS group_members (
  group_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role INTEGER NOT NULL DEFAULT 1,
  nickname TEXT NOT NULL DEFAULT '',
  group_nickname TEXT NOT NULL DEFAULT '',
  join_time_ms INTEGER NOT NULL DEFAULT 0,
  mute_end_time_ms INTEGER NOT NULL DEFAULT 0,
  inviter_user_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (group_id, user_id)
);
"""

_GROUP_COLUMNS = [f.name for f in fields(Group)]
_MEMBER_COLUMNS = [f.name for f in fields(GroupMember)]


class GroupQueries(Queries):
    def save_group(self, group: Group) -> None:
        """Adds or replaces a group."""
        cols = ", ".join(_GROUP_COLUMNS)
        marks = ", ".join("?" for _ in _GROUP_COLUMNS)
        values = [getattr(group, c) for c in _GROUP_COLUMNS]
        values = [int(v) if isinstance(v, bool) else v for v in values]
        self.conn.execute(f"INSERT OR REPLACE INTO groups({cols}) VALUES ({marks})", values)

    def group(self, group_id: str) -> Group | None:
        """One cached group."""
        row = self._one("SELECT * FROM groups WHERE group_id = ?", (group_id,))
        if row is None:
            return None
        values = {c: row[c] for c in _GROUP_COLUMNS}
        values["joined"] = bool(values["joined"])
        return Group(**values)

    def groups(self, joined_only: bool = True) -> list[Group]:
        """Cached groups (by default only those the user belongs to)."""
        sql = "SELECT group_id FROM groups"
        if joined_only:
            sql += " WHERE joined = 1"
        out = []
        for r in self._all(sql + " ORDER BY name, group_id"):
            g = self.group(r["group_id"])
            if g is not None:
                out.append(g)
        return out

    def set_joined_groups(self, groups: Sequence[Group]) -> None:
        """Replaces the set of joined groups."""
        self.conn.execute("UPDATE groups SET joined = 0")
        for g in groups:
            self.save_group(g)

    def save_member(self, member: GroupMember) -> None:
        """Adds or replaces a group member."""
        cols = ", ".join(_MEMBER_COLUMNS)
        marks = ", ".join("?" for _ in _MEMBER_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO group_members({cols}) VALUES ({marks})",
            [getattr(member, c) for c in _MEMBER_COLUMNS],
        )

    def member(self, group_id: str, user_id: str) -> GroupMember | None:
        """One cached member."""
        row = self._one(
            "SELECT * FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
        )
        return None if row is None else GroupMember(**{c: row[c] for c in _MEMBER_COLUMNS})

    def members(self, group_id: str) -> list[GroupMember]:
        """Cached members of a group: owner, admins, then members."""
        rows = self._all(
            "SELECT * FROM group_members WHERE group_id = ? "
            "ORDER BY role DESC, join_time_ms, user_id",
            (group_id,),
        )
        return [GroupMember(**{c: r[c] for c in _MEMBER_COLUMNS}) for r in rows]

    def delete_members(self, group_id: str, user_ids: Sequence[str] | None = None) -> None:
        """Removes members (all when `user_ids` is None)."""
        if user_ids is None:
            self.conn.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
            return
        for u in user_ids:
            self.conn.execute(
                "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, u)
            )

    def replace_members(self, group_id: str, members: Sequence[GroupMember]) -> None:
        """Replaces a group's member list."""
        self.delete_members(group_id)
        for m in members:
            self.save_member(m)

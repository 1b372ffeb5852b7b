"""Friends, friend applications and the blacklist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from parley_sdk.models import BlockedUser, Friend, FriendApplication, UserProfile
from parley_sdk.store.users import UserQueries

SCHEMA = """
CREATE TABLE IF NOT EXISTS friends (
  user_id TEXT PRIMARY KEY,
  remark TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS friend_applications (
  from_user_id TEXT NOT NULL,
  to_user_id TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL DEFAULT 1,
  response_message TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0,
  handle_time_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (from_user_id, to_user_id)
);
CREATE TABLE IF NOT EXISTS blacklist (
  user_id TEXT PRIMARY KEY,
  create_time_ms INTEGER NOT NULL DEFAULT 0
);
"""

_APP_COLUMNS = [f.name for f in fields(FriendApplication)]


class RelationQueries(UserQueries):
    """Friends carry their profile, so this part writes the profile cache too."""

    def save_friend(self, user_id: str, remark: str | None, create_time_ms: int) -> None:
        """Adds or updates a friend (a None remark keeps the current one)."""
        self.conn.execute(
            "INSERT INTO friends(user_id, remark, create_time_ms) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET "
            "remark = COALESCE(?, remark), "
            "create_time_ms = MAX(create_time_ms, excluded.create_time_ms)",
            (user_id, remark or "", create_time_ms, remark),
        )

    def set_friend_remark(self, user_id: str, remark: str) -> None:
        """Changes a friend's remark."""
        self.conn.execute("UPDATE friends SET remark = ? WHERE user_id = ?", (remark, user_id))

    def delete_friend(self, user_id: str) -> None:
        """Removes a friend."""
        self.conn.execute("DELETE FROM friends WHERE user_id = ?", (user_id,))

    def replace_friends(self, friends: Sequence[Friend]) -> None:
        """Replaces the whole friend list."""
        self.conn.execute("DELETE FROM friends")
        for f in friends:
            self.save_user(f.user)
            self.save_friend(f.user.user_id, f.remark, f.create_time_ms)

    def friends(self) -> list[Friend]:
        """The friend list."""
        rows = self._all(
            "SELECT f.user_id, f.remark, f.create_time_ms, u.nickname, u.avatar_url, "
            "u.extension, u.create_time_ms AS u_time FROM friends f "
            "LEFT JOIN users u ON u.user_id = f.user_id ORDER BY f.user_id"
        )
        return [
            Friend(
                user=UserProfile(
                    user_id=r["user_id"],
                    nickname=r["nickname"] or "",
                    avatar_url=r["avatar_url"] or "",
                    extension=r["extension"] or "",
                    create_time_ms=r["u_time"] or 0,
                ),
                remark=r["remark"],
                create_time_ms=r["create_time_ms"],
            )
            for r in rows
        ]

    def is_friend(self, user_id: str) -> bool:
        """Whether the user is in the local friend list."""
        return self._one("SELECT 1 FROM friends WHERE user_id = ?", (user_id,)) is not None

    def save_application(self, app: FriendApplication) -> None:
        """Adds or replaces a friend application."""
        cols = ", ".join(_APP_COLUMNS)
        marks = ", ".join("?" for _ in _APP_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO friend_applications({cols}) VALUES ({marks})",
            [getattr(app, c) for c in _APP_COLUMNS],
        )

    def application(self, from_user_id: str, to_user_id: str) -> FriendApplication | None:
        """One friend application."""
        row = self._one(
            "SELECT * FROM friend_applications WHERE from_user_id = ? AND to_user_id = ?",
            (from_user_id, to_user_id),
        )
        return None if row is None else FriendApplication(**{c: row[c] for c in _APP_COLUMNS})

    def applications(
        self, *, to_user_id: str = "", from_user_id: str = ""
    ) -> list[FriendApplication]:
        """Friend applications received by / sent by a user, newest first."""
        col, val = ("to_user_id", to_user_id) if to_user_id else ("from_user_id", from_user_id)
        rows = self._all(
            f"SELECT * FROM friend_applications WHERE {col} = ? ORDER BY create_time_ms DESC",
            (val,),
        )
        return [FriendApplication(**{c: r[c] for c in _APP_COLUMNS}) for r in rows]

    def replace_applications(
        self, column: str, user_id: str, apps: Sequence[FriendApplication]
    ) -> None:
        """Replaces the applications a user received (`to_user_id`) or sent (`from_user_id`)."""
        assert column in ("to_user_id", "from_user_id")
        self.conn.execute(f"DELETE FROM friend_applications WHERE {column} = ?", (user_id,))
        for a in apps:
            self.save_application(a)

    def block(self, user_id: str, create_time_ms: int) -> None:
        """Adds a user to the blacklist."""
        self.conn.execute(
            "INSERT OR REPLACE INTO blacklist(user_id, create_time_ms) VALUES (?, ?)",
            (user_id, create_time_ms),
        )

    def unblock(self, user_id: str) -> None:
        """Removes a user from the blacklist."""
        self.conn.execute("DELETE FROM blacklist WHERE user_id = ?", (user_id,))

    def replace_blacklist(self, users: Sequence[BlockedUser]) -> None:
        """Replaces the whole blacklist."""
        self.conn.execute("DELETE FROM blacklist")
        for u in users:
            self.block(u.user_id, u.create_time_ms)

    def blacklist(self) -> list[BlockedUser]:
        """The blacklist."""
        rows = self._all("SELECT * FROM blacklist ORDER BY create_time_ms DESC, user_id")
        return [BlockedUser(r["user_id"], r["create_time_ms"]) for r in rows]

"""The cache of user profiles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from parley_sdk.models import UserProfile
from parley_sdk.store.base import Queries

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  user_id TEXT PRIMARY KEY,
  nickname TEXT NOT NULL DEFAULT '',
  avatar_url TEXT NOT NULL DEFAULT '',
  extension TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0
);
"""

_USER_COLUMNS = [f.name for f in fields(UserProfile)]


class UserQueries(Queries):
    def save_user(self, user: UserProfile) -> None:
        """Caches a profile."""
        cols = ", ".join(_USER_COLUMNS)
        marks = ", ".join("?" for _ in _USER_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO users({cols}) VALUES ({marks})",
            [getattr(user, c) for c in _USER_COLUMNS],
        )

    def user(self, user_id: str) -> UserProfile | None:
        """A cached profile."""
        row = self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else UserProfile(**{c: row[c] for c in _USER_COLUMNS})

    def users(self, user_ids: Sequence[str]) -> list[UserProfile]:
        """Cached profiles of the given users (unknown ones omitted)."""
        out = []
        for u in user_ids:
            p = self.user(u)
            if p is not None:
                out.append(p)
        return out

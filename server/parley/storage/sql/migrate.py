"""Schema migrations (Alembic) run from code: `parley migrate`, and the tests.

Cluster databases are migrated; embedded SQLite keeps create_all (a new
table appears on the next start, which is all a single process needs)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords would read as interpolation.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Runs in its own event loop (Alembic's env drives the async engine)."""
    command.upgrade(alembic_config(url), revision)

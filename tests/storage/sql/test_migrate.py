"""Schema setup is safe to run at once from many processes on one empty
database: a cluster's nodes start together, each running `open_sql` (and an
operator may run `parley migrate` at the same moment). Real OS processes race
on a fresh PostgreSQL schema / MariaDB database of the test's own."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from parley.storage.sql import open_sql
from parley.storage.sql.engine import make_engine
from parley.storage.sql.migrate import alembic_config, schema_lock
from tests.storage.sql.databases import fresh_database

REPO = Path(__file__).resolve().parents[3]
PROCESSES = 6

# One contender: imports, says "ready", waits for the go line on stdin (so
# every process is past its imports when the race starts), then sets up the
# schema as `parley serve` does at start, or as `parley migrate` does.
CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from parley.cli.main import main
    from parley.storage.sql import open_sql

    async def start(url):
        stores = await open_sql(url)
        await stores.close()

    how, url = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()
    if how == "serve":
        asyncio.run(start(url))
    else:
        main(["migrate", "--url", url])
    """
)


@pytest.fixture(params=["postgres", "mysql"])
async def empty_db(
    request: pytest.FixtureRequest, service_env: dict[str, str]
) -> AsyncIterator[str]:
    async with fresh_database(service_env, request.param) as url:
        yield url


async def race(url: str, hows: list[str]) -> list[str]:
    """Starts one process per entry of `hows` at once; the failures' output."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            how,
            url,
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for how in hows
    ]
    for p in procs:
        assert p.stdout is not None
        await p.stdout.readline()  # "ready" (or b"" if it died importing)
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(b"go\n")
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    return [
        f"--- {how} exited {p.returncode}:\n{err.decode(errors='replace')[-1500:]}"
        for how, p, (_, err) in zip(hows, procs, outputs, strict=True)
        if p.returncode != 0
    ]


async def test_concurrent_setups_build_the_schema_once(empty_db: str) -> None:
    hows = ["serve", "migrate"] * (PROCESSES // 2)
    failures = await race(empty_db, hows)
    assert not failures, "\n".join(failures)

    head = ScriptDirectory.from_config(alembic_config(empty_db)).get_current_head()

    async def schema() -> tuple[list[tuple[str, ...]], set[str]]:
        engine = make_engine(empty_db)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
                tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        finally:
            await engine.dispose()
        return [tuple(r) for r in rows], tables

    expected = ([(head,)], {*SQLModel.metadata.tables, "alembic_version"})
    assert await schema() == expected
    # A later start finds the schema at head and leaves it as it is.
    stores = await open_sql(empty_db)
    await stores.close()
    assert await schema() == expected


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
async def test_schema_lock_is_per_database(service_env: dict[str, str], kind: str) -> None:
    """Setups of different schemas/databases on one server do not wait for
    each other; a second setup of the same one does."""
    async with (
        fresh_database(service_env, kind) as url_a,
        fresh_database(service_env, kind) as url_b,
    ):
        engines = [make_engine(url_a), make_engine(url_a), make_engine(url_b)]
        try:
            async with (
                engines[0].connect() as holder,
                engines[1].connect() as same,
                engines[2].connect() as other,
            ):
                async with schema_lock(holder):
                    with pytest.raises(TimeoutError):
                        async with schema_lock(same, timeout=0.5):
                            pass
                    async with schema_lock(other, timeout=0.5):
                        pass
                # Released: the same database is free again.
                async with schema_lock(same, timeout=0.5):
                    pass
        finally:
            for e in engines:
                await e.dispose()

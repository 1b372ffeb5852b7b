from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.engines import (  # noqa: F401  (fixtures for every suite on the engines)
    mongo_db,
    redis_client,
    redis_prefix,
    sql_engine,
    sql_engines,
)
from tests.harness import REPO, Api, ServerProcess

SERVICE_VARS = (
    "PARLEY_TEST_REDIS_URL",
    "PARLEY_TEST_POSTGRES_URL",
    "PARLEY_TEST_MYSQL_URL",
    "PARLEY_TEST_MONGO_URL",
    "PARLEY_TEST_NATS_URL",
)


def load_service_env() -> dict[str, str]:
    """The engines' URLs: from the environment, else from the env file that
    scripts/services.sh writes. A missing engine fails the test: the suites
    that need one never skip."""
    env_file = Path(os.environ.get("PARLEY_SERVICES_DIR", REPO / ".services")) / "env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                os.environ.setdefault(key, value)
    missing = [k for k in SERVICE_VARS if not os.environ.get(k)]
    if missing:
        pytest.fail(
            f"engines not configured: {', '.join(missing)} unset and no {env_file}; "
            "start them with `scripts/services.sh start` (make test does)",
            pytrace=False,
        )
    return {k: os.environ[k] for k in SERVICE_VARS}


@pytest.fixture(scope="session")
def service_env() -> dict[str, str]:
    return load_service_env()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One `parley serve` for the whole run (embedded mode, fresh data dir)."""
    proc = ServerProcess(data_dir=tmp_path_factory.mktemp("server") / "data")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, for tests that kill or reconfigure it."""
    proc = ServerProcess(data_dir=tmp_path / "data")
    yield proc
    if proc.proc is not None:
        proc.stop()


@pytest.fixture
async def fresh_api(fresh_server: ServerProcess) -> AsyncIterator[Api]:
    """An Api on a started fresh_server."""
    await asyncio.to_thread(fresh_server.start)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    yield api
    await api.close()


@pytest.fixture
async def api(server: ServerProcess) -> AsyncIterator[Api]:
    a = Api(server.address, server.admin_secret)
    await a.login_admin()
    yield a
    await a.close()


# `make test` runs the suite on two workers (pytest-xdist, --dist loadgroup).
# Only the session-wide engine fixtures share state between tests: each
# worker's first use drops and rebuilds the shared SQL schema and Mongo
# collections, so every test on them runs on one worker, in order. Everything
# else on the engines (clusters, fresh schemas and databases, key prefixes,
# buckets) is a test's own and may run beside them. Cluster tests start four
# processes each: they and the Kotlin build, which takes both cores for
# minutes (beside a cluster's start it made the start time out), run in a line
# of their own. The TypeScript and browser tests build in one node_modules.
SHARED_ENGINE_FIXTURES = frozenset({"sql_engines", "mongo_db"})


# tryfirst: xdist's worker reads the groups in its own hook of this name,
# registered after this file, so called before it unless this one goes first.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        kotlin = item.nodeid.startswith("tests/clients/test_kotlin.py")
        if names & SHARED_ENGINE_FIXTURES:
            item.add_marker(pytest.mark.xdist_group("engines"))
        elif item.get_closest_marker("cluster") or kotlin:
            item.add_marker(pytest.mark.xdist_group("cluster"))
        elif item.nodeid.startswith(
            (
                "tests/clients/test_ts.py",
                "tests/clients/test_browser.py",
                "tests/clients/test_console.py",
                "tests/web/test_node.py",
            )
        ):
            item.add_marker(pytest.mark.xdist_group("node"))

"""Connect-ES (the clients a browser app uses) against the web listener of a
real `parley serve`, from Node: a Connect-protocol call and a gRPC-Web call
over HTTP/1.1 (and both over HTTP/2 cleartext), clients/ts/src/test/web.test.ts."""

from __future__ import annotations

import pytest

from tests.clients.test_ts import STEP_TIMEOUT_S, TAIL_LINES, TS_DIR, _env, _install, _npm, _step
from tests.harness import ServerProcess
from tests.web.client import web_url


@pytest.mark.timeout(2 * STEP_TIMEOUT_S + 60)
async def test_connect_es_over_the_web_listener(web_server: ServerProcess) -> None:
    npm = _npm()
    env = _env(web_server)
    env["PARLEY_TEST_WEB_URL"] = web_url(web_server)
    await _install(npm, env)
    await _step("npm run build", [npm, "run", "build"], env)
    out = await _step("node --test", ["node", "--test", "dist/test/web.test.js"], env, TS_DIR)
    print("\n".join(out.splitlines()[-TAIL_LINES:]))
    assert "# fail 0" in out and "# pass 5" in out, out

"""The TypeScript client (clients/ts) against the test server.

`test_ts_client_e2e` runs `npm test`: code generation from protos/, tsc, the
error-helper unit tests and the node:test end-to-end suites in clients/ts/src/test
(e2e, files) against the `server` fixture (tests/conftest.py), and tls.test.ts
against a TLS server of its own with the certificate of `parley dev-cert`,
trusted through that CA file. One build serves all of them.

`test_ts_package_installs_from_tarball` is what an app developer does: it packs
the package with `npm pack`, checks what the tarball holds, installs it into a
fresh project with npm offline and an empty cache (its dependencies come as
tarballs of the locked versions), compiles clients/ts/packaging/consumer.ts
there against the published types and runs it against the server.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_tls import dev_cert, tls_env
from tests.harness import ServerProcess
from tests.web.conftest import WEB_ENV

ROOT = Path(__file__).resolve().parents[2]
TS_DIR = ROOT / "clients" / "ts"
STEP_TIMEOUT_S = 600
TAIL_LINES = 120

# What an app needs from the tarball: the entries named by `exports`, the
# error and file helpers, the generated contract and ErrorInfo schema, the README.
REQUIRED_IN_TARBALL = {
    "package.json",
    "README.md",
    "dist/client.js",
    "dist/client.d.ts",
    "dist/core.js",
    "dist/core.d.ts",
    "dist/errors.js",
    "dist/errors.d.ts",
    "dist/files.js",
    "dist/files.d.ts",
    "dist/files-node.js",
    "dist/gen/google/rpc/error_details_pb.js",
    "dist/gen/google/rpc/error_details_pb.d.ts",
    "dist/gen/parley/common/v1/common_pb.js",
    "dist/gen/parley/gateway/v1/gateway_pb.d.ts",
}
# Tests, sources and tooling stay out of what apps download.
EXCLUDED_FROM_TARBALL = ("src/", "dist/test/", "node_modules/", "packaging/", "tsconfig", "buf.gen")


def _env(server: Any) -> dict[str, str]:
    env = dict(os.environ)
    env["PARLEY_TEST_ADDR"] = server.address
    env["PARLEY_TEST_ADMIN_SECRET"] = server.admin_secret
    env.setdefault("CI", "true")  # npm: no progress bars or update checks
    env["NO_UPDATE_NOTIFIER"] = "1"
    # `npm run gen` needs buf (PyPI buf-bin): it sits next to this interpreter.
    if shutil.which("buf", path=env.get("PATH")) is None:
        env["PATH"] = f"{env.get('PATH', '')}{os.pathsep}{Path(sys.executable).parent}"
    return env


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int | None, str, str]:
    """Runs a command; returns (exit code or None on timeout, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), STEP_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        return None, out.decode(errors="replace"), err.decode(errors="replace")
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def _step(what: str, args: list[str], env: dict[str, str], cwd: Path = TS_DIR) -> str:
    """Runs a command that must succeed; returns its stdout."""
    code, out, err = await _run(args, env, cwd)
    if code != 0:
        status = f"timed out after {STEP_TIMEOUT_S} s" if code is None else f"exited {code}"
        tail = "\n".join((out + err).splitlines()[-TAIL_LINES:])
        pytest.fail(f"{what} in {cwd} {status}; last output:\n{tail}", pytrace=False)
    return out


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: the TypeScript client tests need Node.js 20+ and npm")
    return npm


def _locked_versions(lockfile: Path, present: dict[str, str] | None = None) -> dict[str, str]:
    """Path -> version of a lockfile; with `present`, optional packages only if
    installed (npm installs esbuild's binary for this platform alone)."""
    packages = json.loads(lockfile.read_text())["packages"]
    return {
        path: str(meta.get("version"))
        for path, meta in packages.items()
        if path and (present is None or not meta.get("optional") or path in present)
    }


async def _install(npm: str, env: dict[str, str]) -> None:
    """`npm ci` unless node_modules already holds exactly what package-lock.json pins."""
    installed = TS_DIR / "node_modules" / ".package-lock.json"
    if installed.is_file():
        present = _locked_versions(installed)
        if present == _locked_versions(TS_DIR / "package-lock.json", present):
            return
    await _step("npm ci", [npm, "ci", "--no-audit", "--no-fund"], env)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The shared server's settings plus the web listener: files.test.ts fetches
    a signed URL, which only the web listener serves (docs/files.md)."""
    proc = ServerProcess(data_dir=tmp_path_factory.mktemp("ts") / "data", env=dict(WEB_ENV))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    """A server with the certificate of `parley dev-cert` (run as the README shows);
    yields it and the CA file to trust."""
    certs = tmp_path / "tls"
    dev_cert(certs)
    proc = ServerProcess(data_dir=tmp_path / "data", env=tls_env(certs))
    proc.start()
    yield proc, certs / "cert.pem"
    proc.stop()


# Async so that the event loop keeps running while npm runs: the server fixture
# may serve from this process's (session-scoped) loop.
@pytest.mark.timeout(2 * STEP_TIMEOUT_S + 60)
async def test_ts_client_e2e(server: Any, tls_server: tuple[ServerProcess, Path]) -> None:
    npm = _npm()
    env = _env(server)
    tls, ca = tls_server
    env.update(
        PARLEY_TEST_TLS_ADDR=tls.address,
        PARLEY_TEST_TLS_CA=str(ca),
        PARLEY_TEST_TLS_ADMIN_SECRET=tls.admin_secret,
    )
    await _install(npm, env)
    out = await _step("npm test", [npm, "test"], env)
    print("\n".join(out.splitlines()[-TAIL_LINES:]))
    # node:test passes skipped tests: the TLS ones skip when their variables are unset.
    assert "# skipped 0" in out and "# pass 0" not in out, out[-2000:]
    for name in ("parley over TLS: unary calls", "parley files: a resumed upload"):
        assert re.search(rf"^ok \d+ - {re.escape(name)}", out, re.M), f"{name!r} did not pass"


def _tarball_manifest(tarball: Path) -> dict[str, Any]:
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("package/package.json")
        assert member is not None, f"{tarball.name} has no package/package.json"
        manifest: dict[str, Any] = json.load(io.TextIOWrapper(member, encoding="utf-8"))
    return manifest


def _export_targets(node: Any) -> list[str]:
    """Every file path named by an `exports` map (conditions nested in any depth)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for value in node.values() for t in _export_targets(value)]
    return []


def _runtime_closure(names: list[str]) -> list[Path]:
    """The installed folders of these packages and of everything they need at run time."""
    seen: dict[str, Path] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        folder = TS_DIR / "node_modules" / name
        assert folder.is_dir(), f"{name} is needed at run time but missing from {folder.parent}"
        seen[name] = folder
        meta = json.loads((folder / "package.json").read_text())
        optional = meta.get("peerDependenciesMeta", {})
        peers = [
            p for p in meta.get("peerDependencies", {}) if not optional.get(p, {}).get("optional")
        ]
        todo += [*meta.get("dependencies", {}), *peers]
    return list(seen.values())


async def _pack(
    npm: str, env: dict[str, str], dest: Path, folders: list[Path], *opts: str
) -> list[dict[str, Any]]:
    """`npm pack` of the folders (none: clients/ts itself, which runs its prepack build)."""
    # --json output goes to stdout; the prepack build's output to stderr.
    args = [npm, "pack", "--json", "--pack-destination", str(dest), *opts, *map(str, folders)]
    packed: list[dict[str, Any]] = json.loads(await _step("npm pack", args, env))
    return packed


@pytest.mark.timeout(3 * STEP_TIMEOUT_S + 60)
async def test_ts_package_installs_from_tarball(server: Any, tmp_path: Path) -> None:
    npm = _npm()
    env = _env(server)
    await _install(npm, env)

    [packed] = await _pack(npm, env, tmp_path, [])
    files = {f["path"] for f in packed["files"]}
    missing = sorted(REQUIRED_IN_TARBALL - files)
    assert not missing, f"missing from the tarball: {missing}"
    excluded = sorted(f for f in files if f.startswith(EXCLUDED_FROM_TARBALL))
    assert not excluded, f"the tarball ships files apps do not need: {excluded}"

    tarball = tmp_path / packed["filename"]
    manifest = _tarball_manifest(tarball)
    assert not manifest.get("private"), "package.json is private: npm publish would refuse it"
    assert manifest.get("version"), "package.json has no version"
    named = [manifest["main"], manifest["types"], *_export_targets(manifest["exports"])]
    for target in named:
        # "./dist/gen/*.js" stands for every generated file: one must exist.
        prefix, star, suffix = target.removeprefix("./").partition("*")
        if star:
            matches = [f for f in files if f.startswith(prefix) and f.endswith(suffix)]
        else:
            matches = [f for f in files if f == prefix]
        assert matches, f"package.json names {target}, which the tarball does not hold"

    # The app: the package and its run-time dependencies (plus @types/node for
    # tsc) all from local tarballs, so the install needs no registry at all.
    deps_dir = tmp_path / "deps"
    deps_dir.mkdir()
    dependencies = {manifest["name"]: f"file:{tarball}"}
    needed = _runtime_closure([*manifest.get("dependencies", {}), "@types/node"])
    for dep in await _pack(npm, env, deps_dir, needed, "--ignore-scripts"):
        dependencies[dep["name"]] = f"file:{deps_dir / dep['filename']}"
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    app_manifest = {"name": "app", "private": True, "type": "module", "dependencies": dependencies}
    (app / "package.json").write_text(json.dumps(app_manifest))
    shutil.copy(TS_DIR / "packaging" / "consumer.ts", app / "src" / "consumer.ts")
    empty_cache = str(tmp_path / "empty-npm-cache")
    install = [npm, "install", "--offline", "--cache", empty_cache, "--no-audit", "--no-fund"]
    await _step("npm install (offline)", install, env, cwd=app)
    # Type-checks the app against the declarations the tarball ships (found
    # through its `exports`); the compiler comes from clients/ts, not the app.
    tsc = TS_DIR / "node_modules" / "typescript" / "bin" / "tsc"
    tsc_args = ["--strict", "--target", "es2022", "--module", "nodenext", "--types", "node"]
    tsc_args += ["--rootDir", "src", "--outDir", "out", "src/consumer.ts"]
    await _step("tsc of the consumer app", ["node", str(tsc), *tsc_args], env, cwd=app)
    out = await _step("node out/consumer.js", ["node", "out/consumer.js"], env, cwd=app)
    assert "consumer ok" in out, out

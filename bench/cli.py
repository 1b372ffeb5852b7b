"""`python -m bench`: runs the scenarios, each against a `parley serve` of its
own (or an external server with --target), and writes the results."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

from bench.cluster import EnginesUnavailable, LocalCluster, ensure_engines
from bench.config import CHOICES, RESULTS_DIR, SCENARIOS, SHORT, Options, Params
from bench.context import Context
from bench.cpu import background_pct
from bench.grown import GROWN_SCENARIO, GrownDb, default_cache_dir, prepare
from bench.pool import WorkerPool
from bench.progress import note
from bench.report import REPO, git_rev, meta, plot, table, write_json, write_summary
from bench.result import ScenarioResult
from bench.scenarios import SCENARIOS as RUNNERS
from bench.scenarios.ceiling import BARE_MODE, CEILING_OF
from bench.server import BareServer, LocalServer, Target, export_server
from bench.summary import summarize, summary_lines

QUIET_PCT = 25.0  # background CPU (percent of one core) above which figures suffer


def raise_nofile() -> int:
    """Raises the open-files limit to the hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def parse_args(argv: list[str] | None = None) -> Options:
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description="Parley benchmark: real gRPC clients in several processes against a server.",
    )
    ap.add_argument(
        "--scenario",
        "-s",
        action="append",
        choices=CHOICES,
        help="run only these scenarios (repeatable; default: all)",
    )
    ap.add_argument("--short", action="store_true", help="a quick pass of every scenario (<5 min)")
    ap.add_argument(
        "--mode",
        choices=("embedded", "cluster"),
        default="embedded",
        help="embedded: one `parley serve` on SQLite; cluster: a local cluster of "
        "--gateways gateway and --cluster-workers worker processes on the local engines "
        "(PostgreSQL, FerretDB, Redis, NATS; started with scripts/services.sh if needed)",
    )
    ap.add_argument(
        "--gateways",
        type=int,
        default=2,
        help="cluster mode: gateway processes (default 2); devices and unary calls are "
        "spread over them (user i talks to gateway i %% N)",
    )
    ap.add_argument(
        "--cluster-workers",
        type=int,
        default=2,
        help="cluster mode: worker processes (default 2; not the load generator's --workers)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="load-generator processes (default 1: on 2 cores shared with the server, "
        "one worker leaves the server the most CPU; see bench/README.md)",
    )
    ap.add_argument("--target", help="host:port of an external server (default: start one)")
    ap.add_argument("--admin-secret", help="admin secret of the --target server")
    ap.add_argument("--server-pid", type=int, help="pid of the --target server, for RSS and CPU")
    ap.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the started server, e.g. "
        "PARLEY_STORAGE__SQLITE_SYNCHRONOUS=NORMAL",
    )
    ap.add_argument(
        "--server-cpus",
        metavar="LIST",
        help="pin the started server processes (embedded or cluster) to these CPUs, "
        "e.g. 0 or 0,1: one core against two on the same host",
    )
    ap.add_argument(
        "--server-rev",
        help="run the server code of this git revision (exported to a temp dir) "
        "instead of the work tree's",
    )
    ap.add_argument(
        "--compare-rev",
        action="append",
        default=[],
        metavar="REV",
        help="also run every Parley scenario against the server of this git revision "
        "(repeatable), side by side with the work tree's (or --server-rev's): "
        "<scenario>-<mode>@<rev>.json, the table and summary-<mode>.json show both",
    )
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each scenario, wait up to this long for other processes on the host "
        f"to use less than {QUIET_PCT:.0f}%% of a core",
    )
    ap.add_argument("--results", type=Path, default=RESULTS_DIR, help="results directory")
    ap.add_argument(
        "--grown-cache",
        type=Path,
        default=default_cache_dir(),
        metavar="DIR",
        help="where the grown databases of search-grown are built once and kept "
        f"(default {default_cache_dir()})",
    )
    ap.add_argument("--profile", action="store_true", help="sample the server with py-spy")
    ap.add_argument("--profile-native", action="store_true", help="py-spy --native as well")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    ap.add_argument("--no-plot", action="store_true", help="write no PNG")
    params = ap.add_argument_group("scenario parameters (full-run defaults; --short lowers some)")
    for f in dataclasses.fields(Params):
        default = getattr(Params(), f.name)
        short = f" (short: {SHORT[f.name]})" if f.name in SHORT else ""
        params.add_argument(
            "--" + f.name.replace("_", "-"),
            type=type(default),
            default=None,
            help=f"default {default}{short}",
        )
    a = ap.parse_args(argv)
    if a.target and not a.admin_secret:
        ap.error("--target needs --admin-secret")
    if a.gateways < 1 or a.cluster_workers < 1:
        ap.error("--gateways and --cluster-workers must be at least 1")
    values = {f.name: getattr(Params(), f.name) for f in dataclasses.fields(Params)}
    if a.short:
        values.update(SHORT)
    for name in values:
        given = getattr(a, name)
        if given is not None:
            values[name] = given
    env: dict[str, str] = {}
    for kv in a.server_env:
        key, sep, value = kv.partition("=")
        if not sep:
            ap.error(f"--server-env wants KEY=VALUE, got {kv!r}")
        env[key] = value
    return Options(
        scenarios=a.scenario or list(SCENARIOS),
        mode=a.mode,
        short=a.short,
        workers=max(1, a.workers),
        target=a.target,
        admin_secret=a.admin_secret,
        server_pid=a.server_pid,
        server_env=env,
        server_rev=a.server_rev,
        compare_revs=a.compare_rev,
        wait_quiet=a.wait_quiet,
        server_cpus=frozenset(int(c) for c in a.server_cpus.split(",")) if a.server_cpus else None,
        gateways=a.gateways,
        cluster_workers=a.cluster_workers,
        results_dir=a.results,
        grown_cache=a.grown_cache,
        profile=a.profile or a.profile_native,
        profile_native=a.profile_native,
        progress=not a.no_progress,
        plot=not a.no_plot,
        params=Params(**values),
    )


def local_cluster(opts: Options) -> LocalCluster:
    return LocalCluster(
        opts.engines,
        gateways=opts.gateways,
        workers=opts.cluster_workers,
        env=opts.server_env,
        source=opts.server_source,
        cpus=opts.server_cpus,
    )


def grown_database(opts: Options) -> GrownDb:
    prm = opts.params
    note(
        f"  grown database: {prm.grown_messages:,} messages over "
        f"{prm.grown_conversations:,} conversations (built once into {opts.grown_cache})"
    )
    db = prepare(prm.grown_messages, prm.grown_conversations, opts.grown_cache)
    if db.built_s:
        note(f"  built in {db.built_s:.0f}s: {db.path}")
    return db


async def run_scenario(opts: Options, name: str) -> ScenarioResult:
    if name in BARE_MODE:
        # The transport ceiling: a bare server on this host whatever the mode.
        return await run_local(opts, name, BareServer(mode=BARE_MODE[name], cpus=opts.server_cpus))
    if name == GROWN_SCENARIO and (opts.external or opts.mode == "cluster"):
        # The grown database is an embedded server's SQLite file.
        return ScenarioResult(name, opts.mode, skipped="skipped: embedded mode, local server only")
    if opts.mode == "cluster" and not opts.external:
        return await run_cluster_scenario(opts, name)
    grown = await asyncio.to_thread(grown_database, opts) if name == GROWN_SCENARIO else None
    server: LocalServer | None = None
    if not opts.external:
        server = LocalServer(
            env=opts.server_env,
            source=opts.server_source,
            database=grown.path if grown is not None else None,
            cpus=opts.server_cpus,
        )
    res = await run_local(opts, name, server)
    if grown is not None:
        res.figures["grown"] = grown.figures()
    return res


async def run_local(opts: Options, name: str, server: LocalServer | None) -> ScenarioResult:
    """A scenario against `server` (started here), or the --target one."""
    background = await quiet_host(opts)
    if server is None:
        assert opts.target is not None and opts.admin_secret is not None
        target = Target(opts.target, opts.admin_secret, opts.server_pid, external=True)
    else:
        target = server.start()
    pool = WorkerPool(opts.workers, target.gateway_addresses())
    res: ScenarioResult
    try:
        await pool.start()
        ctx = Context(opts, target, pool, name)
        res = await RUNNERS[name](ctx)
        res.figures["background_cpu_pct"] = background
        if server is not None:
            # On the grown database: how long a restart of a grown server takes.
            res.figures["server_start_s"] = round(server.start_s or 0.0, 2)
        for label, summary in ctx.profiler.summaries.items():
            res.figures.setdefault("profile", {})[label] = {
                "samples": summary.samples,
                "self_top": [[fn, round(pct, 1)] for fn, pct in summary.self_top[:15]],
                "inclusive_top": [[fn, round(pct, 1)] for fn, pct in summary.inclusive_top[:15]],
            }
    except Exception:
        err = traceback.format_exc()
        note(f"scenario {name} failed:\n{err}")
        if server is not None and not server.alive():
            err += f"\nserver exited; log tail:\n{server.log_tail()}"
        res = ScenarioResult(name, opts.mode, error=err)
    finally:
        await pool.stop()
        if server is not None:
            crashed = not server.alive()
            rc = server.stop(keep_log=True)
            if crashed:
                note(f"  the server exited during {name} (rc {rc})")
    if server is not None:
        keep_server_log(server, res, opts.results_dir)
    return res


async def quiet_host(opts: Options) -> float:
    """Background CPU before a scenario (waiting for a quieter host with --wait-quiet)."""
    background = await background_pct()
    deadline = time.monotonic() + opts.wait_quiet
    if background > QUIET_PCT and opts.wait_quiet > 0:
        note(f"  other processes use {background:.0f}% of a core; waiting for a quieter host")
        while background > QUIET_PCT and time.monotonic() < deadline:
            background = await background_pct(2.0)
    if background > QUIET_PCT:
        note(f"  other processes use {background:.0f}% of a core: figures will be lower")
    return background


async def run_cluster_scenario(opts: Options, name: str) -> ScenarioResult:
    """A scenario against a local cluster of its own (started here, stopped
    and its namespaces dropped afterwards)."""
    background = await quiet_host(opts)
    cluster = local_cluster(opts)
    pool: WorkerPool | None = None
    res: ScenarioResult
    started = False
    try:
        t0 = time.monotonic()
        target = await cluster.start()
        started = True
        started_s = time.monotonic() - t0
        note(f"  {cluster.label} up in {started_s:.1f}s (namespaces {cluster.ns.suffix})")
        pool = WorkerPool(opts.workers, target.gateway_addresses())
        await pool.start()
        ctx = Context(opts, target, pool, name)
        res = await RUNNERS[name](ctx)
        res.figures["background_cpu_pct"] = background
        rss = ctx.server_rss_by_process_kb()
        res.figures["cluster"] = {
            "gateways": cluster.gateways,
            "workers": cluster.workers,
            "start_s": round(started_s, 1),
            "rss_mb_by_process": {
                k: round(v / 1024, 1) if v is not None else None for k, v in rss.items()
            },
            "figures": "server_cpu_pct, server_rss_mb and kb_per_stream are sums over "
            f"all {cluster.gateways} gateways + {cluster.workers} workers; engines_cpu_pct "
            "is every postgres, ferretdb, redis-server and nats-server process on the host "
            "(shared engines: other users' load on them included); other_cpu_pct the rest",
        }
        for label, summary in ctx.profiler.summaries.items():
            res.figures.setdefault("profile", {})[label] = {
                "process": "gw1",
                "samples": summary.samples,
                "self_top": [[fn, round(pct, 1)] for fn, pct in summary.self_top[:15]],
                "inclusive_top": [[fn, round(pct, 1)] for fn, pct in summary.inclusive_top[:15]],
            }
    except Exception:
        err = traceback.format_exc()
        note(f"scenario {name} failed:\n{err}")
        if started and not cluster.alive():
            err += f"\ncluster processes exited: {cluster.exited()}; log tails:\n"
            err += cluster.log_tail()
        res = ScenarioResult(name, opts.mode, error=err)
    finally:
        if pool is not None:
            await pool.stop()
        crashed = cluster.exited() if started else {}
        rcs = cluster.stop(keep_log=True)
        if crashed:
            note(f"  cluster processes exited during {name}: {crashed}")
        left = await cluster.remove_namespaces()
    res.mode_label = cluster.label
    res.figures.setdefault("cluster", {}).update(namespaces=cluster.ns.suffix, exit_codes=rcs)
    if left:
        res.figures["cluster"]["not_removed"] = left
    keep_server_log(cluster, res, opts.results_dir)
    return res


def attach_ceiling(res: ScenarioResult, earlier: list[ScenarioResult]) -> None:
    """The bare transport's capacity beside a Parley capacity measured the
    same way in the same run: `transport_ceiling` and, in the table, the
    fraction of it that Parley reaches."""
    name = CEILING_OF.get(res.scenario)
    ceiling = next((r for r in earlier if r.scenario == name and not r.error), None)
    if ceiling is None or res.error or res.skipped:
        return
    ours = res.figures.get("capacities", {})
    theirs = ceiling.figures.get("capacities", {})
    out: dict[str, object] = {"scenario": name}
    for key, cap in ours.items():
        bare = theirs.get(key, {}).get("capacity")
        # A ceiling search that never failed gives a lower bound of the
        # ceiling, so the fraction is an upper bound.
        bounded = theirs.get(key, {}).get("failed_at") is not None
        got = cap.get("capacity")
        frac = got / bare if got and bare else None
        out[key] = {
            "capacity": got,
            "ceiling": bare,
            "ceiling_found": bounded,
            "fraction": round(frac, 3) if frac is not None else None,
        }
        if frac is None:
            continue
        label = f"p99<={cap['p99_limit_ms']:g}"
        at_most = "" if bounded else "<= "
        for row in res.rows:
            if row.label.endswith(label):
                row.note += f"; {at_most}{frac:.0%} of bare grpc.aio ({bare:,.0f})"
    res.figures["transport_ceiling"] = out


def compare_with_fresh(res: ScenarioResult, earlier: list[ScenarioResult]) -> None:
    """search-grown after search in one run: the grown figures beside the fresh ones."""
    fresh = next((r for r in earlier if r.scenario == "search" and not r.error), None)
    if res.scenario != GROWN_SCENARIO or fresh is None:
        return
    grown_rate = res.figures.get("sustainable_rate")
    fresh_rate = fresh.figures.get("sustainable_rate")
    res.figures["fresh"] = {
        "sustainable_rate": fresh_rate,
        "p99_ms": fresh.figures.get("p99_ms"),
        "server_start_s": fresh.figures.get("server_start_s"),
        "grown_over_fresh": round(grown_rate / fresh_rate, 3)
        if grown_rate and fresh_rate
        else None,
    }


def keep_server_log(
    server: LocalServer | LocalCluster, res: ScenarioResult, results_dir: Path
) -> None:
    """Keeps the server's log next to the results when something went wrong
    (anything lost, an error, or errors in the log), and removes its directory."""
    text = server.log_text()
    troubled = (
        res.error is not None
        or bool(res.figures.get("lost"))
        or any(c.get("lost") for c in res.curve)
        or "Traceback" in text
        or " ERROR " in text
    )
    if troubled and text:
        results_dir.mkdir(parents=True, exist_ok=True)
        path = results_dir / f"{res.scenario}-{res.mode}.server.log"
        path.write_text(text)
        res.figures["server_log"] = str(path)
    server.cleanup()


async def run_all(opts: Options) -> list[ScenarioResult]:
    rev = git_rev()
    where = opts.target or "local"
    if opts.mode == "cluster" and not opts.external:
        where = f"local {local_cluster(opts).label}"
    meta_ = meta(opts.workers, opts.short, rev, where)
    if opts.mode == "cluster" and not opts.external:
        meta_["gateways"] = opts.gateways
        meta_["cluster_workers"] = opts.cluster_workers
    primary = rev
    if opts.server_rev and not opts.external:
        opts.server_source = export_server(opts.server_rev, REPO)
        primary = git_rev(opts.server_rev, work_tree=False)
    meta_["server_rev"] = primary
    if opts.server_cpus:
        meta_["server_cpus"] = sorted(opts.server_cpus)
    # The servers to measure: the work tree's (or --server-rev's), then each --compare-rev.
    servers: list[tuple[str | None, Path | None]] = [(primary, opts.server_source)]
    if not opts.external:
        servers += [
            (git_rev(r, work_tree=False), export_server(r, REPO)) for r in opts.compare_revs
        ]
    meta_["server_revs"] = [r for r, _ in servers]
    side_by_side = len(servers) > 1
    results: list[ScenarioResult] = []
    t_run = time.monotonic()
    try:
        for name in opts.scenarios:
            for k, (server_rev, source) in enumerate(servers):
                if k and name in BARE_MODE:
                    break  # the transport does not change with the revision
                opts.server_source = source
                t0 = time.monotonic()
                at = f" @ {server_rev}" if side_by_side and name not in BARE_MODE else ""
                note(f"== {name}{at} ({opts.mode}{', short' if opts.short else ''})")
                res = await run_scenario(opts, name)
                res.figures.setdefault("scenario_s", round(time.monotonic() - t0, 1))
                if name not in BARE_MODE:
                    res.server_rev = server_rev
                    if side_by_side:
                        res.mode_label = f"{res.mode_label or res.mode} @{server_rev}"
                same_rev = [r for r in results if r.server_rev == res.server_rev]
                compare_with_fresh(res, same_rev)
                attach_ceiling(res, results)
                suffix = f"@{server_rev}" if k else ""
                path = write_json(res, meta_, opts.results_dir, suffix)
                png = plot(res, opts.results_dir) if opts.plot and not k else None
                took = time.monotonic() - t0
                note(f"   {path}" + (f", {png}" if png else "") + f" ({took:.0f}s)")
                results.append(res)
    finally:
        opts.server_source = servers[0][1]
        for _, source in servers:
            if source is not None:
                shutil.rmtree(source.parent, ignore_errors=True)
    summary = summarize(results, [r for r, _ in servers], time.monotonic() - t_run)
    write_summary(summary, meta_, opts.results_dir, opts.mode)
    return results


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    if opts.mode == "cluster" and not opts.external:
        try:
            opts.engines = ensure_engines()
        except EnginesUnavailable as e:
            print(f"bench: {e}", file=sys.stderr)
            sys.exit(2)
    raise_nofile()
    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C: servers and workers stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    try:
        import uvloop

        results = uvloop.run(run_all(opts))
    except ImportError:
        results = asyncio.run(run_all(opts))
    print()
    print(table(results))
    print()
    print("\n".join(summary_lines(results)))
    print(
        f"\n{len(results)} scenarios in {time.monotonic() - t0:.0f}s; results in {opts.results_dir}"
    )
    if any(r.error for r in results):
        sys.exit(1)

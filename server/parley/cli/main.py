"""`parley` command line: `parley serve` starts the server, `parley admin`
operates a running one."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from pydantic import ValidationError

from parley.cli import admin, dev_cert
from parley.config import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="parley", description="Parley IM server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the server")
    serve.add_argument("--listen", help="host:port (default 127.0.0.1:50051)")
    serve.add_argument("--data-dir", type=Path, help="data directory (default ./data)")
    serve.add_argument("--node-id", help="node id reported to clients")
    serve.add_argument(
        "--role",
        choices=("gateway", "worker", "all"),
        help="cluster mode: gateway (gRPC), worker (persist the log) or all (default)",
    )
    migrate = sub.add_parser(
        "migrate", help="bring the SQL schema up to date (Alembic; cluster databases)"
    )
    migrate.add_argument("--url", help="database URL (default: storage.database_url)")
    migrate.add_argument("--revision", default="head", help="target revision (default head)")
    admin.register(sub)
    dev_cert.register(sub)
    args = parser.parse_args(argv)
    if args.command == "admin":
        raise SystemExit(admin.run(args))
    if args.command == "dev-cert":
        raise SystemExit(dev_cert.run(args))
    if args.command == "migrate":
        from parley.storage.sql.migrate import upgrade

        settings = Settings()
        url = args.url or settings.storage.database_url
        if not url:
            raise SystemExit(
                "parley migrate: no database URL (--url or PARLEY_STORAGE__DATABASE_URL)"
            )
        upgrade(url, args.revision)
        print(f"parley: schema at {args.revision}", flush=True)
        return
    if args.command == "serve":
        _serve(args)


def _serve(args: argparse.Namespace) -> None:
    from parley.observability import logs

    try:
        settings = Settings().with_overrides(
            listen=args.listen, data_dir=args.data_dir, node_id=args.node_id, role=args.role
        )
    except ValidationError as e:
        # No settings, so no log format from them: the environment's, if any.
        logs.configure("INFO", os.environ.get("PARLEY_LOG_FORMAT", "text"))
        logs.log.critical("invalid settings: %s", e)
        raise SystemExit(2) from None
    logs.configure(settings.log_level, settings.log_format)
    from parley.app import serve as run
    from parley.cli.next_step import announce_next_step

    try:
        try:
            import uvloop

            uvloop.run(run(settings, announce_next_step))
        except ImportError:
            asyncio.run(run(settings, announce_next_step))
    except SystemExit as e:
        # A refusal to start ("cannot listen on ...") is a log record like the rest.
        if isinstance(e.code, str) and logs.json_enabled():
            logs.log.critical(e.code)
            raise SystemExit(1) from None
        raise


if __name__ == "__main__":
    main()

"""`parley` command line: `parley serve` starts the server."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from parley.config import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="parley", description="Parley IM server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the server")
    serve.add_argument("--listen", help="host:port (default 127.0.0.1:50051)")
    serve.add_argument("--data-dir", type=Path, help="data directory (default ./data)")
    serve.add_argument("--node-id", help="node id reported to clients")
    args = parser.parse_args(argv)
    if args.command == "serve":
        settings = Settings().with_overrides(
            listen=args.listen, data_dir=args.data_dir, node_id=args.node_id
        )
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        from parley.app import serve as run

        try:
            import uvloop

            uvloop.run(run(settings))
        except ImportError:
            asyncio.run(run(settings))


if __name__ == "__main__":
    main()

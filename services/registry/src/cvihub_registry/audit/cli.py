"""Offline check of the audit log: `python -m cvihub_registry.audit verify --database-url URL`.

A composition root of its own (like app.py): it needs the database only, not the broker or the
web app, so an auditor can run it against a copy or a replica. Exit status 0 = intact, 1 = broken.
"""

import argparse
import asyncio
import dataclasses
import json
import sys

from cvihub_registry.audit.chain import VerifyResult
from cvihub_registry.audit.service import verify_log
from cvihub_runtime.db import create_engine, session_factory


async def verify(database_url: str, schema: str | None) -> VerifyResult:
    """Verify the audit chain of the registry database at this URL (and PostgreSQL schema)."""
    engine = create_engine(database_url, schema)
    try:
        return await verify_log(session_factory(engine))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, verify, print the verdict as JSON; 1 when the chain is broken."""
    parser = argparse.ArgumentParser(prog="python -m cvihub_registry.audit")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="verify the audit log's hash chain and head")
    check.add_argument("--database-url", required=True, help="the registry's database URL")
    check.add_argument("--schema", default=None, help="the registry's PostgreSQL schema")
    args = parser.parse_args(argv)
    result = asyncio.run(verify(args.database_url, args.schema))
    print(json.dumps(dataclasses.asdict(result)))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`./hub bench [--quick] [--database postgresql] [--target DIR] [--growth] [--profile]`."""

import argparse
import asyncio
import sys
from pathlib import Path

from cvihub_bench.plan import FULL, QUICK
from cvihub_bench.report import write
from cvihub_bench.runner import POSTGRES_URL, Options, run
from cvihub_cli.stack_info import REPO_ROOT


def parse(argv: list[str]) -> tuple[Options, Path]:
    """Options from the command line, and where the report goes."""
    parser = argparse.ArgumentParser(
        prog="./hub bench",
        description="Start the embedded stack (or use --target), load it open-loop and write "
        "JSON, a Markdown table and a PNG chart to docs/bench/.",
    )
    parser.add_argument("--quick", action="store_true", help="About 3 minutes, fewer cells.")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="With --database postgresql.")
    parser.add_argument(
        "--target",
        type=Path,
        help="A running hub's data dir (or its stack.json); subscribers are created through "
        "its registry admin API and must reach this machine's receiver on 127.0.0.1.",
    )
    parser.add_argument(
        "--growth", action="store_true", help="Also latency and memory as rows grow."
    )
    parser.add_argument("--profile", action="store_true", help="py-spy intake and notifications.")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "bench")
    args = parser.parse_args(argv)
    options = Options(
        plan=QUICK if args.quick else FULL,
        plan_name="quick" if args.quick else "full",
        database=args.database,
        target=args.target,
        growth=args.growth,
        profile=args.profile,
        postgres_url=args.postgres_url,
    )
    return options, args.out


def main(argv: list[str] | None = None) -> None:
    """Run the bench and write the report."""
    options, out = parse(sys.argv[1:] if argv is None else argv)
    results = asyncio.run(run(options, log=lambda line: print(line, flush=True)))
    name = f"{options.plan_name}-{options.database}"
    for path in write(results, out, name):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

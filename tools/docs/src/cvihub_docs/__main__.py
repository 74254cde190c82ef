"""`python -m cvihub_docs generate | check [--docs DIR]`: write or verify docs/."""

import argparse
import sys
from pathlib import Path

from cvihub_docs.generate import render_all, repo_root, stale, write


def main(argv: list[str] | None = None) -> int:
    """Run the command; the exit status is 1 when `check` finds stale files."""
    parser = argparse.ArgumentParser(prog="python -m cvihub_docs", description=__doc__)
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument(
        "--docs", type=Path, default=repo_root() / "docs", help="the docs directory"
    )
    args = parser.parse_args(argv)
    files = render_all()
    if args.command == "generate":
        updated = write(args.docs, files)
        for item in updated:
            print(f"{'removed' if item.state == 'unexpected' else 'wrote'} {item}")
        print(f"{len(files)} generated files in {args.docs}, {len(updated)} updated")
        return 0
    problems = stale(args.docs, files)
    if problems:
        print("generated docs are stale; run ./hub docs and commit the result:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{len(files)} generated files in {args.docs} are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A released schema revision never changes: a change needs a new revision or a new major.

`cvihub contracts schemas` rewrites the current revision's file, so a breaking edit made without
bumping `schema_revision` would otherwise slip past the gate. Git remembers the first released
text of every file; this test holds each file to it.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
REPO = SCHEMAS.parents[1]


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout


def _has_history() -> bool:
    if shutil.which("git") is None:
        return False
    try:
        return _git("rev-parse", "--is-inside-work-tree").strip() == "true"
    except subprocess.CalledProcessError:
        return False


@pytest.mark.skipif(not _has_history(), reason="needs the git history of the repository")
def test_every_released_schema_file_is_unchanged_since_its_release() -> None:
    changed: list[str] = []
    checked = 0
    for path in sorted(SCHEMAS.rglob("*.json")):
        relative = path.relative_to(REPO).as_posix()
        added_in = _git("log", "--diff-filter=A", "--format=%H", "--", relative).split()
        if not added_in:
            continue  # not released yet: this change adds it
        checked += 1
        released = _git("show", f"{added_in[-1]}:{relative}")
        if released != path.read_text():
            changed.append(relative)

    assert changed == [], (
        f"released schema revisions were rewritten: {changed}. Restore them, bump "
        "schema_revision for an additive change, or add a new major for a breaking one."
    )
    assert checked > 0 or not _git("ls-files", "contracts/schemas").strip()

"""Read deploy/service.Dockerfile as the steps a Docker engine would run, so a test can run
them on this machine: each stage's ENV, WORKDIR, COPY and RUN, and the final CMD."""

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stage:
    """One FROM … section."""

    name: str | None
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    workdir: str = "/"
    copies: list[tuple[str | None, list[str], str, str]] = field(default_factory=list)
    """(--from stage or None, sources, destination, workdir at that point)."""
    runs: list[tuple[str, str]] = field(default_factory=list)
    """(shell command, workdir at that point)."""
    cmd: list[str] = field(default_factory=list)


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def parse(dockerfile: Path, build_args: dict[str, str]) -> list[Stage]:
    """The stages in order; ARG values come from build_args, ENV values are expanded."""
    stages: list[Stage] = []
    for keyword, rest in _instructions(dockerfile.read_text()):
        if keyword == "FROM":
            words = rest.split()
            stages.append(Stage(name=words[2] if len(words) > 2 else None))
            continue
        stage = stages[-1]
        known = {**{a: build_args.get(a, "") for a in stage.args}, **stage.env}
        if keyword == "ARG":
            stage.args.append(rest.split("=")[0])
        elif keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                stage.env[name] = _expand(value, known)
        elif keyword == "WORKDIR":
            stage.workdir = rest
        elif keyword == "COPY":
            words = rest.split()
            source_stage = None
            if words[0].startswith("--from="):
                source_stage = words.pop(0).removeprefix("--from=")
            stage.copies.append((source_stage, words[:-1], words[-1], stage.workdir))
        elif keyword == "RUN":
            stage.runs.append((rest, stage.workdir))
        elif keyword == "CMD":
            stage.cmd = json.loads(rest)
    return stages


def ignored(repo: Path) -> list[str]:
    """The .dockerignore patterns."""
    path = repo / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves this context path out (the `**/x` and `x` forms)."""
    parts = relative.split("/")
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, bare) for part in parts):
                return True
        elif fnmatch.fnmatch(relative, pattern) or parts[0] == pattern:
            return True
    return False

"""The service image starts: deploy/service.Dockerfile's own steps, run into a temporary
directory standing in for the image's file system, then its CMD until /health answers.

What a Docker engine would do, step by step: copy the build context (less .dockerignore) as the
build stage's COPY lines say, run its RUN lines, copy what the final stage takes `--from=build`
into a second root and delete the first (nothing may point back into the build stage), then
start the final stage's CMD with its ENV. Absolute paths (/src, /app) are mapped into the two
roots; that is itself a move, so a virtual environment that only works where it was built
fails here as it failed in the image. One service (intake) is enough: the steps are the same
for each, only the package differs. Runs once per test session, about 30-60 s."""

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from subprocess import Popen

import httpx
import pytest
from dockerfile_steps import Stage, ignored, is_ignored, parse

from cvihub_cli.embedded import embedded_consumer_env, free_port
from cvihub_testkit import eventually

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "service.Dockerfile"
SERVICE = "intake"
UV = REPO / ".tools" / "bin" / "uv"
# The python:3.11-slim image's own PATH, without this machine's virtual environments.
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def _mapped(text: str, root: Path) -> str:
    """Absolute image paths (/src…, /app…) moved under root."""
    return re.sub(r"(?<![\w./])/(src|app)\b", lambda m: f"{root}/{m.group(1)}", text)


def _copy_context(sources: list[str], destination: Path, patterns: list[str]) -> None:
    """COPY from the build context, leaving out what .dockerignore names."""
    for source in sources:
        path = REPO / source
        target = destination / Path(source).name if len(sources) > 1 else destination
        if path.is_dir():
            shutil.copytree(
                path,
                target,
                ignore=lambda directory, names: [
                    name
                    for name in names
                    if is_ignored(str((Path(directory) / name).relative_to(REPO)), patterns)
                ],
            )
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def _run_build_stage(stage: Stage, root: Path) -> None:
    """The build stage's COPY and RUN lines, in a directory standing in for its root."""
    patterns = ignored(REPO)
    for source_stage, sources, destination, workdir in stage.copies:
        assert source_stage is None, "the build stage copies from the context only"
        target = Path(destination) if destination.startswith("/") else Path(workdir) / destination
        mapped = Path(_mapped(str(target), root))
        if destination.endswith("/") and len(sources) > 1:
            mapped.mkdir(parents=True, exist_ok=True)
            for source in sources:
                _copy_context([source], mapped / source, patterns)
        else:
            _copy_context(sources, mapped, patterns)
    uv_version = subprocess.run(
        [str(UV), "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    env = {
        # The machine's network settings (certificates, package mirrors), as a build host has.
        **{k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}},
        **stage.env,
        "SERVICE": SERVICE,
        # The machine's pinned uv (./hub installs the same version) stands in for the image's.
        "PATH": f"{UV.parent}:{BASE_PATH}",
        "UV_PYTHON": sys._base_executable,
    }
    for command, workdir in stage.runs:
        if command.startswith("pip install"):
            assert f"uv=={uv_version}" in command, f"the image pins another uv: {command}"
            continue
        cwd = Path(_mapped(workdir, root))
        cwd.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["sh", "-c", _mapped(command, root)], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"RUN {command} failed:\n{done.stdout}\n{done.stderr}"


def _take_from_build(stage: Stage, build_root: Path, image_root: Path) -> None:
    """The final stage's COPY --from=build lines, then the build stage is gone."""
    taken = [c for c in stage.copies if c[0] == "build"]
    assert taken, "the final stage takes nothing from the build stage"
    for _, sources, destination, _ in taken:
        for source in sources:
            shutil.copytree(
                _mapped(source, build_root), _mapped(destination, image_root), symlinks=True
            )
    shutil.rmtree(build_root)


def _build_image(tmp_path: Path) -> tuple[Stage, Path]:
    """Both stages run; the final stage and the root standing in for the image's."""
    build, final = parse(DOCKERFILE, {"SERVICE": SERVICE})
    build_root, image_root = tmp_path / "build", tmp_path / "image"
    _run_build_stage(build, build_root)
    _take_from_build(final, build_root, image_root)
    return final, image_root


def _start(final: Stage, image_root: Path, tmp_path: Path, kafka: str, port: int) -> "Popen[bytes]":
    """The final stage's CMD as written, on a port free here and on loopback only."""
    command = [
        _mapped(part, image_root).replace("--port 8000", f"--port {port}")
        .replace("--host 0.0.0.0", "--host 127.0.0.1")
        for part in final.cmd
    ]  # fmt: skip
    env = {
        **{name: _mapped(value, image_root) for name, value in final.env.items()},
        "PATH": f"{image_root}/app/.venv/bin:{BASE_PATH}",
        "INTAKE_KAFKA_BOOTSTRAP_SERVERS": kafka,
        "INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}",
        **{k: v for k, v in embedded_consumer_env().items() if k.startswith("INTAKE_")},
    }
    assert env["PATH"].startswith(f"{image_root}/app/.venv/bin"), env["PATH"]
    workdir = Path(_mapped(final.workdir, image_root))
    workdir.mkdir(parents=True, exist_ok=True)
    with (tmp_path / "service.log").open("wb") as log:
        return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)


async def test_the_image_built_by_its_dockerfile_starts_and_answers_health(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    final, image_root = await asyncio.to_thread(_build_image, tmp_path)
    port = free_port()
    process = await asyncio.to_thread(_start, final, image_root, tmp_path, kafka_bootstrap, port)

    def healthy() -> bool:
        assert process.poll() is None, (tmp_path / "service.log").read_text()[-3000:]
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        assert await eventually(healthy, timeout=90, interval=0.25)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()

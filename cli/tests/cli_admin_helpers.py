"""Helpers of the CLI's admin tests: run `cvihub admin`, read what it printed, fake a server."""

import dataclasses
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from typer.testing import CliRunner, Result

from cvihub_cli.main import app
from cvihub_testkit import TestDatabase

ADMIN_TOKEN = "cli-admin-test-token-0123456789"
runner = CliRunner()


@dataclass(frozen=True)
class Registry:
    """The registry running for the admin tests."""

    url: str
    database: TestDatabase


def admin(registry: Registry | str, *args: str, token: str = ADMIN_TOKEN) -> Result:
    """Run `cvihub admin` with explicit options against a registry (or any URL)."""
    url = registry if isinstance(registry, str) else registry.url
    return runner.invoke(
        app,
        ["admin", "--registry-url", url, "--token", token, *args],
        env={"COLUMNS": "300"},
    )


def ok(result: Result) -> str:
    """The output of a command that must have succeeded."""
    assert result.exit_code == 0, result.output
    return result.output


def field(output: str, name: str) -> str:
    """A value from a printed object (a two-column table)."""
    match = re.search(rf"│ {re.escape(name)}\s+│ (.*?)\s*│", output)
    assert match, f"no {name} in:\n{output}"
    return match.group(1)


def row(output: str, first_cell: str) -> str:
    """The line of a printed table whose row contains `first_cell`."""
    lines = [line for line in output.splitlines() if first_cell in line]
    assert len(lines) == 1, output
    return lines[0]


@dataclass
class Seen:
    """One request the canned server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class CannedServer:
    """A real HTTP server on loopback answering every request with `status` and `reply`."""

    status: int = 200
    reply: Any = None
    seen: list[Seen] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                canned.seen.append(
                    Seen(
                        method=self.command,
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                payload = json.dumps(canned.reply).encode()
                self.send_response(canned.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where it listens."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


def env_app() -> Any:
    """An ASGI app factory for the fork-server test: answers with its pid, cwd and one setting."""
    import os

    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "cwd": os.getcwd(),
            "setting": os.environ.get("FORKED_SETTING"),
            "leaked": os.environ.get("CVIHUB_PARENT_ONLY"),
        }

    print("env app built", flush=True)
    return app

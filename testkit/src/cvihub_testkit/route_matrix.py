"""Test support for the cross-partner access matrices: which routes an app serves, and the
check that a refused object is hidden exactly like one that exists nowhere."""

import re
from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from cvihub_runtime.openapi import ASSETS_PATH as DOCS_ASSETS_PATH
from cvihub_runtime.problems import PROBLEM_BASE, PROBLEM_JSON

ADMIN_PREFIX = "/v1/admin"
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


class Answer(Protocol):
    """What the check reads of an HTTP client's response (httpx's, say)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route the app serves, included routers flattened."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            # The docs pages' scripts and styles: public static files, no ids, nothing to hide.
            assert route.path == DOCS_ASSETS_PATH, f"unlisted mount {route.path}"
            continue
        methods = route.methods or {"WEBSOCKET"}
        found |= {(method, str(route.path)) for method in methods if method != "HEAD"}
    # The enumeration leans on FastAPI internals that have changed before: cross-check it
    # with the OpenAPI document, so a blind enumeration fails instead of passing empty.
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if method.upper() in HTTP_METHODS
    }
    assert documented and documented <= found, documented - found
    return found


def takes_an_id(path: str) -> bool:
    """Whether a path template has a path parameter."""
    return re.search(r"\{[^}]+\}", path) is not None


def is_admin(path: str) -> bool:
    """Whether a path is on the admin API."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def assert_hidden(refused: Answer, missing: Answer) -> None:
    """A 404 problem, word for word the answer for an id that exists nowhere."""
    assert refused.status_code == 404, refused.text
    assert refused.headers["content-type"] == PROBLEM_JSON
    problem = refused.json()
    assert problem["status"] == 404 and problem["type"].startswith(PROBLEM_BASE)
    assert missing.status_code == 404, missing.text
    unlike = {"instance"}  # the path, which holds the id asked for
    assert {k: v for k, v in problem.items() if k not in unlike} == {
        k: v for k, v in missing.json().items() if k not in unlike
    }

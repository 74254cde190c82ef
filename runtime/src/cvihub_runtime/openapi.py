"""The API documents every service serves: what it really answers, and pages that work offline.

- Every error is RFC 9457 problem+json: one shared `ProblemDetails` schema and one `Problem`
  response stand in for FastAPI's own 422 schema, which the hub never sends.
- Routes that need a key declare the bearer scheme, so the docs pages offer to authorise.
- `/metrics` is Prometheus text, not JSON.
- Rules across fields (an expiry after its start) are in the bodies' schemas: in JSON Schema
  where it can say them, in words always (openapi_rules.py).
- Swagger UI and ReDoc load their scripts from the hub (the pinned fastapi-offline package),
  never from a CDN, so the pages work on a closed network.
"""

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute

from cvihub_runtime.edges import OnRefused, install_edges, prechecks_of
from cvihub_runtime.openapi_rules import document_rules
from cvihub_runtime.problems import PROBLEM_JSON
from cvihub_runtime.web import bearer_token

ASSETS_PATH = "/docs/assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
PROBLEM_REF = "#/components/responses/Problem"
_DESCRIPTIONS = {
    "400": "The body is not UTF-8 text (problem details)",
    "401": "Missing, unknown, revoked or expired API key (problem details)",
    "413": "The body exceeds the size limit (problem details)",
    "415": "The body is not application/json (problem details)",
    "422": "A field failed validation, named by JSON pointer (problem details)",
    "503": "The hub is busy; retry after Retry-After (problem details)",
}


class FieldError(BaseModel):
    """One field that failed, by JSON pointer into the body; the value is never echoed."""

    pointer: str = Field(examples=["#/location/zone"])
    detail: str
    code: str | None = None


class ProblemDetails(BaseModel):
    """An RFC 9457 problem (application/problem+json)."""

    type: str = Field(examples=["https://docs.cvihub.org/problems/validation-error"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


def _calls(dependant: Dependant) -> set[Any]:
    found = set()
    for sub in dependant.dependencies:
        found.add(sub.call)
        found |= _calls(sub)
    return found


def needs_key(route: APIRoute) -> bool:
    """Whether a route authenticates its caller with a bearer token."""
    return bool(prechecks_of(route)) or bearer_token in _calls(route.dependant)


def _problem(code: str) -> dict[str, Any]:
    return {"description": _DESCRIPTIONS.get(code, "Problem details"), "$ref": PROBLEM_REF}


def _document(schema: dict[str, Any], routes: list[BaseRoute]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["ProblemDetails"] = ProblemDetails.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    defs = schemas["ProblemDetails"].pop("$defs", {})
    schemas.update(defs)
    components.setdefault("responses", {})["Problem"] = {
        "description": "Problem details (RFC 9457)",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    }
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "Your API key: Authorization: Bearer cvh_…",
    }
    for context in iter_route_contexts(routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            path = context.path_format or route.path_format
            operation = schema.get("paths", {}).get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            codes = {"422", "503"} if "422" in responses else {"503"}
            if needs_key(route):
                # A route that names its own scheme (e.g. the registry's AdminToken) keeps it.
                operation.setdefault("security", [{"bearer": []}])
                codes.add("401")
                # The key is the bearer scheme; FastAPI also lists the header bearer_token reads
                # as a parameter, which told clients (and schemathesis) to send it twice over.
                parameters = [
                    p
                    for p in operation.get("parameters", [])
                    if not (
                        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
                    )
                ]
                if parameters:
                    operation["parameters"] = parameters
                else:
                    operation.pop("parameters", None)
            if route.body_field is not None:
                codes |= {"400", "413", "415", "422"}
            for code in codes:
                # FastAPI's own 422 (its HTTPValidationError schema) is never what is sent.
                if code not in responses or code == "422":
                    responses[code] = _problem(code)
            for code, response in responses.items():
                # A route's own error (e.g. 404 "no such referral") keeps its description and
                # gets the body every error has.
                if code[0] in "45" and "content" not in response and "$ref" not in response:
                    description = response.get("description") or _problem(code)["description"]
                    responses[code] = {"description": description, "$ref": PROBLEM_REF}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    document_rules(schemas)
    metrics = schema.get("paths", {}).get("/metrics", {}).get("get")
    if metrics is not None:
        metrics["responses"]["200"] = {
            "description": "Prometheus text exposition format",
            "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}},
        }
    return schema


def document_problems(app: FastAPI) -> None:
    """Make the app's OpenAPI say what it really answers (see the module docstring)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(generate(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def install_offline_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) and /redoc with their scripts from the hub itself."""
    default = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in default]
    app.mount(ASSETS_PATH, StaticFiles(directory=_ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title}: API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title}: API",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )


def install_http_surface(
    app: FastAPI, *, max_body_bytes: int, on_refused: OnRefused | None = None
) -> None:
    """The edge checks, the documents and the offline docs pages; call last in create_app."""
    install_edges(app, max_body_bytes=max_body_bytes, on_refused=on_refused)
    document_problems(app)
    install_offline_docs(app)

"""schemathesis against a service's OpenAPI, in process: generated requests go through the
running app (its lifespan, database and broker) over ASGI, and every check runs on each answer.

schemathesis and hypothesis are synchronous; the app runs on the test's event loop. So the
generation runs in a worker thread, and each request it sends hops onto the loop through a
small WSGI app that calls the app with httpx's ASGI transport."""

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import HypothesisException, Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

BASE_URL = "http://test"
# Every check, as configured by default, but one: a schema-valid request may still break a
# business rule the schema cannot state (an unknown recipient, a consent not in force), which
# the hub answers with a 400 or 422 problem. 5xx stay refused by not_a_server_error.
CONFIG = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
        }
    }
}
REQUEST_TIMEOUT_SECONDS = 30.0


MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def examples_per_operation(default: int) -> int:
    """Generated requests per operation, mode and identity (CVIHUB_API_FUZZ_EXAMPLES)."""
    return int(os.environ.get("CVIHUB_API_FUZZ_EXAMPLES", default))


@dataclass(frozen=True)
class Identity:
    """Who the generated requests are sent as: a bearer token, and the security schemes of the
    document it answers to (None: all). Operations of other schemes are not fuzzed as it:
    they could only answer 401, which the identities they are for prove too."""

    name: str
    token: str
    schemes: frozenset[str] | None = None

    def fuzzes(self, operation: dict[str, Any], *, first: bool) -> bool:
        """Whether to fuzz this operation as this identity (open ones: by the first only)."""
        wanted = {name for requirement in operation.get("security", []) for name in requirement}
        if not wanted:
            return first
        return self.schemes is None or bool(wanted & self.schemes)


@dataclass(frozen=True)
class Finding:
    """A check that failed: which operation, as whom, with which kind of data, and why."""

    operation: str
    identity: str
    mode: str
    message: str

    def __str__(self) -> str:
        return f"{self.operation} as {self.identity} ({self.mode}): {self.message}"


def _wire(text: str) -> str:
    """A WSGI (latin-1) URL part as sent on the wire: escapes kept, other bytes escaped."""
    return quote(text.encode("latin-1"), safe="!#$%&'()*+,/:;=?@[]~-._")


class _AsgiBridge:
    """A WSGI app that hands each request to the ASGI app on the test's event loop.

    schemathesis sends through it (its WSGI transport) every request, its own probes too
    (the auth check resends without credentials): nothing leaves the process."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self._loop = loop

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., object]
    ) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [
            (name[5:].replace("_", "-").lower(), value)
            for name, value in environ.items()
            if name.startswith("HTTP_")
        ]
        for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(name):
                headers.append((name.replace("_", "-").lower(), environ[name]))
        # The path as sent (still percent-encoded; werkzeug keeps it, query apart, in RAW_URI)
        # and the query string; both hold bytes as latin-1, per WSGI.
        path = str(environ.get("RAW_URI") or environ.get("PATH_INFO") or "/").split("?")[0]
        query = str(environ.get("QUERY_STRING", ""))
        target = _wire(path) + (f"?{_wire(query)}" if query else "")
        call = self._client.request(
            environ["REQUEST_METHOD"],
            target,
            headers=headers,
            content=body,
        )
        answer = asyncio.run_coroutine_threadsafe(call, self._loop).result(REQUEST_TIMEOUT_SECONDS)
        start_response(f"{answer.status_code} {answer.reason_phrase}", answer.headers.multi_items())
        return [answer.content]


@dataclass
class FuzzReport:
    """What a run sent and found."""

    findings: list[Finding] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    """Requests sent per operation (label), every identity and mode together."""
    statuses: Counter[int] = field(default_factory=Counter)


def _run(strategy: Any, headers: dict[str, str] | None, examples: int, report: FuzzReport) -> None:
    """Send `examples` generated cases and run every check on each answer; raise on a failure."""

    # No shrinking: the first failing input is reported, and the run stays short.
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @hypothesis.given(case=strategy)
    def check(case: Any) -> None:
        report.calls[case.operation.label] += 1
        response = case.call_and_validate(base_url=BASE_URL, headers=headers)
        report.statuses[response.status_code] += 1

    check()


def _schema(
    openapi: dict[str, Any], identity: Identity, disabled_checks: Iterable[str]
) -> schemathesis.BaseSchema:
    """The document, its every bearer scheme given the identity's token."""
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    checks = {**CONFIG["checks"], **{name: {"enabled": False} for name in disabled_checks}}
    config: dict[str, Any] = {**CONFIG, "checks": checks}
    if schemes:
        config["auth"] = {"openapi": {name: {"bearer": identity.token} for name in schemes}}
    schema = schemathesis.openapi.from_dict(openapi, config=schemathesis.Config.from_dict(config))
    schema.config.update(base_url=BASE_URL)
    return schema


def _fuzz_sync(
    openapi: dict[str, Any],
    bridge: _AsgiBridge,
    identities: list[Identity],
    examples: int,
    disabled_checks: tuple[str, ...],
) -> FuzzReport:
    report = FuzzReport()
    # A document without a security scheme gets the key as a plain header (its routes still
    # want one); schemathesis then cannot tell a missing key from an ignored one.
    has_schemes = bool(openapi.get("components", {}).get("securitySchemes"))
    for identity in identities:
        schema = _schema(openapi, identity, disabled_checks)
        schema.app = bridge
        headers = None if has_schemes else {"Authorization": f"Bearer {identity.token}"}
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                raise RuntimeError(f"the document does not load: {result.err()}")
            operation = result.ok()
            if not identity.fuzzes(operation.definition.raw, first=identity is identities[0]):
                continue
            for mode in MODES:
                strategy = operation.as_strategy(generation_mode=mode)
                try:
                    _run(strategy, headers, examples, report)
                except Unsatisfiable:
                    continue  # nothing to make invalid here (no parameters, no body)
                except HypothesisException:
                    raise  # the harness is wrong, not the service
                except (Exception, FailureGroup) as failure:  # a check failed: keep its input
                    report.findings.append(
                        Finding(operation.label, identity.name, mode.value, str(failure)[:3000])
                    )
    return report


async def fuzz_openapi(
    openapi: dict[str, Any],
    client: httpx.AsyncClient,
    identities: Iterable[Identity],
    *,
    examples: int,
    disabled_checks: tuple[str, ...] = (),
) -> FuzzReport:
    """Run every schemathesis check on generated requests (valid and invalid) to each operation,
    as each identity. Findings: at most one per operation, identity and mode.
    `disabled_checks` names checks (e.g. content_type_conformance) not run: known defects."""
    bridge = _AsgiBridge(client, asyncio.get_running_loop())
    return await asyncio.to_thread(
        _fuzz_sync, openapi, bridge, list(identities), examples, disabled_checks
    )

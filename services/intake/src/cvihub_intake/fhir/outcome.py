"""OperationOutcome: each problem of a FHIR request named by FHIRPath."""

from dataclasses import dataclass
from typing import Any

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Issue:
    """One problem: FHIR issue type code, what is wrong, and where (a FHIRPath)."""

    code: str
    diagnostics: str
    expression: str | None = None


class FhirRefusal(Exception):
    """A FHIR request refused with these issues and this HTTP status."""

    def __init__(self, status: int, issues: list[Issue]) -> None:
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.status = status
        self.issues = issues


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    """An OperationOutcome resource (JSON) listing every issue as an error."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }


def fhirpath_of(root: str, loc: tuple[Any, ...]) -> str:
    """A pydantic error location in a resource as a FHIRPath (entry[0].resource.status)."""
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = str(part).removesuffix("_fhir").removesuffix("__ext")
            path += f".{name}"
    return path


def with_fhir_outcomes(problems: dict[int | str, Any]) -> dict[int | str, Any]:
    """The problem responses, where a refusal may also come as an OperationOutcome."""
    documented = dict(problems)
    for code in (400, 403, 415, 422):
        response = dict(documented.get(code, {"description": "Refused"}))
        response["content"] = {**response.get("content", {}), FHIR_JSON: {}}
        documented[code] = response
    return documented

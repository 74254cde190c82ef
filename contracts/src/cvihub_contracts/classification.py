"""Data classification of every field, kept in the schema itself."""

from enum import StrEnum
from typing import Any

from pydantic import Field


class Classification(StrEnum):
    """How sensitive a field is; the registry grants access per classification."""

    PUBLIC = "public"
    INTERNAL = "internal"
    PII = "pii"
    PHI = "phi"
    CJI = "cji"
    PART2 = "part2"


CLASSIFICATION_KEY = "x-classification"


def classified(classification: Classification, description: str, **kwargs: Any) -> Any:
    """A pydantic Field that carries its classification into the JSON Schema."""
    return Field(
        description=description,
        json_schema_extra={CLASSIFICATION_KEY: classification.value},
        **kwargs,
    )

"""Data classification of every field, kept in the schema itself."""

from collections.abc import Iterable
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

# Least to most sensitive: an envelope carries the most sensitive classification of its data.
SENSITIVITY_ORDER: tuple[Classification, ...] = (
    Classification.PUBLIC,
    Classification.INTERNAL,
    Classification.PII,
    Classification.CJI,
    Classification.PHI,
    Classification.PART2,
)


def most_sensitive(classifications: Iterable[Classification]) -> Classification:
    """The most sensitive of some classifications; INTERNAL when there are none."""
    return max(classifications, key=SENSITIVITY_ORDER.index, default=Classification.INTERNAL)


def classified(classification: Classification, description: str, **kwargs: Any) -> Any:
    """A pydantic Field that carries its classification into the JSON Schema."""
    return Field(
        description=description,
        json_schema_extra={CLASSIFICATION_KEY: classification.value},
        **kwargs,
    )

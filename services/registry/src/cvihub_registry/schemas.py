"""What the registry's HTTP bodies share: base models and the field types partners fill in."""

import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from cvihub_contracts.codes import AgeGroup, CviService
from cvihub_contracts.registry.changes_v1 import E164_PATTERN

PARTNER_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def control_character(text: str, *, multiline: bool = False) -> int | None:
    """The index of the first control character (Unicode Cc) in `text`, or None; a newline is
    allowed where the text may span lines."""
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and not (multiline and char == "\n"):
            return index
    return None


def _refuse_control(text: Any, *, multiline: bool) -> Any:
    if not isinstance(text, str):  # not text at all: the field's own type check says so
        return text
    index = control_character(text, multiline=multiline)
    if index is not None:
        # Printed raw, such a character could retitle or clear an operator's terminal.
        raise PydanticCustomError(
            "control_character",
            "control characters are not allowed{allowed}: U+{code:04X} at position {index}",
            {
                "allowed": " (only newlines)" if multiline else "",
                "code": ord(text[index]),
                "index": index,
            },
        )
    return text


def _plain(text: Any) -> Any:
    return _refuse_control(text, multiline=False)


def _multiline(text: Any) -> Any:
    return _refuse_control(text, multiline=True)


SINGLE_LINE = BeforeValidator(_plain)
"""Refuses control characters (Unicode category Cc) before any other check; put it after a
field's constraints (`Annotated[str, Field(...), SINGLE_LINE]`) so they stay in the schema."""
MULTI_LINE = BeforeValidator(_multiline)
"""Refuses control characters but the newline; put it after a field's constraints."""
PlainText = Annotated[str, SINGLE_LINE]
"""Text on one line from outside the hub: no control characters."""
MultilineText = Annotated[str, MULTI_LINE]
"""Text that may span lines: no control characters but the newline."""

PartnerId = Annotated[str, Field(pattern=PARTNER_ID_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN), SINGLE_LINE]
Phone = Annotated[str, Field(pattern=E164_PATTERN)]
Description = Annotated[str, Field(max_length=4000), MULTI_LINE]
Zone = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S"), SINGLE_LINE]
Zones = Annotated[list[Zone], Field(min_length=1, max_length=100)]
AreaName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S"), SINGLE_LINE]
AreaNames = Annotated[list[AreaName], Field(max_length=100)]
"""Zones, beats or community areas a partner serves (names as the network spells them)."""
ServiceName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S"), SINGLE_LINE]
ServiceNames = Annotated[list[ServiceName], Field(max_length=50)]
CviServices = Annotated[list[CviService], Field(max_length=len(CviService))]
"""CVI service codes a partner provides (its directory entry; network referrals match on them)."""
Language = Annotated[str, Field(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
Languages = Annotated[list[Language], Field(max_length=50)]
"""Languages a partner works in, BCP 47 tags (`en`, `es`, `zh-Hant`)."""
AgeGroups = Annotated[list[AgeGroup], Field(max_length=len(AgeGroup))]
"""Age groups a partner serves; empty = every age."""
Website = Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s/]+\S*$"), SINGLE_LINE]


class RequestBody(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    """A response body, read from the registry's plain values."""

    model_config = ConfigDict(from_attributes=True)

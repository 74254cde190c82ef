"""Timestamps in events: timezone-aware, occurrences not in the future, periods in order.

- `Timestamp`: any point in time; a value without a time zone is refused (whose clock was it?).
- `OccurredAt` / `OccurredOn`: when something happened or was given (an incident, a consent,
  an injury); at most the allowed skew ahead of now, for clocks that run a little fast.
- `period_end(end, start)`: a field validator ordering a period's end after its start.
Each refusal is raised on the field it is about, so its error names that field.

The skew comes from the validation context (`model_validate(..., context={"future_skew":
timedelta(...), "now": datetime})`) or else from this module's setting (`set_future_skew`)."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, ValidationInfo, field_validator

DEFAULT_FUTURE_SKEW = timedelta(minutes=5)
_future_skew = DEFAULT_FUTURE_SKEW


def set_future_skew(skew: timedelta) -> None:
    """How far ahead of now an occurrence time may be, for every validation without a context."""
    global _future_skew
    if skew < timedelta(0):
        raise ValueError("the future skew cannot be negative")
    _future_skew = skew


def future_skew() -> timedelta:
    """The skew in force when the validation context names none."""
    return _future_skew


def _skew(info: ValidationInfo) -> timedelta:
    context = info.context if isinstance(info.context, dict) else {}
    skew = context.get("future_skew", _future_skew)
    return skew if isinstance(skew, timedelta) else timedelta(seconds=float(skew))


def _limit(info: ValidationInfo) -> datetime:
    context = info.context if isinstance(info.context, dict) else {}
    now: datetime = context.get("now") or datetime.now(UTC)
    return now + _skew(info)


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    if value > _limit(info):
        minutes = _skew(info).total_seconds() / 60
        raise ValueError(
            f"{info.field_name or 'the time'} is in the future (more than {minutes:g} min "
            "ahead of the hub's clock)"
        )
    return value


def _day_not_in_future(value: date, info: ValidationInfo) -> date:
    # A day has no zone: refuse only a day that has not begun anywhere (UTC+14) yet.
    if value > (_limit(info) + timedelta(hours=14)).date():
        raise ValueError(f"{info.field_name or 'the day'} is in the future")
    return value


Timestamp = AwareDatetime
"""A point in time with its time zone (RFC 3339 with an offset or Z)."""

OccurredAt = Annotated[AwareDatetime, AfterValidator(_not_in_future)]
"""When something happened or was given: timezone-aware, not (beyond the skew) in the future."""

OccurredOn = Annotated[date, AfterValidator(_day_not_in_future)]
"""The day something happened: not a day that has not begun yet."""


def period_end(end: str, start: str, *, strictly: bool = True) -> Any:
    """A field validator for a model body: `end`, when set with `start`, comes after it (or, not
    strictly, at the same time). Declare `end` after `start`; the refusal names `end`.

        _expiry_after_start = period_end("expires_at", "starts_at")"""

    def check(cls: type, value: Any, info: ValidationInfo) -> Any:
        begun = info.data.get(start)
        if value is None or begun is None:
            return value
        if value < begun or (strictly and value == begun):
            raise ValueError(f"{end} must be {'after' if strictly else 'at or after'} {start}")
        return value

    return field_validator(end)(check)

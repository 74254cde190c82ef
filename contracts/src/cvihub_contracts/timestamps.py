"""Timestamps in events: timezone-aware, occurrences not in the future, periods in order.

- `Timestamp`: any point in time; a value without a time zone is refused (whose clock was it?).
- `OccurredAt` / `OccurredOn`: when something happened or was given (an incident, a consent,
  an injury); at most the allowed skew ahead of now, for clocks that run a little fast.
- `period_end(end, start)`: a field validator ordering a period's end after its start.
Each refusal is raised on the field it is about, so its error names that field.

The skew comes from the validation context (`model_validate(..., context={"future_skew":
timedelta(...), "now": datetime})`) or else from this module's setting (`set_future_skew`).

The clock is checked where outside data enters: validating a partner's submission (a
`ClockChecked` model: intake's request bodies), or any validation whose context names a
`future_skew`. An event (built by a service, read from the broker, upcast) is a fact the hub
already accepted when its submission was checked: it is not held to the reading host's clock,
so clock drift or a replay never dead-letters it. Zones and period order are checked always."""

from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

DEFAULT_FUTURE_SKEW = timedelta(minutes=5)
_future_skew = DEFAULT_FUTURE_SKEW
ACCEPTED_EVENT: dict[str, Any] = {"future_skew": None}
"""The validation context of an event the hub already accepted: no clock check."""
# Set while a ClockChecked model (a submission) validates, nested parts included.
_checking_the_clock: ContextVar[bool] = ContextVar("checking_the_clock", default=False)


class ClockChecked(BaseModel):
    """A body partners send: validating it checks its occurrence times against the clock.

    Event classes that extend a submission set `checks_clock = False` (EventData does)."""

    checks_clock: ClassVar[bool] = True

    @model_validator(mode="wrap")
    @classmethod
    def _against_the_clock(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not cls.checks_clock:
            return handler(data)
        token = _checking_the_clock.set(True)
        try:
            return handler(data)
        finally:
            _checking_the_clock.reset(token)


def set_future_skew(skew: timedelta) -> None:
    """How far ahead of now an occurrence time may be, for every validation without a context."""
    global _future_skew
    if skew < timedelta(0):
        raise ValueError("the future skew cannot be negative")
    _future_skew = skew


def future_skew() -> timedelta:
    """The skew in force when the validation context names none."""
    return _future_skew


def _skew(info: ValidationInfo) -> timedelta | None:
    """The skew to check against, or None: no clock check for this validation."""
    context = info.context if isinstance(info.context, dict) else {}
    if "future_skew" in context:
        skew = context["future_skew"]
    elif _checking_the_clock.get():
        skew = _future_skew
    else:
        return None
    if skew is None or isinstance(skew, timedelta):
        return skew
    return timedelta(seconds=float(skew))


def _limit(info: ValidationInfo) -> datetime | None:
    skew = _skew(info)
    if skew is None:
        return None
    context = info.context if isinstance(info.context, dict) else {}
    now: datetime = context.get("now") or datetime.now(UTC)
    return now + skew


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    limit = _limit(info)
    if limit is not None and value > limit:
        minutes = (_skew(info) or timedelta(0)).total_seconds() / 60
        raise ValueError(
            f"{info.field_name or 'the time'} is in the future (more than {minutes:g} min "
            "ahead of the hub's clock)"
        )
    return value


def _day_not_in_future(value: date, info: ValidationInfo) -> date:
    # A day has no zone: refuse only a day that has not begun anywhere (UTC+14) yet.
    limit = _limit(info)
    if limit is not None and value > (limit + timedelta(hours=14)).date():
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

    # Read by cvihub_contracts.rules, so documents state the rule beside the field.
    check.cvihub_period = (end, start, strictly)  # type: ignore[attr-defined]
    return field_validator(end)(check)

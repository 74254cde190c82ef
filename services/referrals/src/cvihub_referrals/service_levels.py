"""Service levels: how soon a referral must be accepted and its person first reached.

Configured per urgency, optionally per urgency and requested service (`urgent:hospital-response`
beats `urgent`). A duration is a number and a unit: `30m`, `4h`, `1d`, or `2bd` (business days,
Monday to Friday in UTC); `s` (seconds) is for demonstrations and tests. A referral is overdue
when it is still requested after `accept`, or accepted without a first contact after
`first_contact`; then its owner is reminded, and after
`escalate` more the hub escalates: it re-offers a network referral or alerts the sender.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cvihub_contracts.referral.status_changed_v1 import ReferralStatus

_DURATION = re.compile(r"^(?P<n>\d{1,4})(?P<unit>s|m|h|d|bd)$")
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}


def due_after(start: datetime, duration: str) -> datetime:
    """When a duration that started at `start` ends (business days skip Saturday and Sunday)."""
    match = _DURATION.fullmatch(duration)
    if match is None:
        raise ValueError(f"not a duration: {duration!r} (e.g. 30m, 4h, 1d, 2bd)")
    count, unit = int(match["n"]), match["unit"]
    if unit != "bd":
        return start + count * _UNITS[unit]
    end = start
    while count > 0:
        end += timedelta(days=1)
        if end.weekday() < 5:
            count -= 1
    return end


class ServiceLevel(BaseModel):
    """Deadlines of one kind of referral."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accept: str = Field(description="Accepted within this long of its submission.")
    first_contact: str = Field(description="Person first reached within this long of acceptance.")
    escalate: str = Field(description="After the owner's reminder, escalate this much later.")

    @field_validator("accept", "first_contact", "escalate")
    @classmethod
    def _duration(cls, value: str) -> str:
        due_after(datetime(2024, 1, 1), value)
        return value


DEFAULT_SERVICE_LEVELS: dict[str, ServiceLevel] = {
    # A same-day bedside response: accepted within 30 minutes.
    "emergent": ServiceLevel(accept="30m", first_contact="4h", escalate="30m"),
    "urgent": ServiceLevel(accept="4h", first_contact="24h", escalate="2h"),
    "routine": ServiceLevel(accept="2bd", first_contact="24h", escalate="1bd"),
}


def level_for(
    levels: dict[str, ServiceLevel], urgency: str, services: list[str]
) -> ServiceLevel | None:
    """The service level of a referral: the first `urgency:service` match, else `urgency`."""
    for service in services:
        if f"{urgency}:{service}" in levels:
            return levels[f"{urgency}:{service}"]
    return levels.get(urgency)


class Clock(StrEnum):
    """Which deadline runs."""

    ACCEPT = "accept"
    FIRST_CONTACT = "first-contact"


@dataclass(frozen=True)
class Deadline:
    """The deadline a referral is under now, if any."""

    clock: Clock
    due_at: datetime
    escalate_at: datetime

    def overdue(self, now: datetime) -> bool:
        """Whether the deadline has passed."""
        return now >= self.due_at


def deadline_of(
    level: ServiceLevel | None,
    *,
    status: str,
    submitted_at: datetime,
    accepted_at: datetime | None,
    first_contact_at: datetime | None,
) -> Deadline | None:
    """The deadline running for a referral in this state; None when none runs."""
    if level is None:
        return None
    if status == ReferralStatus.REQUESTED.value:
        due = due_after(submitted_at, level.accept)
        return Deadline(Clock.ACCEPT, due, due_after(due, level.escalate))
    waiting = {ReferralStatus.ACCEPTED.value, ReferralStatus.IN_PROGRESS.value}
    if status in waiting and accepted_at is not None and first_contact_at is None:
        due = due_after(accepted_at, level.first_contact)
        return Deadline(Clock.FIRST_CONTACT, due, due_after(due, level.escalate))
    return None

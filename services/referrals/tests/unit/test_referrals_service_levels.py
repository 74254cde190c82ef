"""Service levels: durations, business days, which level applies, which deadline runs."""

from datetime import UTC, datetime, timedelta

import pytest

from cvihub_referrals.service_levels import (
    DEFAULT_SERVICE_LEVELS,
    Clock,
    ServiceLevel,
    deadline_of,
    due_after,
    level_for,
)
from cvihub_referrals.settings import ReferralsSettings
from cvihub_runtime.secretbox import new_fernet_key

FRIDAY = datetime(2024, 5, 3, 10, 0, tzinfo=UTC)


def test_durations_and_business_days() -> None:
    assert due_after(FRIDAY, "30m") == FRIDAY + timedelta(minutes=30)
    assert due_after(FRIDAY, "5s") == FRIDAY + timedelta(seconds=5)  # a demo's short level
    assert due_after(FRIDAY, "24h") == FRIDAY + timedelta(days=1)
    assert due_after(FRIDAY, "2d") == FRIDAY + timedelta(days=2)
    assert due_after(FRIDAY, "2bd") == datetime(2024, 5, 7, 10, 0, tzinfo=UTC)  # Tuesday
    assert due_after(FRIDAY, "1bd") == datetime(2024, 5, 6, 10, 0, tzinfo=UTC)  # Monday
    for bad in ("", "30", "2w", "-1h", "1.5h"):
        with pytest.raises(ValueError, match="not a duration"):
            due_after(FRIDAY, bad)


def test_a_service_specific_level_wins_over_its_urgency() -> None:
    bedside = ServiceLevel(accept="15m", first_contact="1h", escalate="15m")
    levels = {**DEFAULT_SERVICE_LEVELS, "emergent:hospital-response": bedside}
    assert level_for(levels, "emergent", ["mentoring", "hospital-response"]) == bedside
    assert level_for(levels, "emergent", ["mentoring"]) == DEFAULT_SERVICE_LEVELS["emergent"]
    assert level_for({}, "routine", []) is None


def test_the_running_deadline_follows_the_state() -> None:
    level = DEFAULT_SERVICE_LEVELS["emergent"]
    requested = deadline_of(
        level, status="requested", submitted_at=FRIDAY, accepted_at=None, first_contact_at=None
    )
    assert requested is not None and requested.clock is Clock.ACCEPT
    assert requested.due_at == FRIDAY + timedelta(minutes=30)
    assert requested.escalate_at == FRIDAY + timedelta(hours=1)
    assert not requested.overdue(FRIDAY + timedelta(minutes=29))
    assert requested.overdue(FRIDAY + timedelta(minutes=30))
    accepted_at = FRIDAY + timedelta(minutes=5)
    waiting = deadline_of(
        level,
        status="in-progress",
        submitted_at=FRIDAY,
        accepted_at=accepted_at,
        first_contact_at=None,
    )
    assert waiting is not None and waiting.clock is Clock.FIRST_CONTACT
    assert waiting.due_at == accepted_at + timedelta(hours=4)
    for status, contacted in [("in-progress", accepted_at), ("completed", None)]:
        assert (
            deadline_of(
                level,
                status=status,
                submitted_at=FRIDAY,
                accepted_at=accepted_at,
                first_contact_at=contacted,
            )
            is None
        )


def test_settings_refuse_an_unknown_urgency_or_service_or_duration() -> None:
    level = {"accept": "1h", "first_contact": "1h", "escalate": "1h"}
    for key in ("soon", "urgent:juggling"):
        with pytest.raises(ValueError, match="urgency"):
            ReferralsSettings(secret_key=_key(), service_levels={key: level})
    with pytest.raises(ValueError, match="not a duration"):
        ReferralsSettings(secret_key=_key(), service_levels={"urgent": {**level, "accept": "soon"}})
    ok = ReferralsSettings(secret_key=_key(), service_levels={"urgent:mentoring": level})
    assert ok.service_levels["urgent:mentoring"].accept == "1h"


def _key() -> str:
    return new_fernet_key()

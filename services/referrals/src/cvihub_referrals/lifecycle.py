"""The referral life cycle (HL7 Gravity SDOH Clinical Care referral Task): moves and who makes them.

The Gravity IG gives each Task status to one side: the requester (the referring partner) sets
`requested` and `entered-in-error`; the responder (the recipient) `accepted`, `rejected`,
`in-progress`, `on-hold`, `failed` and `completed`; either side may set `canceled`.
"""

from collections.abc import Mapping
from enum import StrEnum

from cvihub_contracts.referral.status_changed_v1 import ReferralStatus

S = ReferralStatus


class Role(StrEnum):
    """A partner's part in one referral."""

    REFERRER = "referrer"
    RECIPIENT = "recipient"


REQUESTER = frozenset({Role.REFERRER})
RESPONDER = frozenset({Role.RECIPIENT})
EITHER = frozenset({Role.REFERRER, Role.RECIPIENT})

FINAL_STATUSES: frozenset[ReferralStatus] = frozenset(
    {S.REJECTED, S.CANCELED, S.FAILED, S.COMPLETED, S.ENTERED_IN_ERROR}
)

SETS_STATUS: Mapping[ReferralStatus, frozenset[Role]] = {
    S.REQUESTED: REQUESTER,
    S.ENTERED_IN_ERROR: REQUESTER,
    S.ACCEPTED: RESPONDER,
    S.REJECTED: RESPONDER,
    S.IN_PROGRESS: RESPONDER,
    S.ON_HOLD: RESPONDER,
    S.FAILED: RESPONDER,
    S.COMPLETED: RESPONDER,
    S.CANCELED: EITHER,
}
"""Who may set each status, as the Gravity IG assigns it."""

_MOVES: frozenset[tuple[ReferralStatus, ReferralStatus]] = frozenset(
    {
        (S.REQUESTED, S.ACCEPTED),
        (S.REQUESTED, S.REJECTED),
        (S.ACCEPTED, S.IN_PROGRESS),
        (S.ACCEPTED, S.ON_HOLD),
        (S.ACCEPTED, S.COMPLETED),
        (S.ACCEPTED, S.FAILED),
        (S.IN_PROGRESS, S.ON_HOLD),
        (S.IN_PROGRESS, S.COMPLETED),
        (S.IN_PROGRESS, S.FAILED),
        (S.ON_HOLD, S.IN_PROGRESS),
        (S.ON_HOLD, S.FAILED),
        (S.ON_HOLD, S.COMPLETED),
        *(
            (status, final)
            for status in ReferralStatus
            if status not in FINAL_STATUSES
            for final in (S.CANCELED, S.ENTERED_IN_ERROR)
        ),
    }
)

TRANSITIONS: Mapping[tuple[ReferralStatus, ReferralStatus], frozenset[Role]] = {
    move: SETS_STATUS[move[1]] for move in sorted(_MOVES)
}
"""Which (from, to) moves exist, and which roles may make each (the target's setter)."""


class InvalidTransition(ValueError):
    """The referral's life cycle has no such move."""

    def __init__(self, current: ReferralStatus, target: ReferralStatus) -> None:
        super().__init__(f"a referral cannot move from {current} to {target}")
        self.current = current
        self.target = target


class TransitionForbidden(PermissionError):
    """The move exists, but only the other party may make it."""

    def __init__(self, target: ReferralStatus, allowed: frozenset[Role]) -> None:
        super().__init__(f"only the {' or '.join(sorted(allowed))} may move a referral to {target}")
        self.target = target
        self.allowed = allowed
        self.required = min(allowed)


def check_transition(
    current: ReferralStatus, target: ReferralStatus, roles: frozenset[Role]
) -> None:
    """Raise InvalidTransition or TransitionForbidden unless these roles may make this move."""
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise InvalidTransition(current, target)
    if not allowed & roles:
        raise TransitionForbidden(target, allowed)

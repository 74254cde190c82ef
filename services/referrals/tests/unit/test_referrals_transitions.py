"""The referral life cycle table and who may move a referral where."""

import pytest

from cvihub_contracts.referral.status_changed_v1 import ReferralStatus as S
from cvihub_referrals.service import (
    FINAL_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    Role,
    TransitionForbidden,
    check_transition,
)

REFERRER = frozenset({Role.REFERRER})
RECIPIENT = frozenset({Role.RECIPIENT})

EXPECTED: dict[tuple[S, S], Role] = {
    (S.REQUESTED, S.ACCEPTED): Role.RECIPIENT,
    (S.REQUESTED, S.REJECTED): Role.RECIPIENT,
    (S.REQUESTED, S.CANCELED): Role.REFERRER,
    (S.REQUESTED, S.ENTERED_IN_ERROR): Role.REFERRER,
    (S.ACCEPTED, S.IN_PROGRESS): Role.RECIPIENT,
    (S.ACCEPTED, S.ON_HOLD): Role.RECIPIENT,
    (S.ACCEPTED, S.COMPLETED): Role.RECIPIENT,
    (S.ACCEPTED, S.FAILED): Role.RECIPIENT,
    (S.ACCEPTED, S.CANCELED): Role.REFERRER,
    (S.ACCEPTED, S.ENTERED_IN_ERROR): Role.REFERRER,
    (S.IN_PROGRESS, S.ON_HOLD): Role.RECIPIENT,
    (S.IN_PROGRESS, S.COMPLETED): Role.RECIPIENT,
    (S.IN_PROGRESS, S.FAILED): Role.RECIPIENT,
    (S.IN_PROGRESS, S.ENTERED_IN_ERROR): Role.REFERRER,
    (S.ON_HOLD, S.IN_PROGRESS): Role.RECIPIENT,
    (S.ON_HOLD, S.FAILED): Role.RECIPIENT,
    (S.ON_HOLD, S.COMPLETED): Role.RECIPIENT,
    (S.ON_HOLD, S.ENTERED_IN_ERROR): Role.REFERRER,
}


def test_the_table_is_exactly_the_briefed_life_cycle() -> None:
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.parametrize(("move", "role"), EXPECTED.items(), ids=lambda v: str(v))
def test_each_allowed_move_passes_for_its_role_only(move: tuple[S, S], role: Role) -> None:
    current, target = move
    check_transition(current, target, frozenset({role}))
    other = RECIPIENT if role is Role.REFERRER else REFERRER
    with pytest.raises(TransitionForbidden) as refused:
        check_transition(current, target, other)
    assert refused.value.required is role


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.REQUESTED, S.IN_PROGRESS),
        (S.REQUESTED, S.COMPLETED),
        (S.REQUESTED, S.REQUESTED),
        (S.ACCEPTED, S.ACCEPTED),
        (S.ACCEPTED, S.REJECTED),
        (S.ON_HOLD, S.ON_HOLD),
        (S.IN_PROGRESS, S.ACCEPTED),
        (S.IN_PROGRESS, S.CANCELED),
    ],
)
def test_moves_outside_the_life_cycle_are_invalid_for_anyone(current: S, target: S) -> None:
    both = frozenset({Role.REFERRER, Role.RECIPIENT})
    with pytest.raises(InvalidTransition) as invalid:
        check_transition(current, target, both)
    assert (invalid.value.current, invalid.value.target) == (current, target)
    assert str(current) in str(invalid.value) and str(target) in str(invalid.value)


@pytest.mark.parametrize("final", sorted(FINAL_STATUSES))
def test_a_final_status_has_no_way_out(final: S) -> None:
    assert {S.REJECTED, S.CANCELED, S.FAILED, S.COMPLETED, S.ENTERED_IN_ERROR} == FINAL_STATUSES
    for target in S:
        with pytest.raises(InvalidTransition):
            check_transition(final, target, frozenset(Role))


def test_a_partner_with_no_role_may_make_no_move() -> None:
    with pytest.raises(TransitionForbidden):
        check_transition(S.REQUESTED, S.ACCEPTED, frozenset())
    with pytest.raises(TransitionForbidden):
        check_transition(S.REQUESTED, S.CANCELED, frozenset())

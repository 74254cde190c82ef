"""The referral life cycle table and who may move a referral where (the Gravity IG's roles)."""

import pytest

from cvihub_contracts.referral.status_changed_v1 import ReferralStatus as S
from cvihub_referrals.lifecycle import (
    FINAL_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    Role,
    TransitionForbidden,
    check_transition,
)

REFERRER = frozenset({Role.REFERRER})
RECIPIENT = frozenset({Role.RECIPIENT})
EITHER = REFERRER | RECIPIENT
OPEN = (S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD)

EXPECTED: dict[tuple[S, S], frozenset[Role]] = {
    (S.REQUESTED, S.ACCEPTED): RECIPIENT,
    (S.REQUESTED, S.REJECTED): RECIPIENT,
    (S.ACCEPTED, S.IN_PROGRESS): RECIPIENT,
    (S.ACCEPTED, S.ON_HOLD): RECIPIENT,
    (S.ACCEPTED, S.COMPLETED): RECIPIENT,
    (S.ACCEPTED, S.FAILED): RECIPIENT,
    (S.IN_PROGRESS, S.ON_HOLD): RECIPIENT,
    (S.IN_PROGRESS, S.COMPLETED): RECIPIENT,
    (S.IN_PROGRESS, S.FAILED): RECIPIENT,
    (S.ON_HOLD, S.IN_PROGRESS): RECIPIENT,
    (S.ON_HOLD, S.FAILED): RECIPIENT,
    (S.ON_HOLD, S.COMPLETED): RECIPIENT,
    # Either party may cancel an open referral; only the requester marks it entered in error.
    **{(status, S.CANCELED): EITHER for status in OPEN},
    **{(status, S.ENTERED_IN_ERROR): REFERRER for status in OPEN},
}


def test_the_table_is_exactly_the_gravity_life_cycle() -> None:
    assert dict(TRANSITIONS) == EXPECTED


def _id(value: object) -> str:
    # Sorted: a frozenset's order differs between processes, and xdist workers must agree.
    if isinstance(value, frozenset):
        return "+".join(sorted(value))
    assert isinstance(value, tuple)
    return f"{value[0]}->{value[1]}"


@pytest.mark.parametrize(("move", "roles"), EXPECTED.items(), ids=_id)
def test_each_allowed_move_passes_for_its_roles_only(
    move: tuple[S, S], roles: frozenset[Role]
) -> None:
    current, target = move
    for role in roles:
        check_transition(current, target, frozenset({role}))
    for role in set(Role) - roles:
        with pytest.raises(TransitionForbidden) as refused:
            check_transition(current, target, frozenset({role}))
        assert refused.value.allowed == roles
        assert str(target) in str(refused.value)


def test_the_responder_sets_its_statuses_and_the_requester_its_own() -> None:
    by_target: dict[S, set[frozenset[Role]]] = {}
    for (_, target), roles in TRANSITIONS.items():
        by_target.setdefault(target, set()).add(roles)
    assert by_target == {
        S.ACCEPTED: {RECIPIENT},
        S.REJECTED: {RECIPIENT},
        S.IN_PROGRESS: {RECIPIENT},
        S.ON_HOLD: {RECIPIENT},
        S.FAILED: {RECIPIENT},
        S.COMPLETED: {RECIPIENT},
        S.ENTERED_IN_ERROR: {REFERRER},
        S.CANCELED: {EITHER},
    }


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
        (S.IN_PROGRESS, S.REQUESTED),
    ],
)
def test_moves_outside_the_life_cycle_are_invalid_for_anyone(current: S, target: S) -> None:
    with pytest.raises(InvalidTransition) as invalid:
        check_transition(current, target, EITHER)
    assert (invalid.value.current, invalid.value.target) == (current, target)
    assert str(current) in str(invalid.value) and str(target) in str(invalid.value)


@pytest.mark.parametrize("final", sorted(FINAL_STATUSES))
def test_a_final_status_has_no_way_out(final: S) -> None:
    assert {S.REJECTED, S.CANCELED, S.FAILED, S.COMPLETED, S.ENTERED_IN_ERROR} == FINAL_STATUSES
    for target in S:
        with pytest.raises(InvalidTransition):
            check_transition(final, target, EITHER)


def test_a_partner_with_no_role_may_make_no_move() -> None:
    with pytest.raises(TransitionForbidden):
        check_transition(S.REQUESTED, S.ACCEPTED, frozenset())
    with pytest.raises(TransitionForbidden):
        check_transition(S.REQUESTED, S.CANCELED, frozenset())

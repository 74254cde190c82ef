"""Event routing of the referrals service: which handler applies each event type."""

import functools
from datetime import timedelta

from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_referrals.handlers import event_handlers, on_referral_submitted
from cvihub_referrals.models import registry_copy
from cvihub_registry_copy import REGISTRY_EVENT_TYPES


def test_every_registry_event_feeds_the_replica_and_submissions_are_stored() -> None:
    handlers = event_handlers(skew=timedelta(seconds=90))
    for model in REGISTRY_EVENT_TYPES:
        assert handlers[model] == registry_copy.apply
    submitted = handlers[ReferralSubmittedV1]
    assert isinstance(submitted, functools.partial)
    assert submitted.func is on_referral_submitted
    assert submitted.keywords == {"skew": timedelta(seconds=90)}
    # Our own status changes come back on the topic and need nothing.
    assert ReferralStatusChangedV1 not in handlers

"""org.cvihub.audit.access-refused, version 1: a hub service refused a request or a delivery."""

from typing import ClassVar

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.timestamps import Timestamp

EVENT_TYPE = "org.cvihub.audit.access-refused"
ANONYMOUS = "anonymous"
# A key id, never a whole key: no "_", so "cvh_<id>_<secret>" cannot pass for one.
CREDENTIAL_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


class AccessRefusedV1(EventData):
    """A service refused access: a request (401, 403, a 404 for another partner's object, a
    consent refusal) or a delivery to a named partner. Ids and reasons only: never a key, a
    secret or anything about a patient."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.AUDIT

    service: str = classified(
        C.INTERNAL, "The hub service that decided.", pattern=r"^[a-z][a-z0-9-]{0,31}$"
    )
    partner_id: str | None = classified(
        C.INTERNAL, "The partner refused; null when the caller is not known.", default=None
    )
    credential_id: str | None = classified(
        C.INTERNAL,
        "The public id of the API key sent (from cvh_<id>_…), when well-formed; never the secret.",
        default=None,
        pattern=CREDENTIAL_ID_PATTERN,
    )
    action: str = classified(
        C.INTERNAL,
        'What was attempted: "POST /v1/referrals", "deliver org.cvihub.referral.submitted".',
        min_length=1,
        max_length=200,
    )
    resource: str | None = classified(
        C.INTERNAL,
        "The object concerned (a referral, delivery or event id).",
        default=None,
        max_length=200,
    )
    reason: str = classified(
        C.INTERNAL,
        'Why, short: "unknown key", "no publish grant", "recipient not covered by consent".',
        min_length=1,
        max_length=200,
    )
    status_code: int | None = classified(
        C.INTERNAL,
        "The HTTP status answered, for a refused request.",
        default=None,
        ge=100,
        le=599,
    )
    decided_at: Timestamp = classified(C.INTERNAL, "When the (last counted) refusal was decided.")
    count: int = classified(
        C.INTERNAL,
        "How many refusals this entry stands for: repeats of an unauthenticated refusal are "
        "counted, not recorded one by one.",
        default=1,
        ge=1,
    )
    first_decided_at: Timestamp | None = classified(
        C.INTERNAL,
        "For a count above 1: when the first counted refusal was decided.",
        default=None,
    )

    def partition_key(self) -> str:
        return self.partner_id or ANONYMOUS

    def subject(self) -> str | None:
        return f"partners/{self.partner_id}" if self.partner_id else None

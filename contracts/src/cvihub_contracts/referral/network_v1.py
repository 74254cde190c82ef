"""Parts of org.cvihub.referral.status-changed v1 (revision 2) that the hub itself writes: a
missed service-level deadline, and an offer of a network referral to one organisation."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.codes import AgeGroup, CviService

NETWORK_RECIPIENT = "network"
"""`recipient_partner_id` of a referral addressed to the network (see ReferralSubmission.network):
offered to every matching organisation, owned by the first to accept."""

HUB_PARTY = "cvihub"
"""`changed_by_partner_id` of a status event the hub writes itself (timers, offers)."""


class Deadline(StrEnum):
    """Which service-level deadline passed."""

    ACCEPT = "accept"
    """Still not accepted (or declined)."""
    FIRST_CONTACT = "first-contact"
    """Accepted, but the person not reached."""


class Escalation(StrEnum):
    """What the hub does about a missed deadline."""

    REMIND_OWNER = "remind-owner"
    """First the organisation that holds the referral is reminded."""
    ALERT_SENDER = "alert-sender"
    """Then the referring partner is told, to act itself."""
    RE_OFFER = "re-offer"
    """Or, for a referral to the network, it is offered again to the matching organisations."""


class DeadlineMissed(BaseModel):
    """A referral passed a deadline of its service level; told once per deadline and step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadline: Deadline = classified(C.INTERNAL, "Which deadline passed.")
    due_at: datetime = classified(C.INTERNAL, "When it ended.")
    escalation: Escalation = classified(C.INTERNAL, "What the hub does about it.")
    notify_partner_ids: list[str] = classified(
        C.INTERNAL, "Who must act: the owner for a reminder, else the sender.", min_length=1
    )


class OfferState(StrEnum):
    """Where an offer of a network referral to one organisation stands."""

    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    """Another organisation accepted it first, the referrer canceled it, or it was re-offered."""


class OfferChange(BaseModel):
    """A network referral offered to, or withdrawn from, the event's recipient_partner_id.

    Only the minimum to decide travels with an offer: urgency, the services asked for, the
    zone, language and age group, never the person."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: OfferState = classified(C.INTERNAL, "Offered or withdrawn.")
    round: int = classified(C.INTERNAL, "1 for the first offer, +1 at each re-offer.", ge=1)
    services: list[str] = classified(
        C.INTERNAL,
        "CVI service codes asked for (cvihub_contracts.codes.CviService).",
        default_factory=list,
    )
    zone: str | None = classified(C.INTERNAL, "The zone the person is in.", default=None)
    language: str | None = classified(
        C.INTERNAL, "The person's preferred language, BCP 47.", default=None, max_length=35
    )
    age_group: str | None = classified(
        C.INTERNAL, "The person's age group (cvihub_contracts.codes.AgeGroup).", default=None
    )


class NetworkCriteria(BaseModel):
    """Which organisations of the network a referral is offered to: those of the registry's
    directory that provide one of the services, serve the zone, speak the language and serve
    the age group (each criterion left out matches every organisation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    services: list[CviService] = classified(
        C.INTERNAL,
        "CVI service codes, at least one of which the organisation provides.",
        min_length=1,
    )
    zone: str | None = classified(
        C.INTERNAL, "A zone the organisation serves.", default=None, max_length=64
    )
    language: str | None = classified(
        C.INTERNAL, "A language the organisation works in, BCP 47.", default=None, max_length=35
    )
    age_group: AgeGroup | None = classified(C.INTERNAL, "The person's age group.", default=None)

"""org.cvihub.bulletin.published, version 1."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.rules import CrossFieldRule, required_when
from cvihub_contracts.timestamps import Timestamp, period_end

EVENT_TYPE = "org.cvihub.bulletin.published"


class BulletinKind(StrEnum):
    """An event to attend or a resource to use."""

    EVENT = "event"
    RESOURCE = "resource"


class BulletinStatus(StrEnum):
    """Whether the bulletin stands or is withdrawn."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class Venue(BaseModel):
    """Where an event takes place."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = classified(C.PUBLIC, "Venue name.", default=None, max_length=200)
    address: str | None = classified(C.PUBLIC, "Street address.", default=None, max_length=300)
    zone: str | None = classified(C.PUBLIC, "Outreach zone.", default=None, max_length=64)


class BulletinSubmission(BaseModel):
    """What a partner sends to POST /v1/bulletins: a vigil, a peace walk, a training, a program."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: BulletinKind = classified(C.PUBLIC, "Event or resource.")
    title: str = classified(C.PUBLIC, "Title.", min_length=1, max_length=200)
    summary: str = classified(
        C.PUBLIC, "What it is and who it is for.", min_length=1, max_length=4000
    )
    starts_at: Timestamp | None = classified(C.PUBLIC, "Start, for events.", default=None)
    ends_at: Timestamp | None = classified(C.PUBLIC, "End, for events.", default=None)
    venue: Venue | None = None
    url: str | None = classified(
        C.PUBLIC,
        "Link to details or a document.",
        default=None,
        pattern=r"^https?://",
        max_length=2000,
    )
    contact: str | None = classified(
        C.INTERNAL, "Who to ask, for partners.", default=None, max_length=300
    )
    tags: list[str] = classified(C.PUBLIC, "Topics, e.g. vigil, training.", default_factory=list)
    status: BulletinStatus = classified(
        C.PUBLIC, "Active or cancelled.", default=BulletinStatus.ACTIVE
    )

    cross_field_rules: ClassVar[tuple[CrossFieldRule, ...]] = (
        required_when("starts_at", field_name="kind", value="event"),
    )

    @model_validator(mode="after")
    def _event_has_a_start(self) -> "BulletinSubmission":
        if self.kind is BulletinKind.EVENT and self.starts_at is None:
            raise ValueError("an event needs starts_at")
        return self

    _ends_after_start = period_end("ends_at", "starts_at", strictly=False)


class BulletinPublishedV1(EventData, BulletinSubmission):
    """A partner shared an event or a resource with the network."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.BULLETINS
    submission: ClassVar[type[BaseModel] | None] = BulletinSubmission

    bulletin_id: UUID = classified(C.INTERNAL, "The hub's id of the bulletin.")
    publisher_partner_id: str = classified(C.PUBLIC, "The partner that shared it.")
    published_at: Timestamp = classified(C.INTERNAL, "When the hub accepted it.")

    def partition_key(self) -> str:
        return str(self.bulletin_id)

    def subject(self) -> str:
        return f"bulletins/{self.bulletin_id}"

"""The seed file: partners, keys, grants and subscriptions a fresh registry starts with."""

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator

from cvihub_contracts import Classification, GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry.keys.tokens import key_from_text
from cvihub_registry.partners.geometry import ValidServiceArea
from cvihub_registry.people.domain import PersonRole
from cvihub_registry.schemas import (
    EMAIL_PATTERN,
    AgeGroups,
    AreaNames,
    CviServices,
    Languages,
    PartnerId,
    ServiceNames,
    Website,
)
from cvihub_registry.subscriptions.webhooks import check_webhook_secret


class SeedError(ValueError):
    """The seed file cannot be used; the message names the bad fields, never their values."""


class SeedGrant(BaseModel):
    """A grant to create for the partner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream: Stream
    action: GrantAction
    purpose: str | None = None
    agreement_ref: str | None = None
    zones: list[Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]] | None = Field(
        default=None, min_length=1
    )
    field_view: list[Classification] | None = None


class SeedSubscription(BaseModel):
    """A webhook endpoint to create for the partner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream: Stream
    url: AnyHttpUrl
    secret: str

    @field_validator("secret")
    @classmethod
    def _webhook_secret(cls, value: str) -> str:
        check_webhook_secret(value)
        return value


class SeedPerson(BaseModel):
    """A person to create in the partner (skipped when the email exists)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    display_name: str = Field(min_length=1, max_length=200)
    role: PersonRole


class SeedPartner(BaseModel):
    """A partner and what it holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partner_id: PartnerId
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    contact_email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    description: str | None = Field(default=None, max_length=4000)
    zones: AreaNames = Field(default_factory=list)
    beats: AreaNames = Field(default_factory=list)
    community_areas: AreaNames = Field(default_factory=list)
    services_offered: ServiceNames = Field(default_factory=list)
    website: Website | None = None
    service_area: ValidServiceArea | None = None
    cvi_services: CviServices = Field(default_factory=list)
    languages: Languages = Field(default_factory=list)
    age_groups: AgeGroups = Field(default_factory=list)
    api_keys: list[str] = Field(default_factory=list)
    grants: list[SeedGrant] = Field(default_factory=list)
    subscriptions: list[SeedSubscription] = Field(default_factory=list)
    people: list[SeedPerson] = Field(default_factory=list)

    @field_validator("api_keys")
    @classmethod
    def _well_formed_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            key_from_text(key)
        return value


class SeedFile(BaseModel):
    """The whole seed file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partners: list[SeedPartner] = Field(default_factory=list)

    @field_validator("partners")
    @classmethod
    def _unique(cls, value: list[SeedPartner]) -> list[SeedPartner]:
        ids = [p.partner_id for p in value]
        if len(ids) != len(set(ids)):
            raise ValueError("partner_id values must be unique")
        credential_ids = [key_from_text(k).credential_id for p in value for k in p.api_keys]
        if len(credential_ids) != len(set(credential_ids)):
            raise ValueError("API keys must have unique credential ids")
        emails = [person.email.lower() for p in value for person in p.people]
        if len(emails) != len(set(emails)):
            raise ValueError("people emails must be unique")
        return value


def parse_seed(text: str) -> SeedFile:
    """Parse and validate seed YAML; SeedError says which fields are wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SeedError(f"the seed file is not valid YAML: {type(exc).__name__}") from exc
    try:
        return SeedFile.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        # Locations and messages only, never err['input']: the file holds keys and secrets.
        fields = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SeedError(f"the seed file is invalid: {fields}") from exc


def load_seed(path: Path) -> SeedFile:
    """Read and validate the seed file at a path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read the seed file {path}: {type(exc).__name__}") from exc
    return parse_seed(text)

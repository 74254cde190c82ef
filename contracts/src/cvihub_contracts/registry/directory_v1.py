"""org.cvihub.registry.directory.changed, version 1: what a partner organisation offers.

The registry's directory beyond a partner's area: the CVI services it provides, the languages
it works in, the age groups it serves. Network referrals are matched on it (with the partner's
zones from org.cvihub.registry.partner.changed)."""

from typing import ClassVar

from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.registry.changes_v1 import _RegistryChange


class DirectoryChangedV1(_RegistryChange):
    """A partner's directory entry was set or changed (status revoked = withdrawn from it)."""

    event_type: ClassVar[str] = "org.cvihub.registry.directory.changed"

    partner_id: str = classified(C.PUBLIC, "The partner.")
    services: list[str] = classified(
        C.PUBLIC,
        "CVI service codes the partner provides (cvihub_contracts.codes.CviService).",
        default_factory=list,
    )
    languages: list[str] = classified(
        C.PUBLIC, "Languages the partner works in, BCP 47 tags.", default_factory=list
    )
    age_groups: list[str] = classified(
        C.PUBLIC,
        "Age groups the partner serves (cvihub_contracts.codes.AgeGroup); empty = every age.",
        default_factory=list,
    )

    def partition_key(self) -> str:
        return f"directory/{self.partner_id}"

    def subject(self) -> str:
        return f"partners/{self.partner_id}/directory"

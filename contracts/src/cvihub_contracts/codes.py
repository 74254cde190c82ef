"""Code systems the hub shares: the CVI service codes partners offer and referrals ask for.

Shared by the referral intake (what a hospital requests), the registry's directory (what an
organisation offers) and the referrals service (what was delivered, what a network offer
matches). New codes are added at the end; a code is never renamed or removed.
"""

from enum import StrEnum

CVI_SERVICE_SYSTEM = "https://schemas.cvihub.org/fhir/CodeSystem/cvi-services"
"""The code system URI of CviService (a FHIR Coding's system; served by intake's FHIR API)."""


class CviService(StrEnum):
    """A service a community violence intervention organisation provides."""

    HOSPITAL_RESPONSE = "hospital-response"
    """Hospital-based violence intervention: an interrupter or advocate meets the patient at
    the bedside."""
    STREET_OUTREACH = "street-outreach"
    CONFLICT_MEDIATION = "conflict-mediation"
    CASE_MANAGEMENT = "case-management"
    MENTORING = "mentoring"
    VICTIM_ADVOCACY = "victim-advocacy"
    MENTAL_HEALTH = "mental-health"
    SUBSTANCE_USE = "substance-use"
    RELOCATION = "relocation"
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    EDUCATION = "education"
    LEGAL_AID = "legal-aid"
    FAMILY_SUPPORT = "family-support"
    OTHER = "other"


CVI_SERVICE_DISPLAY: dict[CviService, str] = {
    service: service.value.replace("-", " ").capitalize() for service in CviService
} | {
    CviService.HOSPITAL_RESPONSE: "Hospital-based violence intervention",
    CviService.VICTIM_ADVOCACY: "Victim services and advocacy",
}
"""How each code reads (FHIR CodeSystem display)."""


class AgeGroup(StrEnum):
    """An age band a service is for, or a referred person falls in (never a birth date)."""

    CHILD = "child"
    """Under 12."""
    YOUTH = "youth"
    """12 to 17."""
    YOUNG_ADULT = "young-adult"
    """18 to 24."""
    ADULT = "adult"
    """25 and over."""

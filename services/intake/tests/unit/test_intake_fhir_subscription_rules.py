"""What a posted Subscription is held to, without a server: the strict egress rules by
default, and the filters read from the backport's criteria."""

from datetime import UTC, datetime, timedelta

import pytest
from fhir_subscriptions import subscription

from cvihub_intake.fhir.outcome import FhirRefusal
from cvihub_intake.fhir.subscriptions.api import SubscriptionRules, _check_endpoint
from cvihub_intake.fhir.subscriptions.resources import parse_subscription, status_of
from cvihub_runtime.egress import EgressPolicy

STRICT = SubscriptionRules(egress=EgressPolicy(), per_partner=5, base_url=None)


@pytest.mark.parametrize(
    ("endpoint", "rule"),
    [
        ("http://127.0.0.1:9/hook", "https-only"),
        ("https://127.0.0.1:9/hook", "loopback-address"),
        ("https://localhost/hook", "loopback-address"),
        ("https://[::ffff:10.0.0.1]/hook", "private-address"),
        ("https://user:pw@8.8.8.8/hook", "credentials-in-url"),
    ],
)
async def test_by_default_only_https_to_public_addresses_is_allowed(
    endpoint: str, rule: str
) -> None:
    with pytest.raises(FhirRefusal) as refused:
        await _check_endpoint(endpoint, STRICT)
    [issue] = refused.value.issues
    assert rule in issue.diagnostics
    assert issue.expression == "Subscription.channel.endpoint"


async def test_a_public_https_endpoint_passes() -> None:
    await _check_endpoint("https://8.8.8.8/hook", STRICT)


def test_filters_come_from_the_filter_criteria_or_an_r4_task_query() -> None:
    system = "https://schemas.cvihub.org/fhir/NamingSystem/partner-id"
    backport = subscription(
        "https://8.8.8.8/h", task_filter=f"Task?owner=Organization?identifier={system}|safe-streets"
    )
    parsed = parse_subscription(backport)
    assert (parsed.owner_filter, parsed.requester_filter) == ("safe-streets", None)
    r4 = subscription("https://8.8.8.8/h", criteria="Task?requester=Organization/hospital-a")
    parsed = parse_subscription(r4)
    assert (parsed.owner_filter, parsed.requester_filter) == (None, "hospital-a")
    assert parse_subscription(subscription("https://8.8.8.8/h")).owner_filter is None


def test_a_subscription_past_its_end_reads_as_off() -> None:
    now = datetime.now(UTC)
    row = {"status": "active", "end": now - timedelta(seconds=1)}
    assert status_of(row) == "off"
    assert status_of(row | {"end": now + timedelta(hours=1)}) == "active"
    assert status_of(row | {"end": None, "status": "error"}) == "error"

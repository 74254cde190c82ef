"""Every Kafka subscriber of every service commits a record's offset only after its work is
stored (cvihub_runtime.kafka.ACK_POLICY): a policy that acknowledges first loses the record
when the process dies mid-handler.

Walks the FastStream brokers of the real apps, built by their own create_app."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cvihub_intake.app import create_app as create_intake
from cvihub_intake.settings import IntakeSettings
from cvihub_notifications.app import create_app as create_notifications
from cvihub_notifications.settings import NotificationsSettings
from cvihub_portal.app import create_app as create_portal
from cvihub_portal.settings import PortalSettings
from cvihub_referrals.app import create_app as create_referrals
from cvihub_referrals.settings import ReferralsSettings
from cvihub_registry.app import create_app as create_registry
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.kafka import ACK_POLICY
from cvihub_runtime.secretbox import new_fernet_key

SERVICES_DIR = Path(__file__).parents[2] / "services"
COMMON = {
    "kafka_bootstrap_servers": "127.0.0.1:1",  # never reached: nothing is started
    "database_url": "sqlite+aiosqlite:///:memory:",
    "log_json": False,
}
TOKEN = "ack-policy-test-admin-token-0123456789"

BUILDERS: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: create_intake(IntakeSettings(**COMMON)),
    "registry": lambda: create_registry(
        RegistrySettings(**COMMON, admin_token=TOKEN, secret_key=new_fernet_key())
    ),
    "referrals": lambda: create_referrals(ReferralsSettings(**COMMON)),
    "notifications": lambda: create_notifications(
        NotificationsSettings(**COMMON, secret_key=new_fernet_key())
    ),
    "portal": lambda: create_portal(
        PortalSettings(**COMMON, registry_admin_token=TOKEN, secret_key=new_fernet_key())
    ),
}


def broker_of(app: FastAPI) -> KafkaBroker:
    """The app's broker (cvihub_runtime.hosting keeps it on app.state.hosting)."""
    broker = app.state.hosting.broker
    assert isinstance(broker, KafkaBroker)
    return broker


def subscriber_policies(broker: KafkaBroker) -> Iterator[tuple[str, AckPolicy]]:
    """Each subscriber of the broker (named by its topics) with its ack policy."""
    for subscriber in broker.subscribers:
        names = sorted(getattr(t, "name", str(t)) for t in getattr(subscriber, "topics", ()))
        topics = ",".join(names) or repr(subscriber)
        yield topics, subscriber.ack_policy


def wrong_policies(broker: KafkaBroker) -> list[str]:
    """Subscribers that could commit before their work is stored."""
    return [
        f"{topics}: {policy.name}"
        for topics, policy in subscriber_policies(broker)
        if policy is not ACK_POLICY
    ]


def test_every_service_with_an_app_is_walked() -> None:
    with_app = {p.parent.parent.parent.name for p in SERVICES_DIR.glob("*/src/*/app.py")}
    assert with_app == set(BUILDERS)


def test_the_policy_is_the_one_that_commits_after_the_handler() -> None:
    # NACK_ON_ERROR: acknowledged after the handler returned, sought back when it raised.
    assert ACK_POLICY is AckPolicy.NACK_ON_ERROR


@pytest.mark.parametrize("service", sorted(BUILDERS))
def test_no_subscriber_commits_before_its_work_is_stored(service: str) -> None:
    broker = broker_of(BUILDERS[service]())
    assert list(subscriber_policies(broker)), f"{service} subscribes to nothing"
    assert wrong_policies(broker) == []


@pytest.mark.filterwarnings("ignore:AckPolicy.REJECT_ON_ERROR")
@pytest.mark.parametrize("policy", [p for p in AckPolicy if p is not ACK_POLICY])
def test_a_subscriber_acknowledging_first_is_caught(policy: AckPolicy) -> None:
    broker = broker_of(BUILDERS["notifications"]())

    async def careless(body: bytes) -> None:
        return None

    broker.subscriber("org.cvihub.careless", group_id="careless", ack_policy=policy)(careless)
    assert wrong_policies(broker) == [f"org.cvihub.careless: {policy.name}"]

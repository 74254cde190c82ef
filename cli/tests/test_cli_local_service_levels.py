"""The local stack's referral service levels: the service's defaults plus the demo's own."""

import json

from cvihub_cli.stack_info import DEMO_LEVEL, LOCAL_SERVICE_LEVELS
from cvihub_referrals.service_levels import DEFAULT_SERVICE_LEVELS, ServiceLevel
from cvihub_referrals.settings import ReferralsSettings


def test_the_local_levels_are_the_defaults_and_the_demos_short_one() -> None:
    settings = ReferralsSettings.model_validate(
        {"service_levels": json.loads(json.dumps(LOCAL_SERVICE_LEVELS)), "secret_key": "x" * 44}
    )

    assert {k: v for k, v in settings.service_levels.items() if k != DEMO_LEVEL} == (
        DEFAULT_SERVICE_LEVELS
    )
    assert settings.service_levels[DEMO_LEVEL] == ServiceLevel(
        accept="30m", first_contact="5s", escalate="1h"
    )

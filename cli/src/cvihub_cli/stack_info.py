"""Where a local hub runs and what it tells `status`, `demo` and `admin`: cheap to import."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

SERVICES: dict[str, int] = {
    "registry": 8001,
    "intake": 8002,
    "referrals": 8003,
    "notifications": 8004,
    "portal": 8005,
}
SINK_PORT = 8009
KAFKA_PORT = 9092
REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = REPO_ROOT / "var"
DEMO_SEED = REPO_ROOT / "deploy" / "seed" / "demo.yaml"

DEMO_LEVEL = "emergent:hospital-response"
"""The service level `./hub demo referral-loop` runs under: first contact due 5 s after
acceptance, so the owner's reminder comes while one watches."""
LOCAL_SERVICE_LEVELS: dict[str, dict[str, str]] = {
    # The referrals service's defaults (a test keeps them equal)...
    "emergent": {"accept": "30m", "first_contact": "4h", "escalate": "30m"},
    "urgent": {"accept": "4h", "first_contact": "24h", "escalate": "2h"},
    "routine": {"accept": "2bd", "first_contact": "24h", "escalate": "1bd"},
    # ...and the demo's own, for the local stack only (REFERRALS_SERVICE_LEVELS overrides it).
    DEMO_LEVEL: {"accept": "30m", "first_contact": "5s", "escalate": "1h"},
}
"""REFERRALS_SERVICE_LEVELS of a local stack (`./hub up`, the end-to-end tests)."""


@dataclass
class StackInfo:
    """What `status` and `demo` need to find a running hub."""

    kafka: str
    urls: dict[str, str]
    sink_url: str
    admin_token: str
    pids: dict[str, int]

    def save(self, path: Path) -> None:
        """Write it for the other commands, readable by the owner only."""
        path.write_text(json.dumps(asdict(self), indent=2))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> "StackInfo":
        """Read what `up` wrote."""
        return cls(**json.loads(path.read_text()))

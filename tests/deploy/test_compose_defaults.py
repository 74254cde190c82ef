"""docker-compose.yml's defaults are production's: no demo partners unless asked for, no secret
shipped (each required, with a message saying what to set), Kafka's data on its volume."""

import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|_KEY\b")
INTERPOLATION = re.compile(r"\$\{(\w+)(:?[-?+])?([^}]*)\}")


def _compose(name: str = "docker-compose.yml") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / name).read_text())
    return loaded


def _environments(compose: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        name: {k: str(v) for k, v in (service.get("environment") or {}).items()}
        for name, service in compose["services"].items()
    }


def test_no_service_loads_the_demo_seed_by_default() -> None:
    compose = _compose()

    assert all("REGISTRY_SEED_FILE" not in env for env in _environments(compose).values())
    mounts = [str(v) for s in compose["services"].values() for v in s.get("volumes", [])]
    assert not [m for m in mounts if "seed" in m], mounts


def test_every_secret_is_required_and_none_has_a_default() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    uses = [m for m in INTERPOLATION.finditer(text) if SECRET_NAME.search(m.group(1))]

    assert {m.group(1) for m in uses} >= {
        "CVIHUB_SECRET_KEY", "REGISTRY_ADMIN_TOKEN", "POSTGRES_PASSWORD",
    }  # fmt: skip
    for use in uses:
        assert use.group(2) == ":?", f"{use.group(0)} must be required (${{NAME:?message}})"
        assert use.group(3).strip().startswith("set "), f"{use.group(0)}: say what to set"
    for service, env in _environments(_compose()).items():
        for name, value in env.items():
            if SECRET_NAME.search(name) or "PASSWORD" in value:
                assert INTERPOLATION.search(value), f"{service}: {name} ships a value"


def test_kafka_keeps_its_log_on_the_volume() -> None:
    kafka = _compose()["services"]["kafka"]
    mounted = {str(v).split(":")[1] for v in kafka["volumes"]}

    assert kafka["environment"]["KAFKA_LOG_DIRS"] in mounted


def test_the_demo_override_loads_the_demo_seed_from_a_mounted_file() -> None:
    registry = _compose("deploy/compose.demo.yml")["services"]["registry"]
    seed = Path(registry["environment"]["REGISTRY_SEED_FILE"])
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in registry["volumes"]}

    host = mounts[str(seed.parent)]
    # Relative host paths resolve from the first compose file's directory, the repository root.
    assert (REPO / host / seed.name).is_file()
    assert seed.name == "demo.yaml"

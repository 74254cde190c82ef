"""The portal's HTTP wiring: every body-taking route is guarded, a caller with no session learns
nothing from its body, the app shell is served from the portal itself."""

import re

import httpx

from cvihub_portal.app import SHELL_CACHE_PLACEHOLDER, STATIC_DIR, create_app
from cvihub_portal.handlers import TOPICS, event_handlers
from cvihub_portal.settings import PortalSettings
from cvihub_runtime.edges import unguarded_routes
from cvihub_runtime.secretbox import new_fernet_key


def app_without_lifespan() -> httpx.AsyncClient:
    settings = PortalSettings(
        _env_prefix="CVIHUB_TEST_IGNORED_",
        database_url="sqlite+aiosqlite:///:memory:",
        secret_key=new_fernet_key(),
        data_keys=f"t1:{new_fernet_key()}",
        registry_admin_token="test-admin",
    )
    app = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal")


def test_every_route_taking_a_body_is_guarded() -> None:
    transport = app_without_lifespan()._transport
    assert isinstance(transport, httpx.ASGITransport)
    assert unguarded_routes(transport.app) == []  # type: ignore[arg-type]


async def test_no_session_is_a_401_before_the_body_is_read() -> None:
    client = app_without_lifespan()
    answer = await client.post(
        "/api/alerts/responses",
        content=b"not json",
        headers={"Content-Type": "text/plain", "X-Portal": "1", "Idempotency-Key": "k-1234567"},
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/me")).status_code == 401


async def test_a_change_without_the_portal_header_is_refused() -> None:
    answer = await app_without_lifespan().post(
        "/api/referrals/00000000-0000-0000-0000-000000000000/accept"
    )
    assert answer.status_code == 403
    assert answer.json()["type"].endswith("missing-csrf-header")


async def test_the_app_shell_and_service_worker_are_served_at_the_root() -> None:
    client = app_without_lifespan()
    page = await client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and '<main id="main"' in page.text
    assert page.headers.get("content-encoding") == "gzip"
    worker = await client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["cache-control"] == "no-cache"
    assert worker.headers["content-type"].startswith("text/javascript")


async def test_the_service_worker_names_its_shell_cache_after_the_release() -> None:
    script = (await app_without_lifespan().get("/sw.js")).text
    named = re.search(r'const SHELL_CACHE = "cvihub-shell-([0-9a-f]{16})";', script)
    assert named is not None, "the shell cache is not named after the app's files"
    assert SHELL_CACHE_PLACEHOLDER not in script
    assert script.replace(named.group(0), "") == (STATIC_DIR / "sw.js").read_text().replace(
        f"const SHELL_CACHE = {SHELL_CACHE_PLACEHOLDER};", ""
    )


def test_the_read_models_consume_bulletins_referrals_and_alerts() -> None:
    assert len(TOPICS) == 3
    assert {model.event_type for model in event_handlers()} == {
        "org.cvihub.bulletin.published",
        "org.cvihub.referral.submitted",
        "org.cvihub.referral.status-changed",
        "org.cvihub.incident-alert.published",
    }

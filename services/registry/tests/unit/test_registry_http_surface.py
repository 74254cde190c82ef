"""The registry's HTTP surface: every route taking a body sits behind the shared edge."""

from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts
from registry_builders import ADMIN_TOKEN, SECRET_KEY

from cvihub_registry.app import create_app
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.edges import GuardedRoute, unguarded_routes


def _app(tmp_path: Path) -> list[APIRoute]:
    settings = RegistrySettings(
        kafka_bootstrap_servers="127.0.0.1:9",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        admin_token=ADMIN_TOKEN,
        secret_key=SECRET_KEY,
        log_json=False,
    )
    app = create_app(settings)
    assert unguarded_routes(app) == []
    found = (context.original_route for context in iter_route_contexts(app.routes))
    return [route for route in found if isinstance(route, APIRoute)]


def test_every_route_with_a_body_is_guarded(tmp_path: Path) -> None:
    routes = _app(tmp_path)
    with_body = [r for r in routes if r.body_field is not None]
    # Not vacuous: the registry has many body routes, and each is a GuardedRoute.
    assert len(with_body) >= 20
    assert all(isinstance(route, GuardedRoute) for route in with_body)

"""The notifications app's HTTP surface: every route behind the shared edge."""

from fastapi.routing import iter_route_contexts

from cvihub_notifications.app import create_app
from cvihub_notifications.settings import NotificationsSettings
from cvihub_runtime.edges import GuardedRoute, unguarded_routes
from cvihub_runtime.secretbox import new_fernet_key


def test_every_route_taking_a_body_is_guarded() -> None:
    app = create_app(
        NotificationsSettings(
            kafka_bootstrap_servers="127.0.0.1:1",
            database_url="sqlite+aiosqlite:///:memory:",
            secret_key=new_fernet_key(),
            log_json=False,
        )
    )
    assert unguarded_routes(app) == []
    # And every partner route is a GuardedRoute, so one added with a body later is too.
    partner_routes = [
        (context.path_format, context.original_route)
        for context in iter_route_contexts(app.routes)
        if context.path_format.startswith("/v1/")
    ]
    assert len(partner_routes) >= 4
    assert [path for path, route in partner_routes if not isinstance(route, GuardedRoute)] == []

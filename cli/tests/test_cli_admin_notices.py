"""`cvihub admin notices`: the request it builds for notifications' admin API, and the table it
prints of the answer (against a real HTTP server standing in for notifications)."""

from cli_admin_helpers import ADMIN_TOKEN, CannedServer, admin

from cvihub_cli.admin.notices import notices_request


def test_the_request_carries_the_filters_and_the_admin_key() -> None:
    request = notices_request(
        "http://notifications.example:8004", "admin-key", partner="cvi-1", limit=5
    )

    assert request.method == "GET"
    assert str(request.url) == (
        "http://notifications.example:8004/v1/admin/notices?partner_id=cvi-1&limit=5"
    )
    assert request.headers["authorization"] == "Bearer admin-key"


def test_notices_are_printed_as_a_table(canned_server: CannedServer) -> None:
    canned_server.reply = {
        "items": [
            {
                "notice_id": "n-1",
                "kind": "endpoint-disabled",
                "partner_id": "cvi-1",
                "subscription_id": "sub-cvi-1",
                "delivery_id": "d-1",
                "event_id": "e-1",
                "event_type": "org.cvihub.incident-alert.published",
                "reason": "HTTP 410 Gone",
                "created_at": "2030-01-01T00:00:00Z",
                "partner_mailed_at": "2030-01-01T00:00:01Z",
                "admin_mailed_at": None,
            }
        ]
    }

    result = admin(
        "http://registry.invalid", "notices", "--notifications-url", canned_server.url,
        "--partner", "cvi-1",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "endpoint-disabled" in result.output
    assert "HTTP 410 Gone" in result.output
    [seen] = canned_server.seen
    assert (seen.method, seen.path) == ("GET", "/v1/admin/notices?partner_id=cvi-1&limit=50")
    assert seen.headers["authorization"] == f"Bearer {ADMIN_TOKEN}"


def test_a_refused_listing_prints_the_problem(canned_server: CannedServer) -> None:
    canned_server.status = 401
    canned_server.reply = {"title": "Unauthorized", "detail": "send the admin token"}

    result = admin("http://registry.invalid", "notices", "--notifications-url", canned_server.url)

    assert result.exit_code == 1
    assert "Unauthorized (401)" in result.output

"""`cvihub admin replay`: the request it builds for intake's replay endpoint, and what it prints
of the answer (against a real HTTP server standing in for intake)."""

import json

from cli_admin_helpers import ADMIN_TOKEN, CannedServer, admin

from cvihub_cli.admin.replay import replay_request


def test_the_request_carries_the_period_and_the_admin_key() -> None:
    request = replay_request(
        "http://intake.example:8002",
        "admin-key",
        stream="incident-alerts",
        since="2030-01-01T00:00:00Z",
        until="2030-01-02T00:00:00Z",
        partner="metro-police",
    )

    assert request.method == "POST"
    assert str(request.url) == "http://intake.example:8002/v1/admin/replay"
    assert request.headers["authorization"] == "Bearer admin-key"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "stream": "incident-alerts",
        "since": "2030-01-01T00:00:00Z",
        "until": "2030-01-02T00:00:00Z",
        "partner": "metro-police",
    }


def test_until_and_partner_left_out_are_sent_as_null() -> None:
    request = replay_request("http://i", "k", stream="referrals", since="2030-01-01T00:00:00Z")

    assert json.loads(request.content) == {
        "stream": "referrals",
        "since": "2030-01-01T00:00:00Z",
        "until": None,
        "partner": None,
    }


def test_replay_prints_how_many_intake_republished(canned_server: CannedServer) -> None:
    canned_server.status, canned_server.reply = 202, {"replayed": 7}

    result = admin(
        "http://registry.invalid", "replay", "--intake-url", canned_server.url,
        "--stream", "incident-alerts", "--since", "2030-01-01T00:00:00Z",
        "--partner", "metro-police",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "replayed 7 event(s) on incident-alerts" in result.output
    [seen] = canned_server.seen
    assert (seen.method, seen.path) == ("POST", "/v1/admin/replay")
    assert seen.headers["authorization"] == f"Bearer {ADMIN_TOKEN}"
    assert seen.body == {
        "stream": "incident-alerts",
        "since": "2030-01-01T00:00:00Z",
        "until": None,
        "partner": "metro-police",
    }


def test_a_refused_replay_prints_the_problem(canned_server: CannedServer) -> None:
    canned_server.status = 422
    canned_server.reply = {
        "title": "Unprocessable Content",
        "errors": [{"pointer": "#/since", "detail": "must be before until"}],
    }

    result = admin(
        "http://registry.invalid", "replay", "--intake-url", canned_server.url,
        "--stream", "referrals", "--since", "2030-01-02T00:00:00Z",
        "--until", "2030-01-01T00:00:00Z",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "Unprocessable Content (422)" in result.output
    assert "#/since: must be before until" in result.output

"""What `cvihub admin` prints from the hub is escaped: a partner cannot drive the operator's
terminal with control characters or restyle the output with rich markup."""

from cli_admin_helpers import CannedServer, admin, field, ok

from cvihub_cli.admin.render import safe

ESC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
ESC_CLEAR = "\x1b[2J\x1b[H"  # clears the screen


def test_control_characters_are_shown_as_escapes() -> None:
    assert safe(f"ops@x.example{ESC_CLEAR}") == "ops@x.example\\x1b[2J\\x1b[H"
    assert safe(ESC_TITLE) == "\\x1b]0;pwned\\x07"
    assert safe("a\rb\tc\x7fd\x9be") == "a\\x0db\\x09c\\x7fd\\x9be"
    assert safe("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert safe("two\nlines, ünïcödé") == "two\nlines, ünïcödé"


def test_partner_text_with_escape_sequences_prints_escaped(canned_server: CannedServer) -> None:
    partner = {
        "partner_id": "sneaky-org",
        "name": "Sneaky [bold red]Org[/bold red]",
        "contact_email": f"ops@sneaky.example{ESC_CLEAR}",
        "description": f"{ESC_TITLE}We help",
        "status": "active",
    }
    canned_server.reply = partner
    shown = ok(admin(canned_server.url, "partners", "show", "sneaky-org"))
    canned_server.reply = [partner]
    listed = ok(admin(canned_server.url, "partners", "list"))

    assert "\x1b" not in shown and "\x07" not in shown
    assert field(shown, "contact_email") == "ops@sneaky.example\\x1b[2J\\x1b[H"
    assert field(shown, "description") == "\\x1b]0;pwned\\x07We help"
    assert field(shown, "name") == "Sneaky [bold red]Org[/bold red]"  # markup shown, not obeyed
    assert canned_server.seen[0].path == "/v1/admin/partners/sneaky-org"
    assert "\x1b" not in listed
    assert "ops@sneaky.example\\x1b[2J\\x1b[H" in listed


def test_a_problem_detail_with_escape_sequences_prints_escaped(
    canned_server: CannedServer,
) -> None:
    canned_server.status = 422
    canned_server.reply = {
        "title": f"Unprocessable{ESC_CLEAR}",
        "detail": "bad",
        "errors": [{"pointer": "#/description", "detail": f"no {ESC_TITLE}"}],
    }

    result = admin(canned_server.url, "partners", "show", "x")

    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "Unprocessable\\x1b[2J\\x1b[H (422)" in result.output
    assert "#/description: no \\x1b]0;pwned\\x07" in result.output

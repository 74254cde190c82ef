"""Everything `cvihub admin` prints. Text that came from the hub or a partner is shown escaped:
a control character in a partner's description must not retitle or clear the operator's
terminal, and rich markup in it must not restyle the output."""

import json
import re
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

# C0 and C1 controls (Unicode category Cc) and DEL, except the newline a multi-line field keeps;
# and the bidirectional overrides and isolates, which reorder what the eye reads.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(value: object) -> str:
    """The text, with each control character shown as an escape (\\x1b) instead of obeyed."""
    return _UNSAFE.sub(_escape_one, str(value))


def console() -> Console:
    """A console for standard output."""
    # Built per call so the terminal width (COLUMNS) is read when the command runs.
    return Console()


def line(text: object) -> None:
    """One plain line of hub data: escaped, no markup, never wrapped (keys stay copyable)."""
    typer.echo(safe(text))


def notice(markup: str) -> None:
    """A line the CLI itself wrote, with rich markup (never hub data)."""
    console().print(markup)


def fail(*lines: str) -> NoReturn:
    """Print each line to standard error and exit 1."""
    err = Console(stderr=True, highlight=False)
    for text in lines:
        err.print(Text(safe(text)))
    raise typer.Exit(1)


def cell(value: Any) -> str:
    """One value as table text: lists joined, objects as compact JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def _text(value: Any) -> Text:
    return Text(safe(cell(value)))


def table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Rows as a table with the given columns."""
    shown = Table(title=Text(safe(title)))
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*(_text(row.get(column)) for column in columns))
    console().print(shown)


def record(title: str, item: dict[str, Any]) -> None:
    """One object as a two-column table: field, value."""
    shown = Table(title=Text(safe(title)), show_header=False)
    shown.add_column("field", style="bold")
    shown.add_column("value", overflow="fold")
    for key, value in item.items():
        shown.add_row(Text(safe(key)), _text(value))
    console().print(shown)


def issued_key(issued: dict[str, Any]) -> None:
    """Print a new key's id, expiry and scopes, then the key itself, shown this once."""
    line(f"credential id: {issued['credential_id']}")
    line(f"expires at:    {issued['expires_at'] or 'never'}")
    if "scopes" in issued:  # partner keys; an administrator's key has a role instead
        line(f"scopes:        {' '.join(issued['scopes'])}")
    notice(
        "[bold yellow]The key is shown only now: the registry keeps only its hash. "
        "Store it safely.[/bold yellow]"
    )
    # A plain line, not a table: a key cut to the terminal's width cannot be copied.
    line(issued["api_key"])

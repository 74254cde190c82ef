"""Reading an uploaded file: CSV (UTF-8 with or without BOM, or Windows-1252) or Excel (.xlsx),
as a header and rows of text, refusing what cannot be read with a reason a person can act on."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from cvihub_intake.uploads.columns import FORMULA_LEADS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
MAX_ROWS = 10_000
_ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(Exception):
    """A file the hub cannot read as a table; `kind` names the problem."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class Table:
    """A file's header and its rows (spreadsheet row number, cells), read lazily."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str


def media_of(content_type: str, body: bytes) -> str:
    """CSV or XLSX, by the declared type, else by the file's first bytes."""
    declared = content_type.split(";")[0].strip().lower()
    if declared == XLSX or (declared in ("", "application/octet-stream") and _is_zip(body)):
        return XLSX
    if declared in (CSV, "text/plain", "application/csv"):
        return CSV
    raise UnreadableFile(
        "unsupported-media-type", f"send the file as {CSV} or {XLSX} (an Excel workbook)"
    )


def _is_zip(body: bytes) -> bool:
    return body.startswith(_ZIP_MAGIC)


def read_table(media: str, body: bytes) -> Table:
    """The file's table; raise UnreadableFile."""
    table = _read_xlsx(body) if media == XLSX else _read_csv(body)
    header = [cell.strip() for cell in table.header]
    if not any(header):
        raise UnreadableFile("empty-file", "the file has no header row")
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise UnreadableFile("duplicate-columns", f"columns named twice: {', '.join(duplicates)}")
    table.header = header
    return table


def decode(body: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (BOM or not) or Windows-1252."""
    if body.startswith(codecs.BOM_UTF8):
        try:
            return body[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise UnreadableFile(
                "unsupported-encoding", "the file starts with a UTF-8 mark but is not UTF-8"
            ) from None
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            "unsupported-encoding",
            "the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8' instead",
        )
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # The detector ranks near-identical single-byte code pages in no stable order on short
    # files: take Windows-1252 when it is among its leading candidates and decodes the file.
    import charset_normalizer  # only for files that are not UTF-8

    matches = list(charset_normalizer.from_bytes(body))[:3]
    candidates = {name for m in matches for name in m.could_be_from_charset}
    guessed = matches[0].encoding if matches else "unknown"
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None or "cp1252" not in candidates:
        raise UnreadableFile(
            "unsupported-encoding",
            f"the file is neither UTF-8 nor Windows-1252 (it looks like {guessed}); "
            "save it as 'CSV UTF-8'",
        )
    return text, "windows-1252"


def _read_csv(body: bytes) -> Table:
    text, encoding = decode(body)
    if "\x00" in text:
        raise UnreadableFile("not-a-table", "the file holds NUL bytes: it is not a CSV file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("empty-file", "the file is empty") from None
    except csv.Error:
        raise UnreadableFile("not-a-table", "the first line is not CSV") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                yield reader.line_num, [_unquote(cell) for cell in row]
        except csv.Error as exc:
            raise UnreadableFile("not-a-table", f"line {reader.line_num}: {exc}") from None

    return Table(header=header, rows=rows(), encoding=encoding)


def _read_xlsx(body: bytes) -> Table:
    # Imported on the first workbook: openpyxl costs seconds of start-up on a loaded machine.
    import openpyxl  # type: ignore[import-untyped]  # no stubs shipped

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise UnreadableFile("not-a-table", "the file is not a readable .xlsx workbook") from None
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = [_text(value) for value in next(cells)]
    except StopIteration:
        raise UnreadableFile("empty-file", "the first sheet is empty") from None
    width = len(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(cells, start=2):
            yield number, [_unquote(_text(value)) for value in values[: width + 1]]
        workbook.close()

    return Table(header=header, rows=rows(), encoding="xlsx")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _unquote(cell: str) -> str:
    # The hub writes '=… for a cell that would start a formula (and Excel shows '+1… as +1…):
    # read such a cell back as what it says.
    if len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(FORMULA_LEADS):
        return cell[1:]
    return cell

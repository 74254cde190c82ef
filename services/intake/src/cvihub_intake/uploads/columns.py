"""The columns of an upload type: submission fields flattened with dots, lists split by ";"."""

import csv
import io
import types
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from cvihub_contracts import examples
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.bulletin.published_v1 import BulletinSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission

LIST_SEPARATOR = ";"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


class UploadType(StrEnum):
    """What an upload holds, one submission per row."""

    REFERRALS = "referrals"
    INCIDENTS = "incidents"
    BULLETINS = "bulletins"


MODELS: dict[UploadType, type[BaseModel]] = {
    UploadType.REFERRALS: ReferralSubmission,
    UploadType.INCIDENTS: IncidentAlertSubmission,
    UploadType.BULLETINS: BulletinSubmission,
}


@dataclass(frozen=True)
class Column:
    """One column: its dotted name, whether every row needs it, whether it holds a list."""

    name: str
    required: bool
    is_list: bool


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def columns_of(model: type[BaseModel], prefix: str = "", required: bool = True) -> list[Column]:
    """Every leaf field of a submission model as a column."""
    found: list[Column] = []
    for name, info in model.model_fields.items():
        nested = _inner_model(info.annotation)
        needed = required and info.is_required()
        if nested is not None:
            found.extend(columns_of(nested, f"{prefix}{name}.", needed))
        else:
            is_list = get_origin(info.annotation) is list
            found.append(Column(name=f"{prefix}{name}", required=needed, is_list=is_list))
    return found


COLUMNS: dict[UploadType, list[Column]] = {kind: columns_of(m) for kind, m in MODELS.items()}


def row_to_payload(kind: UploadType, cells: dict[str, str]) -> dict[str, Any]:
    """A row (column -> text, blanks left out) as the nested JSON of a submission."""
    by_name = {column.name: column for column in COLUMNS[kind]}
    payload: dict[str, Any] = {}
    for name, text in cells.items():
        column = by_name[name]
        value: Any = text
        if column.is_list:
            value = [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        target = payload
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return payload


def column_of(pointer_or_loc: str | tuple[Any, ...]) -> str:
    """The column a JSON pointer (#/consent/consented_at) or a pydantic location names."""
    if isinstance(pointer_or_loc, tuple):
        return ".".join(str(part) for part in pointer_or_loc if not isinstance(part, int))
    return pointer_or_loc.removeprefix("#/").replace("/", ".")


def neutralise(text: str) -> str:
    """Text safe to put in a spreadsheet cell: a leading =, +, -, @ cannot start a formula."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def _example(kind: UploadType) -> BaseModel:
    if kind is UploadType.REFERRALS:
        return examples.referral_submitted()
    if kind is UploadType.INCIDENTS:
        return examples.incident_alert()
    return examples.bulletin_published()


def template_csv(kind: UploadType) -> str:
    """A header row and one example row, from the contracts' own example event."""
    dumped = _example(kind).model_dump(mode="json")
    row: list[str] = []
    for column in COLUMNS[kind]:
        value: Any = dumped
        for part in column.name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = LIST_SEPARATOR.join(str(v) for v in value)
        row.append("" if value is None else neutralise(str(value)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in COLUMNS[kind]])
    writer.writerow(row)
    return out.getvalue()


def guess_type(header: list[str]) -> UploadType | None:
    """The one upload type whose columns hold every column of the header, if exactly one."""
    named = set(header)
    fits = [kind for kind, cols in COLUMNS.items() if named <= {c.name for c in cols}]
    return fits[0] if len(fits) == 1 else None

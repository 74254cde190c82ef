"""Running an upload: rows become submissions, accepted in chunks through the one acceptance
path; valid rows are accepted and invalid ones reported, or (all_or_nothing) all or none."""

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import Request
from pydantic import BaseModel, ValidationError

from cvihub_intake import service
from cvihub_intake.acceptance import Gate
from cvihub_intake.checks import Refusal, Submission
from cvihub_intake.uploads import store
from cvihub_intake.uploads.columns import MODELS, UploadType, column_of, row_to_payload
from cvihub_intake.uploads.store import RowResult
from cvihub_registry_copy import Principal
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)

CHUNK = 200  # rows per transaction: progress moves, and a refusal retries few rows


@dataclass(frozen=True)
class ParsedRow:
    """A row read as a submission, or the reasons it cannot be one."""

    row_number: int
    item: service.Item | None
    result: RowResult | None = None


@dataclass
class UploadRunner:
    """Runs uploads in the background while the service runs."""

    sessions: SessionFactory
    gate: Gate
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def start(
        self,
        *,
        upload_id: str,
        request: Request,
        principal: Principal,
        rows: list[ParsedRow],
        all_or_nothing: bool,
    ) -> None:
        """Process the rows of a stored job from now on."""
        task = asyncio.create_task(
            self._run(upload_id, request, principal, rows, all_or_nothing),
            name=f"upload-{upload_id}",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """While the service runs: jobs an earlier process left are marked interrupted."""
        async with transaction(self.sessions) as session:
            await store.interrupt_unfinished(session, now=datetime.now(UTC))
        try:
            await asyncio.Event().wait()
        finally:
            for task in list(self._tasks):
                task.cancel()

    async def wait_idle(self) -> None:
        """Until no upload is running (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(
        self,
        upload_id: str,
        request: Request,
        principal: Principal,
        rows: list[ParsedRow],
        all_or_nothing: bool,
    ) -> None:
        counts = {"accepted": 0, "refused": 0, "duplicates": 0, "rows_done": 0}
        try:
            await self._progress(upload_id, [], status="running")
            invalid = [r.result for r in rows if r.result is not None]
            for result in invalid:
                counts["refused" if result.status == "refused" else "duplicates"] += 1
            valid = [r for r in rows if r.item is not None]
            if all_or_nothing and any(r.status == "refused" for r in invalid):
                casualties = [RowResult(r.row_number, "not-accepted") for r in valid]
                counts["rows_done"] = len(rows)
                await self._finish(upload_id, invalid + casualties, counts, "refused")
                return
            await self._progress(upload_id, invalid, **counts)
            if all_or_nothing:
                await self._accept_all(upload_id, request, principal, valid, counts, len(rows))
                return
            for start in range(0, len(valid), CHUNK):
                chunk = valid[start : start + CHUNK]
                results = await self._accept_chunk(request, principal, chunk)
                for result in results:
                    counts["accepted" if result.status == "accepted" else "refused"] += 1
                counts["rows_done"] = len(invalid) + start + len(chunk)
                await self._progress(upload_id, results, **counts)
            counts["rows_done"] = len(rows)
            await self._finish(upload_id, [], counts, "done")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("upload failed", upload_id=upload_id)
            await self._finish(upload_id, [], counts, "failed", detail="the upload failed")

    async def _accept_chunk(
        self, request: Request, principal: Principal, chunk: list[ParsedRow]
    ) -> list[RowResult]:
        pending = list(chunk)
        refused: list[RowResult] = []
        while pending:
            items = [row.item for row in pending if row.item is not None]
            try:
                accepted = await self.gate.accept(request, principal, items)
            except Refusal as refusal:
                index = refusal.index or 0
                refused.append(_refused(pending.pop(index).row_number, refusal))
                continue
            done = [
                RowResult(row.row_number, "accepted", result.event_id, result.replayed)
                for row, result in zip(pending, accepted, strict=True)
            ]
            return sorted(refused + done, key=lambda r: r.row_number)
        return refused

    async def _accept_all(
        self,
        upload_id: str,
        request: Request,
        principal: Principal,
        valid: list[ParsedRow],
        counts: dict[str, int],
        total: int,
    ) -> None:
        items = [row.item for row in valid if row.item is not None]
        counts["rows_done"] = total
        try:
            accepted = await self.gate.accept(request, principal, items)
        except Refusal as refusal:
            index = refusal.index or 0
            results = [
                _refused(row.row_number, refusal)
                if i == index
                else RowResult(row.row_number, "not-accepted")
                for i, row in enumerate(valid)
            ]
            counts["refused"] += 1
            await self._finish(upload_id, results, counts, "refused")
            return
        results = [
            RowResult(row.row_number, "accepted", result.event_id, result.replayed)
            for row, result in zip(valid, accepted, strict=True)
        ]
        counts["accepted"] = len(results)
        await self._finish(upload_id, results, counts, "done")

    async def _progress(self, upload_id: str, rows: list[RowResult], **values: Any) -> None:
        async with transaction(self.sessions) as session:
            await store.record_progress(session, upload_id, rows, **values)

    async def _finish(
        self,
        upload_id: str,
        rows: list[RowResult],
        counts: dict[str, int],
        status: str,
        detail: str | None = None,
    ) -> None:
        await self._progress(
            upload_id,
            rows,
            **counts,
            status=status,
            detail=detail,
            finished_at=datetime.now(UTC),
        )


def _refused(row_number: int, refusal: Refusal) -> RowResult:
    column = column_of(refusal.pointer) if refusal.pointer else None
    error = {"column": column, "code": refusal.kind, "detail": refusal.detail}
    return RowResult(row_number, "refused", errors=(error,))


def parse_rows(
    kind: UploadType, header: list[str], rows: list[tuple[int, list[str]]], upload_id: str
) -> tuple[list[ParsedRow], int]:
    """Every non-blank row as a submission or a report line; and how many rows were blank."""
    model = MODELS[kind]
    seen: dict[str, int] = {}
    parsed: list[ParsedRow] = []
    blank = 0
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            blank += 1
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            error = {"column": None, "code": "extra-cells", "detail": "more cells than columns"}
            parsed.append(ParsedRow(number, None, RowResult(number, "refused", errors=(error,))))
            continue
        values = {
            header[i]: cell.strip() for i, cell in enumerate(cells[: len(header)]) if cell.strip()
        }
        payload = row_to_payload(kind, values)
        canonical = json.dumps(payload, sort_keys=True)
        if canonical in seen:
            error = {
                "column": None,
                "code": "duplicate-row",
                "detail": f"the same as row {seen[canonical]}",
            }
            parsed.append(ParsedRow(number, None, RowResult(number, "duplicate", errors=(error,))))
            continue
        seen[canonical] = number
        try:
            submission = model.model_validate(payload)
        except ValidationError as exc:
            errors = tuple(
                {"column": column_of(err["loc"]) or None, "code": err["type"], "detail": err["msg"]}
                for err in exc.errors()
            )
            parsed.append(ParsedRow(number, None, RowResult(number, "refused", errors=errors)))
            continue
        parsed.append(ParsedRow(number, _item(kind, submission, canonical, upload_id)))
    return parsed, blank


def _item(kind: UploadType, submission: BaseModel, canonical: str, upload_id: str) -> service.Item:
    assert isinstance(submission, Submission)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    # The row's content is its key: the same row uploaded again (within the keys' time) is
    # answered with its first event, never a second one.
    return service.Item(
        submission=submission,
        correlation_id=f"upload:{upload_id}",
        idempotency_key=f"upload-row\n{kind.value}\n{digest}",
    )

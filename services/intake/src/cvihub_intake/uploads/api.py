"""Upload routes: templates, POST a file, poll the job, fetch the report as CSV."""

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from starlette.responses import JSONResponse, Response

from cvihub_intake import service
from cvihub_intake.events import STREAM_OF_KIND
from cvihub_intake.models import SubmissionKind
from cvihub_intake.uploads import store
from cvihub_intake.uploads.columns import COLUMNS, UploadType, guess_type, neutralise, template_csv
from cvihub_intake.uploads.jobs import UploadRunner, parse_rows
from cvihub_intake.uploads.reading import CSV, MAX_ROWS, XLSX, UnreadableFile, media_of, read_table
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.web import PartnerDeps, check_scope
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem

UPLOADS_PATH = "/v1/uploads"
_KIND = {
    UploadType.REFERRALS: SubmissionKind.REFERRAL,
    UploadType.INCIDENTS: SubmissionKind.INCIDENT_ALERT,
    UploadType.BULLETINS: SubmissionKind.BULLETIN,
}
UploadId = Annotated[str, Path(max_length=36)]


def uploads_router(
    deps: PartnerDeps, runner: UploadRunner, problems: dict[int | str, Any]
) -> APIRouter:
    """The upload routes."""
    router = api_router(prefix=UPLOADS_PATH, tags=["uploads"])
    sessions, recorder = deps.sessions, deps.recorder
    Partner = Annotated[Principal, Depends(deps.current_partner)]

    for kind in UploadType:
        router.add_api_route(
            f"/templates/{kind.value}.csv",
            _template_route(kind),
            methods=["GET"],
            summary=f"Template for {kind.value}",
            description="A header row and one example row; lists are separated by ';'.",
            response_class=Response,
            responses={200: {"content": {CSV: {}}}},
        )

    @router.post(
        "",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Upload a CSV or Excel file",
        description=f"One submission per row (at most {MAX_ROWS}), as in the type's template. "
        "By default the valid rows are accepted and the invalid ones reported; with "
        "all_or_nothing=true one invalid row refuses the file. The answer is a job to poll. "
        "CSV may be UTF-8 (with or without BOM) or Windows-1252. A row uploaded again is "
        "answered with its first event, never a second one.",
        responses=problems,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    CSV: {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        },
    )
    async def post_upload(
        request: Request,
        principal: Partner,
        upload_type: Annotated[
            UploadType | None,
            Query(alias="type", description="What the rows are; guessed from the header if unset."),
        ] = None,
        all_or_nothing: Annotated[bool, Query()] = False,
    ) -> JSONResponse:
        body = await request.body()
        try:
            media = media_of(request.headers.get("content-type", ""), body)
        except UnreadableFile as unreadable:
            raise Problem(
                415, unreadable.kind, unreadable.detail, headers={"Accept-Post": f"{CSV}, {XLSX}"}
            ) from None
        try:
            table, rows = await asyncio.to_thread(_read_all, media, body)
        except UnreadableFile as unreadable:
            raise Problem(422, unreadable.kind, unreadable.detail) from None
        kind = upload_type or guess_type(table.header)
        if kind is None:
            raise Problem(422, "unknown-upload-type", "name the type: ?type=referrals, ...")
        _check_header(kind, table.header)
        await _authorise(sessions, principal, kind)
        upload_id = str(uuid.uuid4())
        parsed, blank = await asyncio.to_thread(parse_rows, kind, table.header, rows, upload_id)
        now = datetime.now(UTC)
        async with transaction(sessions) as session:
            await store.create_job(
                session,
                upload_id=upload_id,
                partner_id=principal.partner_id,
                upload_type=kind.value,
                status="queued",
                all_or_nothing=all_or_nothing,
                encoding=table.encoding,
                rows_total=len(parsed),
                rows_done=0,
                accepted=0,
                refused=0,
                duplicates=0,
                blank=blank,
                created_at=now,
            )
        runner.start(
            upload_id=upload_id,
            request=request,
            principal=principal,
            rows=parsed,
            all_or_nothing=all_or_nothing,
        )
        job = await _job(sessions, upload_id, principal.partner_id, 0, 0)
        return JSONResponse(
            job, status_code=202, headers={"Location": f"{UPLOADS_PATH}/{upload_id}"}
        )

    async def own_job(request: Request, upload_id: str, principal: Principal) -> None:
        async with sessions() as session:
            if await store.find_job(session, upload_id=upload_id, partner_id=principal.partner_id):
                return
            exists = await store.find_job(session, upload_id=upload_id, partner_id=None)
        if exists:
            await record_request_refusal(
                recorder, request, reason="not the uploader", status_code=404
            )
        raise Problem(404, "not-found", "no upload of yours has this id")

    @router.get(
        "/{upload_id}",
        summary="Where an upload stands",
        description="Counts, status and the per-row report (a page of it).",
        responses=problems,
    )
    async def get_upload(
        request: Request,
        upload_id: UploadId,
        principal: Partner,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=0, le=MAX_ROWS)] = 1000,
    ) -> JSONResponse:
        await own_job(request, upload_id, principal)
        return JSONResponse(await _job(sessions, upload_id, principal.partner_id, offset, limit))

    @router.get(
        "/{upload_id}/report.csv",
        summary="An upload's report as CSV",
        description="One line per row: accepted with its event id, or each error by column. "
        "Cells that could start a spreadsheet formula are neutralised.",
        response_class=Response,
        responses={200: {"content": {CSV: {}}}, **problems},
    )
    async def get_report(request: Request, upload_id: UploadId, principal: Partner) -> Response:
        await own_job(request, upload_id, principal)
        async with sessions() as session:
            rows = await store.report_rows(session, upload_id=upload_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["row", "status", "event_id", "column", "code", "detail"])
        for row in rows:
            for error in row.errors or ({},):
                cells = [row.row_number, row.status, row.event_id or ""]
                cells += [error.get("column") or "", error.get("code", ""), error.get("detail", "")]
                writer.writerow([neutralise(str(cell)) for cell in cells])
        return Response(out.getvalue(), media_type=CSV)

    return router


def _template_route(kind: UploadType) -> Any:
    async def template() -> Response:
        return Response(
            template_csv(kind),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{kind.value}.csv"'},
        )

    template.__name__ = f"template_{kind.value}"
    return template


def _read_all(media: str, body: bytes) -> tuple[Any, list[tuple[int, list[str]]]]:
    table = read_table(media, body)
    rows: list[tuple[int, list[str]]] = []
    for row in table.rows:
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise UnreadableFile("too-many-rows", f"an upload holds at most {MAX_ROWS} rows")
    return table, rows


def _check_header(kind: UploadType, header: list[str]) -> None:
    known = {column.name for column in COLUMNS[kind]}
    unknown = [name for name in header if name and name not in known]
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in header]
    if unknown or missing:
        errors = [
            {"pointer": "#", "detail": f"unknown column {neutralise(n)}", "code": "unknown-column"}
            for n in unknown[:20]
        ] + [
            {"pointer": "#", "detail": f"missing column {n}", "code": "missing-column"}
            for n in missing
        ]
        raise Problem(
            422,
            "bad-header",
            f"the header does not match the {kind.value} template",
            errors=errors,
        )


async def _authorise(sessions: SessionFactory, principal: Principal, kind: UploadType) -> None:
    stream = STREAM_OF_KIND[_KIND[kind]]
    check_scope(principal, service.PUBLISH_SCOPE[stream])
    async with sessions() as session:
        granted = await service.may_publish(
            session=session, partner_id=principal.partner_id, stream=stream
        )
    if not granted:
        raise Problem(403, "not-granted", f"you may not publish to the {stream} stream")


async def _job(
    sessions: SessionFactory, upload_id: str, partner_id: str, offset: int, limit: int
) -> dict[str, Any]:
    async with sessions() as session:
        job = await store.find_job(session, upload_id=upload_id, partner_id=partner_id)
        assert job is not None
        rows = await store.report_rows(session, upload_id=upload_id, offset=offset, limit=limit)
    return {
        "upload_id": job["upload_id"],
        "type": job["upload_type"],
        "status": job["status"],
        "all_or_nothing": job["all_or_nothing"],
        "encoding": job["encoding"],
        "rows_total": job["rows_total"],
        "rows_done": job["rows_done"],
        "accepted": job["accepted"],
        "refused": job["refused"],
        "duplicates": job["duplicates"],
        "blank_rows": job["blank"],
        "detail": job["detail"],
        "created_at": job["created_at"].isoformat(),
        "finished_at": job["finished_at"].isoformat() if job["finished_at"] else None,
        "rows": [
            {
                "row": r.row_number,
                "status": r.status,
                "event_id": r.event_id,
                "replayed": r.replayed,
                "errors": [
                    {k: neutralise(v) if isinstance(v, str) else v for k, v in e.items()}
                    for e in r.errors
                ],
            }
            for r in rows
        ],
        "rows_offset": offset,
    }

"""Bulk CSV ingestion jobs: Open → UploadComplete → InProgress → JobComplete | Failed,
or Aborted. Time moves the job (read from the clock whenever anything looks), so a test
advances the clock instead of sleeping."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

from specmock import Context, Reply, override

from . import records
from .auth import USER_ID, tenant_api
from .errors import ApiError

START_AFTER = 10  # seconds from UploadComplete to InProgress
FINISH_AFTER = 30  # seconds from UploadComplete to JobComplete or Failed
_PUBLIC = (
    "object",
    "id",
    "operation",
    "sourceName",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "contentType",
    "apiVersion",
)
_FINISHED = ("JobComplete", "Failed", "Aborted")


def _ns(ctx: Context) -> str:
    return ctx.namespace("/__jobs")


def _stamp(ctx: Context) -> str:
    now = datetime.fromtimestamp(ctx.clock.now(), UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def view(job: dict[str, Any], detail: bool = True) -> dict[str, Any]:
    """The job as the API shows it (internal bookkeeping stays out)."""
    out = {k: job[k] for k in _PUBLIC}
    if job["state"] == "Open":
        out["contentUrl"] = f"/api/v1/ingest/jobs/{job['id']}/batches"
    if detail:
        out["retries"] = 0
        out["totalProcessingTime"] = job.get("processingMs", 0)
        if job["state"] in ("JobComplete", "Failed"):
            out["numberRecordsProcessed"] = job.get("processed", 0)
            out["numberRecordsFailed"] = job.get("failed", 0)
        if job.get("errorMessage"):
            out["errorMessage"] = job["errorMessage"]
    return out


async def _get(ctx: Context, job_id: str) -> dict[str, Any]:
    job = await ctx.store.get(_ns(ctx), job_id)
    if job is None:
        raise ApiError(404, "NOT_FOUND", f"job {job_id} not found")
    return job


async def settle(ctx: Context) -> None:
    """Move every closed job along the clock; a finished upsert/delete job applies its rows."""
    now = ctx.clock.now()
    for job in await ctx.store.items(_ns(ctx)):
        closed = job.get("closedAt")
        if closed is None or job["state"] in _FINISHED:
            continue
        if job["state"] == "UploadComplete" and now >= closed + START_AFTER:
            job = {**job, "state": "InProgress", "systemModstamp": _stamp(ctx)}
        if job["state"] == "InProgress" and now >= closed + FINISH_AFTER:
            job = await _process(ctx, job)
        await ctx.store.put(_ns(ctx), job["id"], job)


async def _process(ctx: Context, job: dict[str, Any]) -> dict[str, Any]:
    schema = records.schema_for(job["sourceName"], job["object"])
    rows: list[dict[str, Any]] = []
    header_problem = ""
    for text in job.get("batches", []):
        reader = csv.DictReader(io.StringIO(text))
        unknown = [f for f in reader.fieldnames or [] if f not in schema.fields]
        if unknown:
            header_problem = f"columns not in the object schema: {', '.join(unknown)}"
            break
        rows.extend(reader)
    done = {
        **job,
        "systemModstamp": _stamp(ctx),
        "processingMs": FINISH_AFTER * 1000,
        "batches": [],
    }
    if ctx.option("salesforce_cdp_jobs", "") == "fail":  # the ingestion-failing scenario
        header_problem = "Data Cloud could not process the uploaded data; submit the job again"
    if header_problem or not rows:
        message = header_problem or "the job has no data"
        return {**done, "state": "Failed", "errorMessage": message, "failed": len(rows)}
    if job["operation"] == "delete":
        keys = [r.get(schema.primary_key) or "" for r in rows]
        await records.delete(ctx, job["sourceName"], schema, [k for k in keys if k])
        return {**done, "state": "JobComplete", "processed": len(rows), "failed": 0}
    good, problems = records.check(schema, rows, from_text=True)
    await records.upsert(ctx, job["sourceName"], schema, good)
    failed = len({p["recordIndex"] for p in problems})
    return {**done, "state": "JobComplete", "processed": len(good), "failed": failed}


@override("createJob")
@tenant_api("cdp_ingest_api")
async def create_job(ctx: Context) -> Reply:
    """Open a job for a configured object."""
    body = ctx.body
    records.schema_for(body["sourceName"], body["object"])
    number = await ctx.store.next_id(_ns(ctx))
    job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"specmock:salesforce_cdp:job:{number}"))
    stamp = _stamp(ctx)
    job = {
        "object": body["object"],
        "id": job_id,
        "operation": body["operation"],
        "sourceName": body["sourceName"],
        "createdById": USER_ID,
        "createdDate": stamp,
        "systemModstamp": stamp,
        "state": "Open",
        "contentType": "CSV",
        "apiVersion": "v1",
        "batches": [],
    }
    await ctx.store.put(_ns(ctx), job_id, job)
    return Reply(view(job, detail=False), status=201)


@override("uploadJobData")
@tenant_api("cdp_ingest_api")
async def upload(ctx: Context) -> Reply:
    """CSV for an open job; the header must be there, the rows are checked when processed."""
    job = await _get(ctx, ctx.params["jobId"])
    if job["state"] != "Open":
        raise ApiError(409, "INVALID_STATE", f"job {job['id']} is {job['state']}, not Open")
    text = ctx.body if isinstance(ctx.body, str) else ""
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise ApiError(400, "INVALID_CSV", f"the CSV cannot be read: {exc}") from None
    if not [h for h in header if h.strip()]:
        raise ApiError(400, "INVALID_CSV", "the CSV has no header row")
    job = {**job, "batches": [*job["batches"], text], "systemModstamp": _stamp(ctx)}
    await ctx.store.put(_ns(ctx), job["id"], job)
    return Reply({"accepted": True}, status=202)


@override("updateJob")
@tenant_api("cdp_ingest_api")
async def update_job(ctx: Context) -> Reply:
    """Close (processing starts on the clock) or abort an open job."""
    await settle(ctx)
    job = await _get(ctx, ctx.params["jobId"])
    wanted = ctx.body["state"]
    if job["state"] != "Open":
        raise ApiError(409, "INVALID_STATE", f"job {job['id']} is {job['state']}, not Open")
    job = {**job, "state": wanted, "systemModstamp": _stamp(ctx)}
    if wanted == "UploadComplete":
        job["closedAt"] = ctx.clock.now()
    else:
        job["batches"] = []
    await ctx.store.put(_ns(ctx), job["id"], job)
    return Reply(view(job, detail=False), status=200)


@override("getJob")
@tenant_api("cdp_ingest_api")
async def get_job(ctx: Context) -> Reply:
    await settle(ctx)
    return Reply(view(await _get(ctx, ctx.params["jobId"])), status=200)


@override("listJobs")
@tenant_api("cdp_ingest_api")
async def list_jobs(ctx: Context) -> Reply:
    """Filtered by state, ordered by a job field, paged by limit/offset."""
    await settle(ctx)
    jobs = [view(j) for j in await ctx.store.items(_ns(ctx))]
    if ctx.params.get("state"):
        jobs = [j for j in jobs if j["state"] == ctx.params["state"]]
    order = ctx.params.get("orderby")
    if order:
        name, _, direction = order.partition(" ")
        if name not in _PUBLIC:
            raise ApiError(400, "INVALID_ARGUMENT", f"cannot order by {name}")
        jobs.sort(key=lambda j: str(j.get(name, "")), reverse=direction.upper() == "DESC")
    offset = ctx.params.get("offset", 0)
    return Reply({"data": jobs[offset : offset + ctx.params.get("limit", 20)]}, status=200)


@override("deleteJob")
@tenant_api("cdp_ingest_api")
async def delete_job(ctx: Context) -> Reply:
    """Only a finished or aborted job can be deleted."""
    await settle(ctx)
    job = await _get(ctx, ctx.params["jobId"])
    if job["state"] not in _FINISHED:
        raise ApiError(409, "INVALID_STATE", f"job {job['id']} is {job['state']}; close it first")
    await ctx.store.delete(_ns(ctx), job["id"])
    return Reply(None, status=204)

"""The order service's operations: create, read, move, and the delivery admin views."""

from __future__ import annotations

import logging

from specmock import Context, Reply, override
from specmock.callbacks import trace_id_of

from .machine import IllegalTransition, move, new_order, public
from .runtime import commit, holding, load, new_reference, new_trace_id, runtime

log = logging.getLogger("specmock.order_server")


def _error(status: int, message: str) -> Reply:
    """The spec's Error body; the message starts with the field at fault."""
    return Reply({"code": status, "message": message}, status=status)


@override("order_server:createOrder")
async def create_order(ctx: Context) -> Reply:
    """Store the order as `created`, notify it, and start its clock-driven lifecycle."""
    rt = await runtime(ctx)
    trace_id = trace_id_of(ctx.headers.get("traceparent")) or new_trace_id(rt)
    reference = await new_reference(rt, rt.orders)
    order = new_order(reference, ctx.body, rt.clock.now(), rt.delays, trace_id)
    async with holding(rt, reference):
        await commit(rt, order, [order["history"][0]])
    log.info("POST /order 201 ref=%s trace=%s", reference, trace_id)
    return Reply(
        {"reference": reference, "status": "created", "created_at": order["created_at"]}, status=201
    )


@override("order_server:getOrder")
async def get_order(ctx: Context) -> Reply:
    """The order as of the clock's now."""
    rt = await runtime(ctx)
    reference = str(ctx.params["reference"]).lower()
    order = await load(rt, reference)
    if order is None:
        return _error(404, f"reference: no order {reference}")
    log.info(
        "GET /order 200 ref=%s status=%s trace=%s",
        reference,
        order["status"],
        order.get("trace_id", ""),
    )
    return Reply(public(order))


@override("order_server:transitionOrder")
async def transition_order(ctx: Context) -> Reply:
    """Apply one legal move now; an illegal one is refused with 409 and changes nothing."""
    rt = await runtime(ctx)
    reference = str(ctx.body["reference"]).lower()
    if await load(rt, reference) is None:
        return _error(404, f"reference: no order {reference}")
    async with holding(rt, reference):
        order = await rt.store.get(rt.orders, reference)
        if order is None:
            return _error(404, f"reference: no order {reference}")
        try:
            step = move(
                order, ctx.body["status"], rt.clock.now(), rt.delays, ctx.body.get("reason")
            )
        except IllegalTransition as exc:
            return _error(409, str(exc))
        await commit(rt, order, [step])
    return Reply(public(order))


@override("order_server:listDeliveries")
async def list_deliveries(ctx: Context) -> Reply:
    """Every delivery attempt, oldest first (optionally for one order)."""
    rt = await runtime(ctx)
    wanted = ctx.params.get("reference")
    attempts = await rt.scheduler.history()
    if wanted:
        attempts = [a for a in attempts if a["reference"] == str(wanted).lower()]
    return Reply(attempts)


@override("order_server:listDeadLetters")
async def list_dead_letters(ctx: Context) -> Reply:
    return Reply(await (await runtime(ctx)).scheduler.letters())


@override("order_server:redriveDeadLetter")
async def redrive_dead_letter(ctx: Context) -> Reply:
    """Queue a dead letter again behind whatever its order has queued."""
    rt = await runtime(ctx)
    before = {d["id"]: d for d in await rt.scheduler.letters()}
    dead_id = str(ctx.params["id"])
    if dead_id not in before or await rt.scheduler.requeue(dead_id) is None:
        return _error(404, f"id: no dead letter {dead_id}")
    return Reply(before[dead_id], status=202)


@override("order_server:orderHealth")
async def order_health(ctx: Context) -> Reply:
    await runtime(ctx)
    return Reply({"status": "ok", "service": "order_server"})

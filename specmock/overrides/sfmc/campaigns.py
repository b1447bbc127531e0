"""Campaigns (`/hub/v1/campaigns`) and the assets attached to them."""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply, override

from .common import authed, counter, not_found, page_of, query_int

CAMPAIGNS = "/campaigns"


def assets_ns(ctx: Context, campaign_id: str) -> str:
    return ctx.namespace(f"{CAMPAIGNS}/{campaign_id}/assets")


async def _find(ctx: Context) -> dict[str, Any] | None:
    return await ctx.store.get(ctx.namespace(CAMPAIGNS), ctx.path_params["id"])


def _missing(ctx: Context) -> Reply:
    return not_found(f"Campaign {ctx.path_params['id']} was not found")


@override("createCampaign")
@authed
async def create_campaign(ctx: Context) -> Reply:
    now = ctx.now()
    campaign = {
        "name": ctx.body["name"],
        "description": ctx.body.get("description", ""),
        "campaignCode": ctx.body.get("campaignCode", ""),
        "color": ctx.body.get("color", "0070d2"),
        "favorite": ctx.body.get("favorite", False),
        "id": str(await counter(ctx, "campaigns")),
        "createdDate": now,
        "modifiedDate": now,
    }
    await ctx.store.put(ctx.namespace(CAMPAIGNS), campaign["id"], campaign)
    return Reply(campaign)  # the vendor's spec says 200; FuelSDK treats anything else as failure


@override("listCampaigns")
@authed
async def list_campaigns(ctx: Context) -> dict[str, Any]:
    page, size = query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)
    items = await ctx.store.items(ctx.namespace(CAMPAIGNS))
    return {
        "count": len(items),
        "page": page,
        "pageSize": size,
        "items": page_of(items, page, size),
    }


@override("getCampaign")
@authed
async def get_campaign(ctx: Context) -> Reply:
    campaign = await _find(ctx)
    return Reply(campaign) if campaign else _missing(ctx)


@override("deleteCampaign")
@authed
async def delete_campaign(ctx: Context) -> Reply:
    if not await ctx.store.delete(ctx.namespace(CAMPAIGNS), ctx.path_params["id"]):
        return _missing(ctx)
    await ctx.store.clear(assets_ns(ctx, ctx.path_params["id"]))
    return Reply(None, status=204)


@override("attachCampaignAssets")
@authed
async def attach_assets(ctx: Context) -> Reply:
    if await _find(ctx) is None:
        return _missing(ctx)
    ns = assets_ns(ctx, ctx.path_params["id"])
    out = []
    for group in ctx.body:
        for item in group["ids"]:
            link = {
                "id": str(await counter(ctx, "campaign-assets")),
                "type": group["type"],
                "itemID": item,
                "createdDate": ctx.now(),
            }
            await ctx.store.put(ns, link["id"], link)
            out.append(link)
    return Reply(out)


@override("listCampaignAssets")
@authed
async def list_assets(ctx: Context) -> Reply:
    if await _find(ctx) is None:
        return _missing(ctx)
    return Reply(await ctx.store.items(assets_ns(ctx, ctx.path_params["id"])))


@override("detachCampaignAsset")
@authed
async def detach_asset(ctx: Context) -> Reply:
    if await _find(ctx) is None:
        return _missing(ctx)
    if not await ctx.store.delete(
        assets_ns(ctx, ctx.path_params["id"]), ctx.path_params["assetId"]
    ):
        return not_found(f"Asset link {ctx.path_params['assetId']} was not found")
    return Reply(None, status=204)

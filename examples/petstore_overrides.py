"""Thin overrides for the bundled petstore: what its schema alone cannot say.

    specmock serve petstore --overrides examples/petstore_overrides.py
"""

from specmock import Context, Reply, override


@override("createPet")
async def create_pet(ctx: Context) -> Reply:
    """A new pet is always available, and names are unique."""
    for pet in await ctx.store.items(ctx.namespace("/pets")):
        if pet["name"] == ctx.body["name"]:
            return Reply({"code": 400, "message": f"a pet named {pet['name']} exists"}, 400)
    reply = await ctx.default()  # stored the usual way: id, readOnly fields, timestamps
    pet = {**reply.body, "status": "available"}
    await ctx.store.put(ctx.namespace("/pets"), str(pet["id"]), pet)
    return Reply(pet, status=reply.status, headers=reply.headers)


@override("DELETE /pets/{petId}")
async def delete_pet(ctx: Context) -> Reply | None:
    """Sold pets stay on the books; anything else is deleted as usual (None)."""
    pet = await ctx.store.get(ctx.namespace("/pets"), str(ctx.params["petId"]))
    if pet is not None and pet.get("status") == "sold":
        return Reply({"code": 400, "message": "sold pets cannot be deleted"}, status=400)
    return None

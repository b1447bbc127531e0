"""Hand-written answers for the petstore, as a team keeps them next to their tests."""

from specmock import Context, Reply, override


@override("showPetById")
def show(ctx: Context) -> Reply:
    return Reply({"id": int(ctx.params["petId"]), "name": "Rex", "tag": "dog"})


@override("deletePet")
def delete(ctx: Context) -> Reply:
    return Reply(status=204)

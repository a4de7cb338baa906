import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { Context } from "../../platform/graphql/context.ts";
import { present } from "../../platform/graphql/loaders.ts";
import { Realm } from "../realms/realm.type.ts";
import { Game } from "./game.type.ts";

/** A realm's game: resolved here, with the games, so realms/ need not know games exist. */
@Resolver(() => Realm)
export class RealmGameResolver {
  @FieldResolver(() => Game)
  async game(@Root() realm: Realm, @Ctx() { loaders }: Context): Promise<Game> {
    return present(await loaders.game.load(realm.gameId), "realm's game");
  }
}

import { Field, ObjectType } from "type-graphql";
import { GameChangeKind } from "../../platform/graphql/enums.ts";
import { Game } from "./game.type.ts";

@ObjectType("GameChange", {
  description:
    "A message of the games subscription: first the SNAPSHOT (`games`), then one message per change to one game (`game`, as the change left it).",
})
export class GameChange {
  @Field(() => GameChangeKind)
  kind!: GameChangeKind;

  @Field(() => Game, {
    nullable: true,
    description: "The game that changed, as the change left it; null in the SNAPSHOT.",
  })
  game!: Game | null;

  @Field(() => [Game], {
    nullable: true,
    description:
      "In the SNAPSHOT only: every game you may watch, by id (what the games query answers you); null after.",
  })
  games!: Game[] | null;

  @Field(() => Date, { description: "When the change was published (the SNAPSHOT: when it was read)." })
  at!: Date;
}

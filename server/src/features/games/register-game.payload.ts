import { Field, ObjectType } from "type-graphql";
import { Game } from "./game.type.ts";

@ObjectType()
export class RegisterGamePayload {
  @Field(() => Game)
  game!: Game;

  @Field(() => String, { description: "The game's API key. Shown this once: only its hash is stored." })
  apiKey!: string;
}

import { Field, ObjectType } from "type-graphql";
import { Player } from "./player.type.ts";

@ObjectType({ description: "A short-lived credential for a player's client." })
export class PlayerToken {
  @Field(() => String, { description: "Send as `Authorization: Bearer <token>`." })
  token!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Player)
  player!: Player;
}

import { IsOptional, Matches, ValidateNested } from "class-validator";
import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, InputType } from "type-graphql";
import { EventDelivery } from "../../platform/graphql/enums.ts";
import { EVENT_TYPE, IsSlug, IsUuid } from "../../platform/graphql/validators.ts";
import { RealmSelectorInput } from "../realms/realm-selector.input.ts";

@InputType({
  description:
    "An event to publish, with at most one kind of target. No target: a broadcast to every game (from a player: to its own game's server alone). A target game: to it alone. A realm selector: to the games with a matching realm (within the target game, if one is named). A room: to the room's game and the players in the room now. A player: to its game and that player.",
})
export class PublishEventInput {
  @Field(() => String, { description: "e.g. `trade.offer`: a letter, then up to 63 of A-Z a-z 0-9 _ . : -" })
  @Matches(EVENT_TYPE, {
    message: "type must start with a letter and have 1–64 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'",
  })
  type!: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsSlug()
  targetGameId?: string | null;

  @Field(() => RealmSelectorInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  targetRealm?: RealmSelectorInput | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "A room: its game and the players in it when the event is published (a player may name only its current room).",
  })
  @IsOptional()
  @IsUuid()
  targetRoomId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "A player: its game and that player (a whisper, with the sender too when a player sends it).",
  })
  @IsOptional()
  @IsUuid()
  targetPlayerId?: string | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "Any JSON value, at most MAX_EVENT_DATA_BYTES (64 KiB unless configured) as JSON; default `{}`.",
  })
  data?: unknown;

  @Field(() => String, {
    nullable: true,
    description:
      "Makes a retry safe: the same key from the same sender (a game, a player, the admin) returns the event stored the first time.",
  })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,128}$/, {
    message: "idempotencyKey must be 1–128 printable ASCII characters without spaces",
  })
  idempotencyKey?: string | null;

  @Field(() => EventDelivery, { defaultValue: EventDelivery.IMMEDIATE })
  delivery!: EventDelivery;
}

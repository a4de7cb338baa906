import { IsInt, IsOptional, Max, Min } from "class-validator";
import { Field, InputType, Int } from "type-graphql";
import { Int64Scalar } from "../../platform/graphql/scalars/int64.ts";
import { MAX_QUOTA } from "../../platform/quotas/game-quotas.ts";

const ABOUT = "0–1000000000; null returns to the node's setting; left out, unchanged.";

/** Overrides of a game's quotas: a number sets one, null removes it, a field left out stays as it is. */
@InputType("GameQuotasInput")
export class GameQuotasInput {
  @Field(() => Int, { nullable: true, description: `Connections per node. ${ABOUT}` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  connections?: number | null;

  @Field(() => Int, { nullable: true, description: `Subscriptions per node. ${ABOUT}` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  subscriptions?: number | null;

  @Field(() => Int, { nullable: true, description: `Events per second, across nodes. ${ABOUT}` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  eventsPerSecond?: number | null;

  @Field(() => Int, { nullable: true, description: `Players. ${ABOUT}` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  players?: number | null;

  @Field(() => Int, { nullable: true, description: `Rooms. ${ABOUT}` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  rooms?: number | null;

  @Field(() => Int64Scalar, {
    nullable: true,
    description:
      "Bytes of stored event data, 0–1125899906842624 (1 PiB); null returns to the node's setting; left out, unchanged.",
  })
  storedEventBytes?: bigint | null;
}

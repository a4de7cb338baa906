import { Field, ID, ObjectType } from "type-graphql";
import { OccupantChangeKind, PresenceCause } from "../../platform/graphql/enums.ts";

@ObjectType({ description: "What changed in a room's occupants." })
export class OccupantChange {
  @Field(() => OccupantChangeKind)
  kind!: OccupantChangeKind;

  @Field(() => ID)
  playerId!: string;

  @Field(() => PresenceCause)
  cause!: PresenceCause;
}

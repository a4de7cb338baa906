import { Field, InputType } from "type-graphql";
import { IsAddressPart, IsLabel } from "../../platform/graphql/validators.ts";

@InputType({ description: "A new realm: its name and its address in the multiverse." })
export class RealmInput {
  @Field(() => String)
  @IsLabel(80)
  name!: string;

  @Field(() => String, { description: "What kind of realm, e.g. `forest`, `station`." })
  @IsAddressPart()
  realmType!: string;

  @Field(() => String, { description: "The cluster of realms it neighbours, e.g. `north-rim`." })
  @IsAddressPart()
  adjacency!: string;

  @Field(() => String, { description: "Its theme, e.g. `arcane`, `industrial`." })
  @IsAddressPart()
  resonance!: string;
}

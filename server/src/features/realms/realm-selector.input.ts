import { ArgsType, Field, InputType } from "type-graphql";
import { IsOptionalAddressPart } from "../../platform/graphql/validators.ts";

/** An input type for `publishEvent`, and the address arguments of `realms`. */
@InputType({ description: "Selects realms by address. Every part given must match; omitted parts match any." })
@ArgsType()
export class RealmSelectorInput {
  @Field(() => String, { nullable: true })
  @IsOptionalAddressPart()
  realmType?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptionalAddressPart()
  adjacency?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptionalAddressPart()
  resonance?: string | null;
}

/** The Prisma filter for a selector: only the parts that are set. */
export function selectorWhere(s: RealmSelectorInput | null | undefined): {
  realmType?: string;
  adjacency?: string;
  resonance?: string;
} {
  return {
    ...(s?.realmType ? { realmType: s.realmType } : {}),
    ...(s?.adjacency ? { adjacency: s.adjacency } : {}),
    ...(s?.resonance ? { resonance: s.resonance } : {}),
  };
}

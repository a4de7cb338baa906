import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { generateKey, hashKey } from "../auth/keys.ts";
import { Role } from "../auth/principal.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { conflict } from "../errors/errors.ts";
import type { Context } from "../graphql/context.ts";
import { CreateDeveloperInput } from "./create-developer.input.ts";
import { CreateDeveloperPayload } from "./developer.type.ts";

@Resolver()
export class DevelopersResolver {
  @Authorized(Role.Admin)
  @Mutation(() => CreateDeveloperPayload, { description: "Creates a developer. The key is shown only this once." })
  async createDeveloper(
    @Ctx() { services }: Context,
    @Arg("input", () => CreateDeveloperInput) input: CreateDeveloperInput,
  ): Promise<CreateDeveloperPayload> {
    const key = generateKey("developer");
    const name = input.name.trim();
    try {
      const developer = await services.prisma.developer.create({ data: { name, keyHash: hashKey(key) } });
      return { developer, key };
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A developer named "${name}" exists already`);
      throw err;
    }
  }
}

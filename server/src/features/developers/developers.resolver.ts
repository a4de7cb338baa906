import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { generateKey, hashKey } from "../../platform/auth/keys.ts";
import { Role } from "../../platform/auth/principal.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { badInput, conflict, notFound } from "../../platform/errors/errors.ts";
import type { Context } from "../../platform/graphql/context.ts";
import { UUID } from "../../platform/graphql/validators.ts";
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

  @Authorized(Role.Admin, Role.Developer)
  @Mutation(() => CreateDeveloperPayload, {
    description:
      "Replaces a developer's key: the old one stops working at once and live connections holding it end (close code 4011). The new key is shown only this once.",
  })
  async rotateDeveloperKey(
    @Ctx() { principal, services }: Context,
    @Arg("id", () => ID, {
      nullable: true,
      description: "The developer. A developer key may leave it out (its own); the admin must give it.",
    })
    id?: string | null,
  ): Promise<CreateDeveloperPayload> {
    const developerId = id ?? (principal.kind === "developer" ? principal.developerId : undefined);
    if (developerId === undefined) throw badInput("id is required when the admin rotates a developer key", "id");
    if (!UUID.test(developerId)) throw badInput("id must be a developer id (a UUID)", "id");
    // A developer rotates only its own key; another's is not disclosed.
    if (principal.kind === "developer" && principal.developerId !== developerId) {
      throw notFound("Developer", developerId);
    }
    const key = generateKey("developer");
    const updated = await services.prisma.developer.updateMany({
      where: { id: developerId },
      data: { keyHash: hashKey(key) },
    });
    if (updated.count === 0) throw notFound("Developer", developerId);
    const developer = await services.prisma.developer.findUniqueOrThrow({ where: { id: developerId } });
    await services.realtime.credentials.ended({ why: "developer-key-rotated", developerId });
    return { developer, key };
  }
}

import { GraphQLError } from "graphql";
import { authenticate, bearerCredential } from "../auth/authenticate.ts";
import { apiError, ErrorCode } from "../errors/errors.ts";
import type { Services } from "../services.ts";
import type { Context } from "./context.ts";
import { createLoaders } from "./loaders.ts";

/**
 * Builds the resolver context for one request from its `Authorization` value. A plain
 * function, so tests can call it without HTTP.
 */
export async function createContext(
  services: Services,
  { authorization, requestId }: { authorization: string | undefined; requestId: string },
): Promise<Context> {
  try {
    const principal = await authenticate(bearerCredential(authorization), {
      prisma: services.prisma,
      adminToken: services.adminToken,
      playerTokens: services.playerTokens,
    });
    return { requestId, principal, services, loaders: createLoaders(services.prisma, services.realtime.presence) };
  } catch (err) {
    if (err instanceof GraphQLError) throw err;
    // Outside any operation, so the GraphQL plugins never see it: log and mask it here.
    services.logger.error({ requestId, err }, "unexpected error while authenticating a request");
    throw apiError(ErrorCode.Internal, "Internal server error", { requestId });
  }
}

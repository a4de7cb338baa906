import { authenticate, bearerCredential } from "../auth/authenticate.ts";
import type { Services } from "../services.ts";
import type { Context } from "./context.ts";

/**
 * Builds the resolver context for one request from its `Authorization` value. A plain
 * function, so tests can call it without HTTP.
 */
export async function createContext(
  services: Services,
  { authorization, requestId }: { authorization: string | undefined; requestId: string },
): Promise<Context> {
  const principal = await authenticate(bearerCredential(authorization), {
    prisma: services.prisma,
    adminToken: services.adminToken,
    playerTokens: services.playerTokens,
  });
  return { requestId, principal, services };
}

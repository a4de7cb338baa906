import type { AuthChecker } from "type-graphql";
import type { Context } from "./context.ts";
import { forbidden, unauthenticated } from "../errors/errors.ts";

/**
 * Role check for `@Authorized(...roles)`: no roles means any signed-in principal. Tenancy
 * (which game) is checked by auth/access.ts once the target is known.
 */
export const authChecker: AuthChecker<Context, string> = ({ context }, roles) => {
  const { principal } = context;
  if (principal.kind === "anonymous") throw unauthenticated();
  if (roles.length === 0 || roles.includes(principal.kind)) return true;
  throw forbidden(`This operation is for: ${roles.join(", ")} (you are signed in as ${principal.kind})`);
};

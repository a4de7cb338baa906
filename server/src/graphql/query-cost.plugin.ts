import type { ApolloServerPlugin } from "@apollo/server";
import { Kind } from "graphql";
import { createRequire } from "node:module";
import type * as QueryComplexity from "graphql-query-complexity";

import { apiError, ErrorCode } from "../errors/errors.ts";
import type { Context } from "./context.ts";

// Its CJS build on purpose: the ESM build imports graphql's .mjs files, a second graphql next to
// the CJS one Node resolves for everybody else ("Cannot use GraphQLObjectType from another realm").
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  "graphql-query-complexity",
) as typeof QueryComplexity;

/**
 * Refuses operations whose estimated cost exceeds `maxCost`: one per field, times `first` on
 * paginated lists (see the `complexity` option on those fields).
 */
export function queryCostPlugin(maxCost: number): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          // Introspection (GraphiQL, codegen) is bounded by the schema itself.
          const fields = operation?.selectionSet.selections ?? [];
          if (fields.length > 0 && fields.every((f) => f.kind === Kind.FIELD && f.name.value.startsWith("__"))) return;
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch {
            // Variables that do not fit their types: execution reports them as BAD_USER_INPUT.
            return;
          }
          if (cost > maxCost) {
            throw apiError(
              ErrorCode.BadUserInput,
              `This operation costs ${cost}, over the limit of ${maxCost}: ask for fewer fields or smaller pages`,
              { reason: "QUERY_TOO_COMPLEX", http: { status: 400 } },
            );
          }
        },
      };
    },
  };
}

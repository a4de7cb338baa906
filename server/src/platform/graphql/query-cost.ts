import type { ApolloServerPlugin } from "@apollo/server";
import {
  BREAK,
  getOperationAST,
  GraphQLError,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
} from "graphql";
import { createRequire } from "node:module";
import type * as QueryComplexity from "graphql-query-complexity";

import { apiError, ErrorCode } from "../errors/errors.ts";
import type { Context } from "./context.ts";

// Its CJS build on purpose: the ESM build imports graphql's .mjs files, a second graphql next to
// the CJS one Node resolves for everybody else ("Cannot use GraphQLObjectType from another realm").
// Resolving a package from import.meta.url holds in the bundle too: server/dist/ sees the same
// node_modules as server/src/.
// eslint-disable-next-line no-restricted-syntax
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  "graphql-query-complexity",
) as typeof QueryComplexity;

/**
 * What one database round trip costs against MAX_QUERY_COST, on a root field that makes it:
 * priced like 50 plain fields (as `universe`), so the default limit (25,000) lets a request make
 * about 500, however it aliases them. Fields below the root read through loaders batched per
 * request (one query per field, whatever the number of parents), so they cost 1 like any field.
 */
export const ROUND_TRIP_COST = 50;

/** The cost of a root field that makes `roundTrips` round trips (Postgres or Redis) before what it selects. */
export function roundTrips(n: number): QueryComplexity.ComplexityEstimator {
  return ({ childComplexity }) => n * ROUND_TRIP_COST + childComplexity;
}

/** What is known of one parsed document's cost, against one schema. */
interface DocumentCost {
  /** Whether a variable can change the cost (see `costReadsVariables`). */
  readsVariables: boolean;
  /** The cost of each operation (by name, "" for the only one) once worked out, when fixed. */
  costs: Map<string, number>;
}

/** Per schema, per parsed document: what its cost is. Dies with the document (Apollo's cache). */
const known = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, DocumentCost>>();

/** Whether `node` holds a variable anywhere (a list or an object value may hold one deep down). */
function hasVariable(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Variable() {
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * Whether a variable can change what `document` costs: one used in a directive (`@include(if:
 * $x)` drops a field from the count), or in the arguments of a field whose cost is a function of
 * its arguments (`events(first: $n)`). Anything else a variable reaches (an input's data, say)
 * is priced the same whatever its value, so the cost is worked out once per document.
 */
function costReadsVariables(schema: GraphQLSchema, document: DocumentNode): boolean {
  const types = new TypeInfo(schema);
  let reads = false;
  visit(
    document,
    visitWithTypeInfo(types, {
      Directive(node) {
        if (!hasVariable(node)) return;
        reads = true;
        return BREAK;
      },
      Field(node) {
        const complexity = types.getFieldDef()?.extensions["complexity"];
        if (typeof complexity !== "function" || !node.arguments?.some(hasVariable)) return;
        reads = true;
        return BREAK;
      },
    }),
  );
  return reads;
}

/** What `document` is known to cost, made on its first costing. */
function documentCost(schema: GraphQLSchema, document: DocumentNode): DocumentCost {
  let bySchema = known.get(schema);
  if (!bySchema) known.set(schema, (bySchema = new WeakMap()));
  let cost = bySchema.get(document);
  if (!cost)
    bySchema.set(document, (cost = { readsVariables: costReadsVariables(schema, document), costs: new Map() }));
  return cost;
}

/**
 * The refusal for an operation whose estimated cost exceeds `maxCost` (one per field, times
 * `first` on paginated lists), or null when it may run. Introspection is not charged. Fails
 * closed: an operation that cannot be costed never runs. Variables that do not fit their types,
 * or a document too large to walk, are refused with graphql's own message (BAD_USER_INPUT); any
 * other failure of the estimate is thrown (an internal error, logged and masked).
 *
 * A document's cost is worked out once (per schema and operation) when no variable can change
 * it (`costReadsVariables`), and then remembered for as long as the parsed document lives
 * (Apollo keeps parsed documents by query text). Variables that do not fit their types are then
 * refused by execution instead, with the same message and code.
 */
export function costRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  maxCost: number,
): GraphQLError | null {
  const operation = getOperationAST(document, operationName);
  const fields = operation?.selectionSet.selections ?? [];
  if (fields.length > 0 && fields.every((f) => f.kind === Kind.FIELD && f.name.value.startsWith("__"))) return null;
  const fixed = documentCost(schema, document);
  let cost = fixed.readsVariables ? undefined : fixed.costs.get(operationName ?? "");
  if (cost === undefined) {
    try {
      cost = getComplexity({
        schema,
        query: document,
        operationName: operationName ?? undefined,
        variables: variables ?? {},
        estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      return apiError(ErrorCode.BadUserInput, err.message, { http: { status: 400 } });
    }
    if (!fixed.readsVariables) fixed.costs.set(operationName ?? "", cost);
  }
  if (cost <= maxCost) return null;
  return apiError(
    ErrorCode.BadUserInput,
    `This operation costs ${cost}, over the limit of ${maxCost}: ask for fewer fields or smaller pages`,
    { reason: "QUERY_TOO_COMPLEX", http: { status: 400 } },
  );
}

/** Applies `costRefusal` to every HTTP operation. */
export function queryCostPlugin(maxCost: number): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const refusal = costRefusal(schema, document, request.operationName, request.variables, maxCost);
          if (refusal) throw refusal;
        },
      };
    },
  };
}

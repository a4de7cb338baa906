import type { ApolloServerPlugin } from "@apollo/server";
import {
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
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  "graphql-query-complexity",
) as typeof QueryComplexity;

/**
 * The costs of documents that do not depend on their variables, by operation name ("" for
 * none): Apollo hands every request with the same query text the same parsed document, so a
 * mutation sent again and again with new variables is costed once.
 */
const fixedCosts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, number>>>();

const hasVariable = (node: ASTNode): boolean => {
  let found = false;
  visit(node, { Variable: () => void (found = true) });
  return found;
};

/**
 * Whether `document`'s cost may change with its variables: a variable in a directive (`@skip`,
 * `@include` decide which fields count) or in an argument of a field that prices its arguments
 * (a `complexity` extension, such as a page size). Elsewhere the estimate never reads them.
 */
function costDependsOnVariables(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let depends = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Directive(node) {
        if (node.arguments?.some((a) => hasVariable(a.value))) depends = true;
      },
      Field(node) {
        const priced = typeInfo.getFieldDef()?.extensions["complexity"] !== undefined;
        if (priced && node.arguments?.some((a) => hasVariable(a.value))) depends = true;
      },
    }),
  );
  return depends;
}

/**
 * The refusal for an operation whose estimated cost exceeds `maxCost` (one per field, times
 * `first` on paginated lists), or null when it may run. Introspection is not charged. Fails
 * closed: an operation that cannot be costed never runs. Variables that do not fit their types,
 * or a document too large to walk, are refused with graphql's own message (BAD_USER_INPUT); any
 * other failure of the estimate is thrown (an internal error, logged and masked).
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
  let byDocument = fixedCosts.get(schema);
  if (!byDocument) fixedCosts.set(schema, (byDocument = new WeakMap()));
  let cost = byDocument.get(document)?.get(operationName ?? "");
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
    if (!costDependsOnVariables(schema, document)) {
      const byOperation = byDocument.get(document) ?? new Map<string, number>();
      byDocument.set(document, byOperation.set(operationName ?? "", cost));
    }
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

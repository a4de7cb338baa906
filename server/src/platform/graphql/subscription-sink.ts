import {
  execute,
  getOperationAST,
  Kind,
  visit,
  type ASTNode,
  type ExecutionArgs,
  type GraphQLError,
  type GraphQLFormattedError,
} from "graphql";
import type { DirectSink } from "../realtime/fanout.ts";

/**
 * What makes two subscriptions' payloads the same for the same item: the document, the
 * operation, and the values of the variables the payload can read. Variables used only in the
 * root field's arguments (`gameId`, `since`) choose the items, not their payload, so they are
 * left out: subscribers resuming from different seqs still share one rendering.
 */
export function payloadKey(args: Pick<ExecutionArgs, "document" | "operationName" | "variableValues">): string {
  const { document, operationName, variableValues } = args;
  const used = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable: (v) => {
        used.add(v.name.value);
      },
    });
  const operation = getOperationAST(document, operationName);
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind !== Kind.FIELD) {
      collect(selection);
      continue;
    }
    for (const directive of selection.directives ?? []) collect(directive);
    if (selection.selectionSet) collect(selection.selectionSet);
  }
  for (const directive of operation?.directives ?? []) collect(directive);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) collect(definition);
  }
  const values = [...used].sort().map((name) => [name, variableValues?.[name] ?? null]);
  const text = document.loc?.source.body ?? JSON.stringify(document);
  return `${operationName ?? ""}\n${text}\n${JSON.stringify(values)}`;
}

/**
 * A subscription's direct sink: renders an item by running the operation with it as the root
 * value (as graphql-js does for each event of a subscription) and serializing the result, with
 * errors masked as everywhere; `send` writes the serialized payload as the transport frames it.
 */
export function subscriptionSink(
  args: ExecutionArgs,
  mask: (errors: readonly GraphQLError[]) => GraphQLFormattedError[],
  send: (payload: string) => void,
): DirectSink<unknown> {
  return {
    key: payloadKey(args),
    async render(item) {
      const result = await execute({ ...args, rootValue: item });
      return JSON.stringify(result.errors ? { ...result, errors: mask(result.errors) } : result);
    },
    send,
  };
}

import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ASTVisitor,
} from "graphql";
import { ErrorCode } from "../errors/errors.ts";

/**
 * A validation rule that refuses operations nested deeper than `maxDepth` fields, following
 * fragments. Introspection fields (`__schema`, `__type`) are not counted, so GraphiQL works.
 */
export function maxDepthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const depthOf = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        let d: number;
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith("__")) continue;
          d = sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          d = depthOf(sel.selectionSet, seen);
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report it
          d = depthOf(fragment.selectionSet, new Set([...seen, name]));
        }
        deepest = Math.max(deepest, d);
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`This operation nests ${depth} levels deep; the limit is ${maxDepth}`, {
              nodes: [node],
              extensions: { code: ErrorCode.BadUserInput, reason: "QUERY_TOO_DEEP" },
            }),
          );
        }
      },
    };
  };
}

import {
  GraphQLError,
  isIntrospectionType,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import { ErrorCode } from "../errors/errors.ts";

/** `__schema` selections an operation may hold (GraphiQL's introspection query has one). */
export const MAX_SCHEMA_SELECTIONS = 1;
/** `__type` selections an operation may hold. */
export const MAX_TYPE_SELECTIONS = 20;

type Counts = { schema: number; type: number };
const CAP = 1_000_000;

/**
 * Bounds what introspection can cost. Its answer is the schema, so the only way to make it
 * large is to ask for it many times: through aliases of `__schema` or `__type`, or through
 * aliases inside them (`a: types { … } b: types { … }`), multiplied by fragments. So an operation
 * may select `__schema` once and `__type` 20 times, counted after following fragments, and a
 * field of an introspection type may not be asked for under two names. Everything GraphiQL and
 * codegen tools send passes; one answer stays about the size of the schema.
 */
export function introspectionRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const memo = new Map<string, Counts>();

  /** `__schema` and `__type` selections in `set`'s expansion (fragments followed, memoized). */
  const count = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>): Counts => {
    const total: Counts = { schema: 0, type: 0 };
    for (const sel of set?.selections ?? []) {
      let c: Counts;
      if (sel.kind === Kind.FIELD) {
        c = count(sel.selectionSet, seen);
        if (sel.name.value === "__schema") c = { ...c, schema: c.schema + 1 };
        if (sel.name.value === "__type") c = { ...c, type: c.type + 1 };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        c = count(sel.selectionSet, seen);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report it
        c = memo.get(name) ?? count(fragment.selectionSet, new Set([...seen, name]));
        memo.set(name, c);
      }
      total.schema = Math.min(CAP, total.schema + c.schema);
      total.type = Math.min(CAP, total.type + c.type);
    }
    return total;
  };

  /** Field name -> the response keys it is asked under, in `set` and the fragments it spreads. */
  const keysOf = (set: SelectionSetNode, keys: Map<string, Set<string>>, seen: Set<string>): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const named = keys.get(name) ?? new Set<string>();
        named.add(sel.alias?.value ?? name);
        keys.set(name, named);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        keysOf(sel.selectionSet, keys, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const fragment = fragments.get(sel.name.value);
        if (fragment) keysOf(fragment.selectionSet, keys, seen);
      }
    }
  };

  const refuse = (message: string, node: SelectionSetNode | { kind: Kind }) =>
    context.reportError(
      new GraphQLError(message, {
        nodes: [node as SelectionSetNode],
        extensions: { code: ErrorCode.BadUserInput, reason: "INTROSPECTION_LIMIT" },
      }),
    );

  return {
    OperationDefinition(node) {
      const c = count(node.selectionSet, new Set());
      if (c.schema > MAX_SCHEMA_SELECTIONS || c.type > MAX_TYPE_SELECTIONS) {
        refuse(
          `This operation selects __schema ${c.schema} and __type ${c.type} times; the limits are ${MAX_SCHEMA_SELECTIONS} and ${MAX_TYPE_SELECTIONS}`,
          node,
        );
      }
    },
    SelectionSet(node) {
      const parent = context.getParentType();
      if (!parent || !isIntrospectionType(parent)) return;
      const keys = new Map<string, Set<string>>();
      keysOf(node, keys, new Set());
      for (const [field, names] of keys) {
        if (names.size > 1) {
          refuse(`Introspection fields cannot be asked for twice under other names: ${parent.name}.${field}`, node);
          return;
        }
      }
    },
  };
}

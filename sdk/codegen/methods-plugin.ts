// A graphql-codegen plugin: one client method per operation in sdk/operations/*.graphql.
//
// It writes `sdk/src/generated/operations.ts`: the `MultiverseOperations` interface (one typed
// method per operation, with the schema's description as its TSDoc) and the `operations` table
// the hand-written client turns into those methods (the query text, with its fragments, for
// each). The result and variable types come from the `typescript-operations` plugin's output
// (`./graphql.ts`), so they are named the way that plugin names them.
import type { PluginFunction, Types } from "@graphql-codegen/plugin-helpers";
import {
  Kind,
  print,
  stripIgnoredCharacters,
  visit,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";

export interface MethodsPluginConfig {
  /**
   * Subscriptions that resume after a reconnect: operation name → the variable that says where
   * to resume (`since`) and the result field that holds each message's position (`seq`).
   */
  resume?: Record<string, { argument: string; cursor: string }>;
  /** Files whose operations the client uses itself: they get no public method. */
  internal?: string[];
}

const SUFFIX = { query: "Query", mutation: "Mutation", subscription: "Subscription" } as const;

interface Method {
  name: string;
  operation: OperationDefinitionNode;
  operationName: string;
  kind: keyof typeof SUFFIX;
  field: string;
  inputOnly: boolean;
  variablesRequired: boolean;
  query: string;
  resume?: { argument: string; cursor: string };
  description: string | undefined;
  file: string;
  internal: boolean;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The names of the fragments `node` spreads, directly or through other fragments. */
function fragmentsOf(
  node: OperationDefinitionNode | FragmentDefinitionNode,
  all: Map<string, FragmentDefinitionNode>,
  seen: Set<string> = new Set(),
): Set<string> {
  visit(node, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (seen.has(name)) return;
      const fragment = all.get(name);
      if (!fragment) throw new Error(`Unknown fragment ...${name}`);
      seen.add(name);
      fragmentsOf(fragment, all, seen);
    },
  });
  return seen;
}

function rootFieldDescription(schema: GraphQLSchema, kind: Method["kind"], field: string): string | undefined {
  const root =
    kind === "query"
      ? schema.getQueryType()
      : kind === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return root?.getFields()[field]?.description ?? undefined;
}

function tsdoc(lines: string[], indent = "  "): string {
  const body = lines.flatMap((l) => l.replace(/\*\//g, "*\\/").split("\n"));
  return [`${indent}/**`, ...body.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`].join("\n");
}

function collect(schema: GraphQLSchema, documents: Types.DocumentFile[], config: MethodsPluginConfig): Method[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: { node: OperationDefinitionNode; file: string }[] = [];
  for (const doc of documents) {
    const file = (doc.location ?? "").replace(/^.*?(sdk\/operations\/)/, "$1");
    for (const def of doc.document?.definitions ?? []) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      if (def.kind === Kind.OPERATION_DEFINITION) operations.push({ node: def, file });
    }
  }
  const methods: Method[] = [];
  for (const { node, file } of operations) {
    const operationName = node.name?.value;
    if (!operationName) throw new Error(`${file}: every operation needs a name (it names the method)`);
    const fields = node.selectionSet.selections;
    const root = fields[0];
    if (fields.length !== 1 || root?.kind !== Kind.FIELD) {
      throw new Error(`${file}: ${operationName} must select exactly one root field`);
    }
    const kind = node.operation;
    const field = root.alias?.value ?? root.name.value;
    const variables = node.variableDefinitions ?? [];
    const used = [...fragmentsOf(node, fragments)].sort();
    const text = [print(node), ...used.map((f) => print(fragments.get(f)!))].join("\n\n");
    const resume = config.resume?.[operationName];
    if (resume) {
      if (kind !== "subscription") throw new Error(`${operationName}: only subscriptions resume`);
      if (!variables.some((v) => v.variable.name.value === resume.argument)) {
        throw new Error(`${operationName}: it resumes with $${resume.argument}, which it does not declare`);
      }
    }
    methods.push({
      name: lowerFirst(operationName),
      operation: node,
      operationName,
      kind,
      field,
      inputOnly: variables.length === 1 && variables[0]!.variable.name.value === "input",
      variablesRequired: variables.some((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue),
      query: stripIgnoredCharacters(text),
      ...(resume ? { resume } : {}),
      description: rootFieldDescription(schema, kind, root.name.value),
      file,
      internal: (config.internal ?? []).some((f) => file.endsWith(f)),
    });
  }
  const seen = new Map<string, Method>();
  for (const m of methods) {
    const other = seen.get(m.name);
    if (other) throw new Error(`Two operations make method ${m.name}: ${other.file} and ${m.file}; rename one`);
    seen.set(m.name, m);
  }
  return methods.sort((a, b) => a.name.localeCompare(b.name));
}

function signature(m: Method): string {
  const type = `${m.operationName}${SUFFIX[m.kind]}`;
  const variables = `G.${type}Variables`;
  const param = m.inputOnly
    ? `input: ${variables}["input"]`
    : `variables${m.variablesRequired ? "" : "?"}: ${variables}`;
  const result = `G.${type}["${m.field}"]`;
  if (m.kind === "subscription") {
    const sub = m.resume ? "ResumableSubscription" : "MultiverseSubscription";
    return `${m.name}(${param}, options?: SubscribeOptions): ${sub}<${result}>;`;
  }
  return `${m.name}(${param}, options?: RequestOptions): Promise<${result}>;`;
}

function spec(m: Method): string {
  const fields = [
    `kind: ${JSON.stringify(m.kind)}`,
    `operationName: ${JSON.stringify(m.operationName)}`,
    `field: ${JSON.stringify(m.field)}`,
    `inputOnly: ${m.inputOnly}`,
    ...(m.resume ? [`resume: ${JSON.stringify(m.resume)}`] : []),
    `query: ${JSON.stringify(m.query)}`,
  ];
  return `  ${m.name}: { ${fields.join(", ")} },`;
}

export const plugin: PluginFunction<MethodsPluginConfig> = (schema, documents, config) => {
  const methods = collect(schema, documents, config);
  const publicMethods = methods.filter((m) => !m.internal);
  const internal = methods.filter((m) => m.internal);
  const kindWord = { query: "query", mutation: "mutation", subscription: "subscription" };
  const members = publicMethods.map((m) => {
    const lines = [
      ...(m.description ? [m.description, ""] : []),
      ...(m.kind === "subscription"
        ? ["A live stream: iterate it with `for await`; `break` or `options.signal` stops it.", ""]
        : []),
      ...(m.resume
        ? [
            `After a reconnect it resumes where it was: the client passes \`${m.resume.argument}\` = the last \`${m.resume.cursor}\` it received, so nothing is lost or repeated.`,
            "",
          ]
        : []),
      `Sends \`${kindWord[m.kind]} ${m.operationName}\` (${m.file}).`,
    ];
    return `${tsdoc(lines)}\n  ${signature(m)}`;
  });
  const internalResults = internal.map((m) => {
    const type = `${m.operationName}${SUFFIX[m.kind]}`;
    return `  ${m.name}: { variables: G.${type}Variables; result: G.${type}["${m.field}"] };`;
  });
  return [
    `// Generated by \`npm run codegen\` from schema/schema.graphql and sdk/operations/*.graphql: do not edit.`,
    `import type * as G from "./graphql.ts";`,
    `import type {`,
    `  MultiverseSubscription,`,
    `  OperationSpec,`,
    `  RequestOptions,`,
    `  ResumableSubscription,`,
    `  SubscribeOptions,`,
    `} from "../operation-types.ts";`,
    ``,
    `/** One method per operation in sdk/operations/: queries and mutations over HTTP, subscriptions over WebSocket. */`,
    `export interface MultiverseOperations {`,
    members.join("\n\n"),
    `}`,
    ``,
    `/** What each method sends. */`,
    `export const operations = {`,
    ...publicMethods.map(spec),
    `} as const satisfies Record<keyof MultiverseOperations, OperationSpec>;`,
    ``,
    `/** Operations the client sends for itself (sdk/operations/internal.graphql). */`,
    `export const internalOperations = {`,
    ...internal.map(spec),
    `} as const satisfies Record<string, OperationSpec>;`,
    ``,
    `/** The variables and results of the internal operations. */`,
    `export interface InternalOperations {`,
    ...internalResults,
    `}`,
    ``,
  ].join("\n");
};

// `@multiverse/sdk/documents`: every operation in sdk/operations/ as a TypedDocumentNode, with
// its result and variable types, for GraphQL clients that take documents (urql, Apollo Client).
export * from "./generated/graphql.ts";

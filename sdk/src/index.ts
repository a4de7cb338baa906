// @multiverse/sdk: the typed client for the Multiverse GraphQL API. See sdk/README.md.
export {
  createMultiverseClient,
  type Credential,
  type CredentialOptions,
  type MultiverseClient,
  type MultiverseClientOptions,
} from "./client.ts";
export type { Connection, ConnectionStateChange, Transport } from "./connection.ts";
export {
  isMultiverseError,
  MultiverseError,
  type ErrorCode,
  type GraphQLErrorDetail,
  type InputProblem,
  type MultiverseErrorCode,
} from "./errors.ts";
export type { MultiverseOperations } from "./generated/operations.ts";
export type { FetchLike } from "./http.ts";
export type {
  MultiverseSubscription,
  RequestOptions,
  ResumableSubscription,
  SubscribeOptions,
  SubscriptionRequest,
} from "./operation-types.ts";
export { CloseCode, FATAL_CLOSE_CODES, isFatalClose, type ConnectionState } from "./protocol.ts";
export type { RetryOptions } from "./subscription.ts";
export type * from "./types.ts";

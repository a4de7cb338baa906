import type { ApolloServerOptions } from "@apollo/server";
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { LRUCache } from "lru-cache";
import { authenticate } from "../auth/authenticate.ts";
import type { Principal } from "../auth/principal.ts";
import { apiError, ErrorCode, serviceUnavailable } from "../errors/errors.ts";
import { isTransient } from "../errors/transient.ts";
import { formatError } from "../errors/format-error.ts";
import type { Metrics } from "../observability/metrics.ts";
import { QueueOverflowError } from "../realtime/bounded-queue.ts";
import type { Services } from "../services.ts";
import type { Connection, Context } from "./context.ts";
import { Loaders } from "./loaders.ts";
import { introspectionRule } from "./introspection.rule.ts";
import { maxDepthRule } from "./max-depth.rule.ts";
import { observePlugin } from "./observe.plugin.ts";
import { costRefusal, queryCostPlugin } from "./query-cost.ts";

/** One GraphQL operation as a client sends it, over either transport. */
export interface Operation {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * Query text held by the cache of parsed and validated documents, at most (in UTF-16 code units,
 * a rough measure of what the documents cost): what Apollo's own document store holds for HTTP.
 */
const DOCUMENT_CACHE_CHARS = 8 * 1024 * 1024;

/** A refusal of the document itself, as over HTTP: BAD_USER_INPUT with the reason. */
const documentError = (e: GraphQLError, reason: string) =>
  new GraphQLError(e.message, {
    nodes: e.nodes,
    extensions: { code: ErrorCode.BadUserInput, reason, ...e.extensions },
  });

/**
 * The one request pipeline, for HTTP and WebSocket alike: authenticate the credential, build the
 * resolver context, apply the token, depth and cost limits, and mask errors. The WebSocket
 * adapter calls its steps directly; Apollo (HTTP) runs the same steps through `apolloOptions`
 * (the same rules, limits, plugins and error formatting). Transports keep only their own
 * concerns: where the credential comes from, and how the answer goes back.
 */
export class RequestPipeline {
  /** graphql's rules and ours (depth): what every document must pass. */
  readonly #rules: ValidationRule[];
  readonly #ours: ValidationRule[];
  /**
   * Documents that parsed and validated, by their text: a subscription's document is parsed and
   * validated once per node, not once per subscriber, and the subscribers of the same text share
   * one document (and so one fan-out group). graphql-js never changes a document it executes.
   */
  readonly #documents = new LRUCache<string, DocumentNode>({
    maxSize: DOCUMENT_CACHE_CHARS,
    sizeCalculation: (_doc, query) => Math.max(1, query.length),
  });

  constructor(
    readonly schema: GraphQLSchema,
    private readonly services: Services,
    private readonly metrics: Metrics,
  ) {
    this.#ours = [maxDepthRule(services.config.maxQueryDepth), introspectionRule];
    this.#rules = [...specifiedRules, ...this.#ours];
  }

  /**
   * The principal `credential` stands for (anonymous without one). A bad credential throws
   * UNAUTHENTICATED; the database away for a moment, SERVICE_UNAVAILABLE (retryable); anything
   * else unexpected is logged with `requestId` and masked.
   */
  async principal(credential: string | undefined, requestId: string): Promise<Principal> {
    const { prisma, adminToken, playerTokens, logger, realtime } = this.services;
    try {
      return await authenticate(credential, {
        prisma,
        adminToken,
        playerTokens,
        cache: realtime.credentials.principals,
      });
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      if (isTransient(err)) {
        // The credential may be fine: the database is away for a moment. Retryable, never 4403.
        logger.warn({ requestId, err }, "could not authenticate: a dependency is unavailable");
        throw serviceUnavailable();
      }
      // Outside any operation, so no GraphQL plugin sees it: log and mask it here.
      logger.error({ requestId, err }, "unexpected error while authenticating");
      throw apiError(ErrorCode.Internal, "Internal server error", { requestId });
    }
  }

  /** What resolvers see, for one HTTP request or one subscription on a connection. */
  context(principal: Principal, requestId: string, connection?: Connection): Context {
    const { services } = this;
    return {
      requestId,
      principal,
      services,
      loaders: new Loaders(services.prisma, services.realtime.presence),
      ...(connection ? { connection } : {}),
    };
  }

  /** Parses, validates (depth included) and costs `op`: the document to run, or why not. */
  prepare(op: Operation): { document: DocumentNode } | { errors: GraphQLError[] } {
    const document = this.#documents.get(op.query) ?? this.#parseAndValidate(op.query);
    if (!("kind" in document)) return document;
    const refusal = costRefusal(
      this.schema,
      document,
      op.operationName,
      op.variables,
      this.services.config.maxQueryCost,
    );
    return refusal ? { errors: [refusal] } : { document };
  }

  /** A new document, cached once it passes; or why it does not (not cached). */
  #parseAndValidate(query: string): DocumentNode | { errors: GraphQLError[] } {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.services.config.maxQueryTokens });
    } catch (err) {
      if (err instanceof GraphQLError) return { errors: [documentError(err, "GRAPHQL_PARSE_FAILED")] };
      throw err;
    }
    const invalid = validate(this.schema, document, this.#rules);
    if (invalid.length > 0) {
      return {
        errors: invalid.map((e) =>
          documentError(e, (e.extensions?.["reason"] as string) ?? "GRAPHQL_VALIDATION_FAILED"),
        ),
      };
    }
    this.#documents.set(query, document);
    return document;
  }

  /**
   * Errors as a client may see them, masked like HTTP's. An error with no code and no original
   * error was raised by graphql-js about the request itself (a variable that does not fit its
   * type, an operationName that names nothing): BAD_USER_INPUT, as Apollo answers over HTTP.
   * Anything else without a code is unexpected: logged with the request id, and masked.
   */
  mask(errors: readonly GraphQLError[], requestId: string | undefined): GraphQLFormattedError[] {
    return errors.map((e) => {
      const code = e.extensions?.["code"];
      if (!code && !e.originalError) return formatError(documentError(e, "BAD_USER_INPUT").toJSON());
      // A slow consumer's overflow is counted (multiverse_slow_consumer_disconnects_total) and its
      // connection closed with 4010; it is not an error of the server's to log.
      if (!code && !(e.originalError instanceof QueueOverflowError)) {
        this.services.logger.error({ requestId, err: e.originalError ?? e }, "subscription error");
      }
      return formatError(e.toJSON(), e);
    });
  }

  /** The same steps for Apollo, which runs HTTP requests. */
  apolloOptions(): Pick<
    ApolloServerOptions<Context>,
    "formatError" | "validationRules" | "parseOptions" | "plugins"
  > & {
    schema: GraphQLSchema;
  } {
    const { config, logger } = this.services;
    return {
      schema: this.schema,
      formatError,
      validationRules: this.#ours, // Apollo adds graphql's own
      parseOptions: { maxTokens: config.maxQueryTokens },
      plugins: [queryCostPlugin(config.maxQueryCost), observePlugin(logger, this.metrics)],
    };
  }
}

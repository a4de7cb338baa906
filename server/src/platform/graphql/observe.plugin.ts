import type { ApolloServerPlugin } from "@apollo/server";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { ErrorCode } from "../errors/errors.ts";
import { isExpected } from "../errors/format-error.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { ATTR_GRAPHQL_OPERATION_NAME, ATTR_GRAPHQL_OPERATION_TYPE } from "../observability/tracing.ts";
import type { Context } from "./context.ts";

/**
 * One log line and one metric sample per operation; unexpected errors are logged with their
 * stack and the request id, which the masked error carries so a user can quote it. With tracing
 * on, the operation's span (http/trace-requests.ts) learns the operation's type and outcome.
 */
export function observePlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      let failed = false;
      const span = trace.getActiveSpan(); // undefined with tracing off
      return {
        async didResolveOperation({ operation, operationName }) {
          const type = operation?.operation ?? "unknown";
          span?.updateName(`${type} ${operationName ?? "anonymous"}`);
          span?.setAttributes({
            [ATTR_GRAPHQL_OPERATION_TYPE]: type,
            ...(operationName ? { [ATTR_GRAPHQL_OPERATION_NAME]: operationName } : {}),
          });
        },
        async didEncounterErrors({ errors, operationName }) {
          failed = true;
          span?.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]?.message });
          for (const error of errors) {
            if (isExpected(error.extensions?.["code"])) continue;
            logger.error(
              { requestId: contextValue.requestId, operationName, err: error.originalError ?? error },
              "unexpected error in a GraphQL operation",
            );
          }
        },
        async willSendResponse({ response, operation, operationName }) {
          const type = operation?.operation ?? "unknown";
          const seconds = (performance.now() - started) / 1000;
          metrics.graphqlOperations.inc({ type, outcome: failed ? "error" : "ok" });
          metrics.graphqlDuration.observe({ type }, seconds);
          if (response.body.kind === "single") {
            // A dependency away for a moment: 503, so HTTP clients and proxies retry.
            const errors = response.body.singleResult.errors ?? [];
            if (errors.some((e) => e.extensions?.["code"] === ErrorCode.ServiceUnavailable) && response.http) {
              response.http.status = 503;
            }
            for (const error of response.body.singleResult.errors ?? []) {
              if (error.extensions?.["code"] === ErrorCode.Internal) {
                (error.extensions as Record<string, unknown>)["requestId"] = contextValue.requestId;
              }
            }
          }
          logger.info(
            {
              requestId: contextValue.requestId,
              principal: contextValue.principal?.kind,
              operationName,
              type,
              ms: Math.round(seconds * 1000),
              outcome: failed ? "error" : "ok",
            },
            "graphql",
          );
        },
      };
    },
  };
}

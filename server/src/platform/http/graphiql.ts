import type { RequestHandler } from "express";

/** Where the bundled GraphiQL lives: the admin console's GraphiQL view (admin/src/views/GraphiQLView.tsx). */
export const GRAPHIQL_PATH = "/admin/graphiql";

/**
 * Sends a browser that opens `/graphql` to the bundled GraphiQL (302 to `GRAPHIQL_PATH`, which
 * asks a signed-out visitor for a credential and says why). A browser is a GET that prefers
 * `text/html` to GraphQL's JSON types, as Apollo decides for its landing page; every other
 * request (POST, or a GET that accepts JSON, e.g. curl's `*\/*`) passes on and is answered as
 * the GraphQL-over-HTTP spec says.
 */
export const graphiqlForBrowsers: RequestHandler = (req, res, next) => {
  const isBrowser =
    req.method === "GET" &&
    req.path === "/" &&
    req.accepts(["application/graphql-response+json", "application/json", "text/html"]) === "text/html";
  if (!isBrowser) return next();
  res.redirect(302, GRAPHIQL_PATH);
};

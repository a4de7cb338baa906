import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

const SAFE_ID = /^[\w.:-]{1,128}$/;

/** Takes the caller's `x-request-id` when it is sane, else makes one; echoes it back. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.header("x-request-id");
  const id = given && SAFE_ID.test(given) ? given : randomUUID();
  res.locals["requestId"] = id;
  res.setHeader("x-request-id", id);
  next();
};

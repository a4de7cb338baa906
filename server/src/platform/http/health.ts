import { Router } from "express";
import type { Services } from "../services.ts";
import type { ShutdownState } from "./shutdown.ts";

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up. `/readyz`: Postgres and the bus answer, and the node is not
 * shutting down (503 otherwise, so a load balancer stops sending it work).
 */
export function healthRoutes(services: Services, shutdown: ShutdownState): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (shutdown.stopping) {
      res.status(503).json({ status: "stopping", checks: {} });
      return;
    }
    const [postgres, bus] = await Promise.allSettled([
      within(2_000, services.prisma.$queryRaw`SELECT 1`),
      within(2_000, services.bus.ping()),
    ]);
    const checks = {
      postgres: postgres.status === "fulfilled" ? "ok" : "unreachable",
      [services.bus.kind === "redis" ? "redis" : "bus"]: bus.status === "fulfilled" ? "ok" : "unreachable",
    };
    const ready = postgres.status === "fulfilled" && bus.status === "fulfilled";
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", checks });
  });
  return router;
}

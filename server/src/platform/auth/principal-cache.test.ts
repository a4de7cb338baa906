// PrincipalCache: a credential's principal is resolved once per TTL, never past a player
// token's expiry, forgotten the moment its credential ends, and failures are never remembered.
import { afterEach, describe, expect, it, vi } from "vitest";
import { PrincipalCache } from "./principal-cache.ts";
import type { Principal } from "./principal.ts";

const game: Principal = { kind: "game", gameId: "g1" };

describe("PrincipalCache", () => {
  afterEach(() => vi.useRealTimers());

  it("resolves a credential once per TTL", async () => {
    vi.useFakeTimers();
    const cache = new PrincipalCache(5_000);
    const resolve = vi.fn(async () => game);
    expect(await cache.get("mvg_a", resolve)).toEqual(game);
    expect(await cache.get("mvg_a", resolve)).toEqual(game);
    expect(resolve).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_001);
    await cache.get("mvg_a", resolve);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it("keeps a player token no longer than its expiry", async () => {
    vi.useFakeTimers();
    const cache = new PrincipalCache(60_000);
    const player: Principal = { kind: "player", playerId: "p", gameId: "g1", expiresAt: new Date(Date.now() + 1_000) };
    const resolve = vi.fn(async () => player);
    await cache.get("a.b.c", resolve);
    vi.advanceTimersByTime(999);
    await cache.get("a.b.c", resolve);
    expect(resolve).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2);
    await cache.get("a.b.c", resolve);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it("forgets what `forget` names, and only that", async () => {
    const cache = new PrincipalCache(60_000);
    await cache.get("mvg_a", async () => game);
    await cache.get("mvg_b", async () => ({ kind: "game", gameId: "g2" }));
    cache.forget((p) => p.kind === "game" && p.gameId === "g1");
    expect(cache.size).toBe(1);
    const resolve = vi.fn(async () => game);
    await cache.get("mvg_a", resolve);
    expect(resolve).toHaveBeenCalledTimes(1);
  });

  it("does not keep a principal whose lookup overlapped a forget", async () => {
    const cache = new PrincipalCache(60_000);
    let answer!: (p: Principal) => void;
    const pending = cache.get("mvg_a", () => new Promise<Principal>((r) => (answer = r)));
    cache.forget(() => true); // the key was rotated while its row was being read
    answer(game);
    expect(await pending).toEqual(game);
    expect(cache.size).toBe(0);
  });

  it("remembers no failure, and nothing at all with a TTL of 0", async () => {
    const cache = new PrincipalCache(60_000);
    await expect(cache.get("mvg_bad", () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(cache.size).toBe(0);
    const off = new PrincipalCache(0);
    const resolve = vi.fn(async () => game);
    await off.get("mvg_a", resolve);
    await off.get("mvg_a", resolve);
    expect(resolve).toHaveBeenCalledTimes(2);
    expect(off.size).toBe(0);
  });
});

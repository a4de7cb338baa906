// A demo game's server, on its API key: it vouches for its players (heartbeat), answers their
// commands, tells other games its news on its local ticks (a broadcast, a game, or realms by
// address), and passes the news it hears from other games on to one of its rooms.
import type { MultiverseEvent } from "@multiverse/sdk";
import { failed, textOf } from "./output.ts";
import { seededRandom, type Random } from "./random.ts";
import type { DemoGame, DemoRun } from "./setup.ts";

/** How often the server heartbeats its players (well within PRESENCE_TTL_SECONDS, 15 by default). */
const HEARTBEAT_MS = 5_000;

/** One game's server (see the file's comment); `start`, `play`, then `done` once the demo stops. */
export class GameServer {
  private readonly random: Random;
  private readonly loops: Promise<void>[] = [];
  /** The latest heartbeat, so that stopping waits for it. */
  private beat: Promise<void> = Promise.resolve();

  constructor(
    private readonly demo: DemoRun,
    private readonly game: DemoGame,
  ) {
    this.random = seededRandom(demo.seed, game.plan.id);
  }

  private get id(): string {
    return this.game.plan.id;
  }

  /** Heartbeats its players now and every HEARTBEAT_MS; listens to its events from now on. */
  async start(): Promise<void> {
    const { client } = this.game;
    await this.heartbeat();
    const beating = setInterval(() => (this.beat = this.heartbeat()), HEARTBEAT_MS);
    this.demo.signal.addEventListener("abort", () => clearInterval(beating), { once: true });
    const events = client.events(undefined, { signal: this.demo.signal });
    this.keep(this.listen(events));
    await events.ready;
  }

  /** Sends its news on its local ticks until the demo stops. */
  play(): void {
    this.keep(this.onTicks());
  }

  /** Resolves once its loops have ended (after the demo's signal). */
  async done(): Promise<void> {
    await Promise.all([...this.loops, this.beat]);
  }

  private keep(loop: Promise<void>): void {
    this.loops.push(loop.catch((err: unknown) => failed(this.demo.tally, this.id, `${this.id} server`, err)));
  }

  private async heartbeat(): Promise<void> {
    await this.game.client
      .heartbeat({ playerIds: this.game.bots.map((b) => b.player.id) })
      .catch((err: unknown) => failed(this.demo.tally, this.id, `${this.id} server`, err));
  }

  private async listen(events: AsyncIterable<MultiverseEvent>): Promise<void> {
    for await (const e of events) {
      this.demo.tally.delivered(this.id, "server");
      const answer = e.sourcePlayerId ? this.answer(e) : e.sourceGameId !== this.id ? this.relay(e) : undefined;
      await answer?.catch((err: unknown) => failed(this.demo.tally, this.id, `${this.id} server`, err));
    }
  }

  /** A player's command (an event with no target): `cmd.look` is answered with a whisper. */
  private async answer(e: MultiverseEvent): Promise<void> {
    if (e.type !== "cmd.look" || e.targetRoomId || e.targetPlayerId || !e.sourcePlayerId) return;
    const players = await this.game.client.players({ gameId: this.id });
    const me = players.find((p) => p.id === e.sourcePlayerId);
    const here = players.filter((p) => p.roomId !== null && p.roomId === me?.roomId && p.id !== me.id);
    const room = me?.roomId ? `the ${this.demo.world.roomName(me.roomId)}` : "no room";
    const company =
      here.length > 0 ? `With you: ${here.map((p) => p.displayName).join(", ")}.` : "Nobody else is here.";
    await this.publish({
      type: "look.result",
      targetPlayerId: e.sourcePlayerId,
      data: { text: `You are in ${room}. ${company}` },
    });
  }

  /** Another game's news (a broadcast, or addressed to this game or its realms): told in one of its rooms. */
  private async relay(e: MultiverseEvent): Promise<void> {
    const room = this.random.pick(this.game.rooms);
    await this.publish({
      type: "news",
      targetRoomId: room.id,
      data: { text: `Word from ${e.sourceGameId ?? "the multiverse"}: ${textOf(e.data)}`, from: e.sourceGameId },
    });
  }

  /** Its cross-game message on its first local tick and every `crossGame.every` after. */
  private async onTicks(): Promise<void> {
    const { texts, every, ...message } = this.game.plan.crossGame;
    let local = 0;
    for await (const _ of this.game.client.ticks(undefined, { signal: this.demo.signal })) {
      if (local++ % every !== 0) continue;
      await this.publish({ ...message, data: { text: this.random.pick(texts) } }).catch((err: unknown) =>
        failed(this.demo.tally, this.id, `${this.id} server`, err),
      );
    }
  }

  private async publish(input: Parameters<DemoGame["client"]["publishEvent"]>[0]): Promise<void> {
    await this.game.client.publishEvent(input);
    this.demo.tally.published(this.id, "game", input.type);
  }
}

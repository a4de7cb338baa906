// A bot: one player of a demo game, on its own connection with its own token, doing what a
// player's client does: it follows its room (myRoom) and hears what is said to it (events), and
// on its game's local ticks it now and then says something in its room, whispers to another
// player, walks to another room, or sends its game server a command.
import type { MultiverseClient } from "@multiverse/sdk";
import { failed, line } from "./output.ts";
import { seededRandom, type Random } from "./random.ts";
import type { DemoBot, DemoGame, DemoRoom, DemoRun } from "./setup.ts";

/** A bot's chance to do something on each local tick of its game. */
const ACT_CHANCE = 0.15;

/** One bot of `game` (see the file's comment); `start`, `greet`, `run`, then `done` once stopped. */
export class Bot {
  private readonly random: Random;
  private readonly loops: Promise<void>[] = [];
  private roomId: string | null = null;
  /** The other players in its room, as its last myRoom message said. */
  private roommates: string[] = [];

  constructor(
    private readonly demo: DemoRun,
    private readonly game: DemoGame,
    private readonly bot: DemoBot,
  ) {
    this.random = seededRandom(demo.seed, `${game.plan.id}/${bot.player.displayName}`);
  }

  private get name(): string {
    return this.bot.player.displayName;
  }

  /** Subscribes to its events (from now on) and its room, then walks into its first room. */
  async start(): Promise<void> {
    const { client } = this.bot;
    const events = client.events(undefined, { signal: this.demo.signal });
    this.keep(this.hear(events));
    let snapshot!: () => void;
    const first = new Promise<void>((resolve) => (snapshot = resolve));
    const following = this.follow(client.myRoom(undefined, { signal: this.demo.signal }), snapshot);
    this.keep(following);
    const ended = following.then(() =>
      Promise.reject(new Error(`${this.name}: myRoom ended before its first message`)),
    );
    await Promise.all([events.ready, Promise.race([first, ended])]);
    await this.moveTo(this.bot.startRoom);
  }

  /** Says its greeting in its first room. */
  async greet(): Promise<void> {
    const i = this.game.bots.indexOf(this.bot);
    await this.say(this.game.plan.greetings[i % this.game.plan.greetings.length]!).catch((err: unknown) =>
      failed(this.demo.tally, this.game.plan.id, this.name, err),
    );
  }

  /** Acts on its game's local ticks (a player token's `ticks`) until the demo stops. */
  play(): void {
    this.keep(this.onTicks());
  }

  /** Resolves once every loop of the bot has ended (after the demo's signal). */
  async done(): Promise<void> {
    await Promise.all(this.loops);
  }

  /** Keeps `loop` until `done`, counting how it failed if it did. */
  private keep(loop: Promise<void>): void {
    this.loops.push(loop.catch((err: unknown) => failed(this.demo.tally, this.game.plan.id, this.name, err)));
  }

  private async hear(events: AsyncIterable<unknown>): Promise<void> {
    for await (const _ of events) this.demo.tally.delivered(this.game.plan.id, "bot");
  }

  private async follow(rooms: ReturnType<MultiverseClient["myRoom"]>, snapshot: () => void): Promise<void> {
    for await (const room of rooms) {
      this.roommates = room.occupants.map((p) => p.id).filter((id) => id !== this.bot.player.id);
      snapshot();
      // A snapshot after a move: where it is now, and with whom.
      if (room.change === null && room.roomId !== null) {
        const others = room.occupants.filter((p) => p.id !== this.bot.player.id).map((p) => p.displayName);
        const company = others.length > 0 ? `, with ${others.join(", ")}` : ", alone";
        this.demo.print(
          line(this.game.plan.id, `${this.name} is in the ${this.demo.world.roomName(room.roomId)}${company}`),
        );
      }
    }
  }

  private async onTicks(): Promise<void> {
    for await (const _ of this.bot.client.ticks(undefined, { signal: this.demo.signal })) {
      if (!this.random.chance(ACT_CHANCE)) continue;
      await this.act().catch((err: unknown) => failed(this.demo.tally, this.game.plan.id, this.name, err));
    }
  }

  /** Half the time it talks; otherwise it whispers, wanders off, or looks around. */
  private async act(): Promise<void> {
    const r = this.random.next();
    if (r < 0.5) return this.say(this.random.pick(this.game.plan.lines));
    if (r < 0.7) return this.whisper(this.random.pick(this.game.plan.whispers));
    if (r < 0.9) return this.moveTo(this.random.pick(this.game.rooms.filter((room) => room.id !== this.roomId)));
    return this.look();
  }

  private async say(text: string): Promise<void> {
    if (this.roomId === null) return;
    await this.bot.client.publishEvent({ type: "chat.say", targetRoomId: this.roomId, data: { text } });
    this.demo.tally.published(this.game.plan.id, "player", "chat.say");
  }

  /** To someone in its room when there is anyone, else to any other player of its game. */
  private async whisper(text: string): Promise<void> {
    const everyone = this.game.bots.map((b) => b.player.id).filter((id) => id !== this.bot.player.id);
    const to = this.random.pick(this.roommates.length > 0 ? this.roommates : everyone);
    await this.bot.client.publishEvent({ type: "chat.whisper", targetPlayerId: to, data: { text } });
    this.demo.tally.published(this.game.plan.id, "player", "chat.whisper");
  }

  /** A command for its game server alone (no target): the server whispers back what it sees. */
  private async look(): Promise<void> {
    await this.bot.client.publishEvent({ type: "cmd.look" });
    this.demo.tally.published(this.game.plan.id, "player", "cmd.look");
  }

  private async moveTo(room: DemoRoom): Promise<void> {
    const player = await this.bot.client.movePlayer({ playerId: this.bot.player.id, roomId: room.id });
    this.roomId = player.roomId;
    this.demo.tally.moved(this.game.plan.id);
  }
}

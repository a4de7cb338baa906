// What the demo counts while it runs, and the summary it prints when it stops.

/** Who published an event: one of a game's bots (a player), or the game's server. */
export type Publisher = "player" | "game";

/** Who an event was delivered to, on its `events` subscription. */
export type Receiver = "bot" | "server";

interface GameCounts {
  players: number;
  published: number;
  delivered: number;
  moves: number;
}

/** The demo's counters: ticks seen, events published (by type), messages delivered, moves, failures. */
export class Tally {
  ticks = 0;
  firstTick: string | undefined;
  lastTick: string | undefined;
  /** Calls the server refused or that failed (each is printed unless --quiet). */
  failures = 0;
  private readonly games = new Map<string, GameCounts>();
  /** Events published, by who published them and their type. */
  private readonly byType: Record<Publisher, Map<string, number>> = { player: new Map(), game: new Map() };
  private readonly byReceiver = new Map<Receiver, number>();

  /** Counts `players` bots for `gameId` (in the order games are added, which the summary keeps). */
  addGame(gameId: string, players: number): void {
    this.games.set(gameId, { players, published: 0, delivered: 0, moves: 0 });
  }

  tick(number: string): void {
    this.ticks++;
    this.firstTick ??= number;
    this.lastTick = number;
  }

  published(gameId: string, by: Publisher, type: string): void {
    this.game(gameId).published++;
    this.byType[by].set(type, (this.byType[by].get(type) ?? 0) + 1);
  }

  delivered(gameId: string, to: Receiver): void {
    this.game(gameId).delivered++;
    this.byReceiver.set(to, (this.byReceiver.get(to) ?? 0) + 1);
  }

  moved(gameId: string): void {
    this.game(gameId).moves++;
  }

  private game(gameId: string): GameCounts {
    const counts = this.games.get(gameId);
    if (!counts) throw new Error(`the demo has no game ${gameId}`);
    return counts;
  }

  /**
   * The summary, one fact per line, each starting with its label (`ticks`, `events`, `messages`,
   * `players`, then one line per game), so a script or a test can read it.
   */
  summary(): string {
    const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
    const published = (by: Publisher) => {
      const types = [...this.byType[by]].sort(([a], [b]) => a.localeCompare(b));
      return `${sum(this.byType[by].values())} by ${by === "player" ? "players" : "game servers"} (${types.map(([t, n]) => `${t} ${n}`).join(", ")})`;
    };
    const games = [...this.games];
    const events = sum(this.byType.player.values()) + sum(this.byType.game.values());
    const messages = sum(this.byReceiver.values());
    const players = sum(games.map(([, g]) => g.players));
    const range = this.firstTick === undefined ? "" : ` (control ticks #${this.firstTick} to #${this.lastTick})`;
    const width = Math.max(...games.map(([id]) => id.length), "messages".length);
    const row = (label: string, text: string) => `  ${label.padEnd(width)}  ${text}`;
    return [
      "Demo summary",
      row("ticks", `${this.ticks}${range}`),
      row("events", `${events} published: ${published("player")}, ${published("game")}`),
      row(
        "messages",
        `${messages} delivered: ${this.byReceiver.get("bot") ?? 0} to the bots, ${this.byReceiver.get("server") ?? 0} to the game servers`,
      ),
      row("players", `${players} bots in ${games.length} games, ${sum(games.map(([, g]) => g.moves))} moves`),
      ...games.map(([id, g]) =>
        row(id, `${g.players} players, ${g.published} events, ${g.delivered} messages, ${g.moves} moves`),
      ),
      row("failures", String(this.failures)),
      "",
    ].join("\n");
  }
}

/** One control tick, as the bus carries it and the `ticks` subscription shows it. */
export interface TickMessage {
  number: string;
  startedAt: string;
  durationMs: number;
  gamesSynced: number;
  eventsPropagated: number;
  /** The last delivered seq when the tick ended: lets every node notice lost events. */
  lastSeq: string;
  /** The games whose local tick this was (ACTIVE, and `number % tickEvery === 0`). */
  syncedGameIds: string[];
  /** The node that drove it. */
  leader: string;
}

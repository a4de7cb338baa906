// The demo's world, as data: three games of different kinds, their realms (with addresses) and
// rooms, the bots that play them, what they say, and what each game tells the others.
import type { PublishEventInput, RealmInput } from "@multiverse/sdk";

/** What a game's players may publish with their tokens (its `playerEventTypes`). */
export const PLAYER_EVENT_TYPES = ["chat.say", "chat.whisper", "cmd.look"];

/** A realm of a demo game and the rooms opened in it. */
export interface RealmPlan extends RealmInput {
  rooms: string[];
}

/** A message one game sends other games now and then (a broadcast, to a game, or to realms). */
export type CrossGameMessage = Omit<PublishEventInput, "data" | "targetRoomId" | "targetPlayerId"> & {
  /** One of these is sent, picked by the game's seeded randomness. */
  texts: string[];
};

/** One demo game: what registerGame gets, its rooms, its bots, and their lines. */
export interface GamePlan {
  id: string;
  name: string;
  developerName: string;
  description: string;
  /** Control ticks per local tick: the game's (and its bots') pace. */
  tickEvery: number;
  /** The first realm is registerGame's; the others are created after it. */
  realms: RealmPlan[];
  bots: string[];
  /** Said on arrival, one per bot (by index). */
  greetings: string[];
  /** Said in a room (`chat.say`). */
  lines: string[];
  /** Whispered to another bot of the game (`chat.whisper`). */
  whispers: string[];
  /** Sent to other games every `every` local ticks of the game, starting with its first. */
  crossGame: CrossGameMessage & { every: number };
}

/** The three games. Each bot starts in its game's first or second room, so no one is alone. */
export const WORLD: GamePlan[] = [
  {
    id: "space-chess",
    name: "Space Chess",
    developerName: "Orbital Games",
    description: "Chess in zero gravity, one slow move a second. (Multiverse demo.)",
    tickEvery: 10,
    realms: [
      {
        name: "Orbital Board",
        realmType: "arena",
        adjacency: "core",
        resonance: "cosmic",
        rooms: ["White Camp", "Black Camp", "Observatory"],
      },
    ],
    bots: ["Queen Vega", "Rook Orion", "Bishop Lyra", "Pawn Io"],
    greetings: ["The board is set.", "Standing by on the rim.", "Diagonals are clear.", "Reporting for duty!"],
    lines: [
      "Knight to the asteroid belt.",
      "Check, in three dimensions.",
      "Mind the gravity well on e4.",
      "I resign to the vacuum of space.",
      "That pawn drifted off the board again.",
      "Castling across the orbit.",
    ],
    whispers: ["Your king is exposed on the far side.", "Feint left, then take the moon.", "I saw the plan. Nice."],
    crossGame: {
      every: 6,
      type: "comet.sighted",
      texts: ["A comet crosses the board.", "Solar flare: all pieces shielded.", "A new star lit up over b7."],
    },
  },
  {
    id: "tavern",
    name: "The Tavern",
    developerName: "Hearth & Ale",
    description: "A tavern at the crossroads where travellers trade news. (Multiverse demo.)",
    tickEvery: 5,
    realms: [
      {
        name: "Crossroads Inn",
        realmType: "settlement",
        adjacency: "crossroads",
        resonance: "mundane",
        rooms: ["Common Room", "Cellar", "Hearth"],
      },
    ],
    bots: ["Bram", "Odette", "Pip", "Mirela"],
    greetings: ["Evening, all.", "A table by the fire, please.", "Who's buying?", "Ale for everyone!"],
    lines: [
      "Another round, anyone?",
      "The stew is better than last week.",
      "Heard the forest folk are selling mushrooms again.",
      "Someone stole my seat.",
      "That bard only knows one song.",
      "Roads are muddy from here to the marsh.",
    ],
    whispers: ["The cellar door is unlocked.", "Don't trust the bard.", "Meet me by the hearth."],
    crossGame: {
      every: 8,
      type: "rumour",
      targetRealm: { resonance: "sylvan" },
      texts: [
        "Travellers say a wolf was seen near the road.",
        "The innkeeper wants fresh herbs.",
        "A stranger asked about the old oak.",
      ],
    },
  },
  {
    id: "forest",
    name: "Whispering Forest",
    developerName: "Mossware",
    description: "An old forest of glades and marshes, and its quiet folk. (Multiverse demo.)",
    tickEvery: 7,
    realms: [
      {
        name: "Old Wood",
        realmType: "wilds",
        adjacency: "crossroads",
        resonance: "sylvan",
        rooms: ["Glade", "Brook"],
      },
      {
        name: "Moonlit Marsh",
        realmType: "wilds",
        adjacency: "far-reach",
        resonance: "sylvan",
        rooms: ["Reeds"],
      },
    ],
    bots: ["Fern", "Ash", "Wren", "Thistle"],
    greetings: ["The leaves are listening.", "Morning dew, friends.", "Tweet.", "Mind the nettles."],
    lines: [
      "The brook is high today.",
      "An owl has been watching us.",
      "Mushrooms ring the old stump.",
      "Wind's turning east.",
      "Quiet. Something moves in the reeds.",
      "The moss grows thicker on this side.",
    ],
    whispers: ["There's a path behind the waterfall.", "The tavern pays well for herbs.", "Follow the fireflies."],
    crossGame: {
      every: 6,
      type: "trade.offer",
      targetGameId: "tavern",
      texts: ["Mushrooms, a basket for three coins.", "Fresh herbs for the innkeeper.", "Honey from the hollow oak."],
    },
  },
];

import { ArrayMaxSize, IsOptional, Length, Matches, MaxLength } from "class-validator";
import { UUID } from "../db/uuid.ts";

/** Row ids (players, rooms, realms). */
export { UUID };

/** Game ids: 3–40 characters of a-z, 0-9 and '-', starting with a letter. */
export const SLUG = /^[a-z][a-z0-9-]{2,39}$/;
/** One part of a realm address (type, adjacency, resonance). */
export const ADDRESS_PART = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Event types, e.g. `trade.offer` or `boss:defeated`. */
export const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

type PropertyDecorator = (target: object, key: string) => void;
const all =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const d of decorators) d(target, key);
  };

export const IsSlug = (): PropertyDecorator =>
  Matches(SLUG, { message: "$property must be 3–40 characters of a-z, 0-9 and '-', starting with a letter" });

export const IsAddressPart = (): PropertyDecorator =>
  Matches(ADDRESS_PART, {
    message: "$property must be 1–40 characters of a-z, 0-9, '_' and '-', starting with a letter or digit",
  });

export const IsOptionalAddressPart = (): PropertyDecorator => all(IsOptional(), IsAddressPart());

/** Postgres cannot store U+0000 in text or JSON. */
const NoNul = (): PropertyDecorator =>
  // eslint-disable-next-line no-control-regex -- matching NUL is the point
  Matches(/^[^\u0000]*$/, { message: "$property must not contain the NUL character (U+0000)" });

/** A human label: 1–`max` characters, not only spaces. */
export const IsLabel = (max: number): PropertyDecorator =>
  all(
    Length(1, max, { message: `$property must be 1–${max} characters` }),
    Matches(/\S/, { message: "$property must not be blank" }),
    NoNul(),
  );

export const IsText = (max: number): PropertyDecorator =>
  all(IsOptional(), MaxLength(max, { message: `$property must be at most ${max} characters` }), NoNul());

export const IsUuid = (): PropertyDecorator => Matches(UUID, { message: "$property must be a UUID" });

/** Most event types a game lets its players publish. */
export const MAX_PLAYER_EVENT_TYPES = 100;

/** An optional list of event types: at most MAX_PLAYER_EVENT_TYPES, each a valid type. */
export const IsEventTypes = (): PropertyDecorator =>
  all(
    IsOptional(),
    ArrayMaxSize(MAX_PLAYER_EVENT_TYPES, { message: `$property must hold at most ${MAX_PLAYER_EVENT_TYPES} types` }),
    Matches(EVENT_TYPE, {
      each: true,
      message:
        "each of $property must start with a letter and have 1–64 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'",
    }),
  );

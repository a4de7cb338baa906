// payloadKey: subscriptions whose payloads are the same share a key; root-field arguments choose
// the items, not the payload, so they do not split groups; anything the payload reads does.
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { payloadKey } from "./subscription-sink.ts";

const key = (query: string, variableValues: Record<string, unknown> = {}, operationName?: string) =>
  payloadKey({ document: parse(query), variableValues, operationName });

describe("payloadKey", () => {
  const Q = `subscription E($since: Int64, $game: ID) { events(since: $since, gameId: $game) { seq data } }`;

  it("is the same for the same operation whatever the root field's arguments", () => {
    expect(key(Q, { since: "1", game: "a" })).toBe(key(Q, { since: "900", game: "b" }));
  });

  it("differs when the selection differs", () => {
    expect(key(Q)).not.toBe(
      key(`subscription E($since: Int64, $game: ID) { events(since: $since, gameId: $game) { seq } }`),
    );
  });

  it("differs when a variable the payload reads differs (in the selection, a directive or a fragment)", () => {
    const inSelection = `subscription($d: Boolean!) { events { seq data @include(if: $d) } }`;
    expect(key(inSelection, { d: true })).not.toBe(key(inSelection, { d: false }));
    const inFragment = `subscription($d: Boolean!) { events { ...F } } fragment F on Event { seq data @skip(if: $d) }`;
    expect(key(inFragment, { d: true })).not.toBe(key(inFragment, { d: false }));
    const onRoot = `subscription($d: Boolean!) { events @include(if: $d) { seq } }`;
    expect(key(onRoot, { d: true })).not.toBe(key(onRoot, { d: false }));
  });

  it("differs by operation name in a document with several operations", () => {
    const two = `subscription A { events { seq } } subscription B { events { seq type } }`;
    expect(key(two, {}, "A")).not.toBe(key(two, {}, "B"));
  });
});

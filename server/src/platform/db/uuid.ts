/** The shape of every row id Postgres keeps as `uuid` (players, rooms, realms, events). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

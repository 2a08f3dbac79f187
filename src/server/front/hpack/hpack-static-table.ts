/** One header field as HPACK sees it: name and value are latin1 strings (one char per octet). */
export interface HeaderField {
  name: string;
  value: string;
  /**
   * Sent as "literal never indexed" (RFC 7541 §6.2.3): an intermediary must re-encode it the same
   * way, so that a sensitive value (a token) never enters a compression context.
   */
  neverIndexed: boolean;
}

/** RFC 7541 Appendix A: the static table, index 1 first. */
export const staticTable: readonly (readonly [name: string, value: string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Static index of each name (its first entry), for literals with an indexed name. */
export const staticNameIndex: ReadonlyMap<string, number> = new Map(
  staticTable.map(([name], i) => [name, i + 1] as const).reverse(),
);

/** Static index of each exact `name\0value` pair. */
export const staticFieldIndex: ReadonlyMap<string, number> = new Map(
  staticTable.map(([name, value], i) => [`${name}\0${value}`, i + 1] as const),
);

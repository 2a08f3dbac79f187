/**
 * A malformed HPACK header block (RFC 7541). HTTP/2 makes this a connection error of type
 * COMPRESSION_ERROR: the decoder state can no longer be trusted, so the connection must end.
 */
export class HpackError extends Error {
  override name = "HpackError";
}

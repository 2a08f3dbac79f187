/**
 * A malformed HPACK header block (RFC 7541). HTTP/2 makes this a connection error of type
 * COMPRESSION_ERROR: the decoder state can no longer be trusted, so the connection must end.
 */
export class HpackError extends Error {
  override name = "HpackError";
  /**
   * The block was well-formed but decoded to more than the decoder accepts (a resource limit,
   * ENHANCE_YOUR_CALM rather than COMPRESSION_ERROR).
   */
  readonly isLimitExceeded: boolean;
  constructor(message: string, options: { isLimitExceeded?: boolean } = {}) {
    super(message);
    this.isLimitExceeded = options.isLimitExceeded ?? false;
  }
}

/** Where to listen: `host` undefined means every interface. */
export interface ListenAddress {
  /** Host name, IPv4 address or IPv6 address (without brackets). */
  host: string | undefined;
  /** 0–65535; 0 lets the system pick a free port. */
  port: number;
}

/**
 * Parses a Go-style listen address as `--metrics-address` takes it: `:8989` (every interface),
 * `127.0.0.1:8989`, `localhost:0`, `[::1]:8989`. Returns `undefined` for anything else.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.%\w-]+)\]|([\w.-]*)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  const host = match[1] ?? match[2];
  return { host: host === "" ? undefined : host, port };
}

/** `host:port` with IPv6 hosts in brackets, as logs and URLs write it. */
export function toHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

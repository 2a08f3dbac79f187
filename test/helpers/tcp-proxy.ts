import { connect, createServer, type Server, type Socket } from "node:net";

/** What the proxy does with connections. */
export type ProxyState =
  /** Forwards every connection to the target. */
  | "up"
  /** Not listening: connections are refused (ECONNREFUSED), as when a server is down. */
  | "refuse"
  /** Accepts connections and resets them at once, as a crashing server or a broken LB does. */
  | "reset";

/** A TCP forwarder on 127.0.0.1 whose port stays the same while it goes down and up again. */
export interface TcpProxy extends AsyncDisposable {
  readonly port: number;
  /** Switches the state; open connections are dropped on any change away from `up`. */
  setState(state: ProxyState): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `127.0.0.1:<targetPort()>`, asked for each connection, so the proxy can start
 * before its target (TLS passes through untouched: a client verifying the target's certificate for
 * 127.0.0.1 still does).
 */
export async function startTcpProxy(targetPort: () => number): Promise<TcpProxy> {
  let state: ProxyState = "up";
  const open = new Set<Socket>();
  const onConnection = (client: Socket) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => {});
    if (state === "reset") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort(), "127.0.0.1");
    open.add(upstream);
    upstream.on("close", () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(onConnection);
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  let server: Server | undefined = await listen(0);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no proxy port");
  const port = address.port;

  const stopListening = async () => {
    const current = server;
    server = undefined;
    for (const socket of open) socket.destroy();
    open.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  const close = () => stopListening();
  return {
    port,
    async setState(next) {
      if (next !== "up") for (const socket of open) socket.destroy();
      if (next === "refuse") await stopListening();
      else server ??= await listen(port);
      state = next;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

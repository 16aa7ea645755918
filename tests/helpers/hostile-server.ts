import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";

/** One request a hostile server received. */
export interface Received {
  /** When it arrived, epoch ms (wall clock). */
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A server on 127.0.0.1 that answers as a test tells it to, and records what it received. */
export interface HostileServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  received: Received[];
  /** Bytes written to sockets (headers and bodies), for tests of what the client read. */
  bytesSent(): number;
  /** Closes the server and every socket. */
  stop(): Promise<void>;
}

/**
 * An HTTP server whose handler gets the request number (0-based). Socket errors (a client that hangs
 * up mid-body) are ignored.
 */
export function startHostile(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<HostileServer> {
  const received: Received[] = [];
  const sockets = new Set<net.Socket>();
  let sent = 0;
  const server = http.createServer((req, res) => {
    const n = received.length;
    received.push({ at: Date.now(), method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    req.resume();
    handler(req, res, n);
  });
  server.on("connection", (socket) => track(socket, sockets, (b) => (sent += b)));
  return listen(server, received, sockets, () => sent);
}

/**
 * A TCP server that writes raw bytes: for answers `node:http` would refuse to send (a 101 to a
 * plain GET, a malformed status line, a body shorter than its Content-Length). The handler runs
 * once the request's head has arrived.
 */
export function startRaw(
  handler: (socket: net.Socket, n: number, head: string) => void,
): Promise<HostileServer> {
  const received: Received[] = [];
  const sockets = new Set<net.Socket>();
  let sent = 0;
  const server = net.createServer((socket) => {
    track(socket, sockets, (b) => (sent += b));
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      const [method = "", path = ""] = head.split(" ");
      const n = received.length;
      received.push({ at: Date.now(), method, path, headers: {} });
      handler(socket, n, head);
    };
    socket.on("data", onData);
  });
  return listen(server, received, sockets, () => sent);
}

function track(socket: net.Socket, sockets: Set<net.Socket>, count: (bytes: number) => void): void {
  sockets.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    count(typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length);
    return write(chunk, ...rest);
  }) as typeof socket.write;
}

async function listen(
  server: net.Server,
  received: Received[],
  sockets: Set<net.Socket>,
  bytesSent: () => number,
): Promise<HostileServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    bytesSent,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Requests per wall-clock second since the first, bucketed. */
export function perSecond(received: Received[]): number[] {
  const first = received[0]?.at;
  if (first === undefined) return [];
  const buckets: number[] = [];
  for (const r of received) {
    const i = Math.floor((r.at - first) / 1000);
    buckets[i] = (buckets[i] ?? 0) + 1;
  }
  return Array.from(buckets, (b) => b ?? 0);
}

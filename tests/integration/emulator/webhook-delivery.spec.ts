import * as assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import type { RunningEmulator, WebhookAttempt } from "../../../emulator";
import { resolveOptions } from "../../../emulator/options";
import { pythonJsonDumps } from "../../../emulator/webhooks";
import { type AnyJson, call, createCollection, startTestEmulator, tempDir, waitFor } from "./helpers";

// Each delivery attempt has a total time limit (status, headers and body), so a receiver that
// answers 200 and then drips its body, or drips its status line, cannot keep a run `pending`.

const SECRET = "whsec-delivery-2c6e";
const LIMIT_MS = 400;

type Mode = "drip-body" | "drip-headers" | "slow-complete" | "ok";

interface HostileReceiver {
  url: string;
  /** Request arrival times (ms since epoch). */
  arrivals: number[];
  mode: Mode;
  close(): Promise<void>;
}

/**
 * A receiver on 127.0.0.1 whose behaviour is `mode`, changeable between requests. It speaks raw
 * TCP, so it can also send a status line one byte at a time.
 */
async function startHostileReceiver(mode: Mode): Promise<HostileReceiver> {
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  const receiver: HostileReceiver = { url: "", arrivals: [], mode, close: async () => undefined };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    let buffered = "";
    let answered = false;
    const drip = (bytes: string, everyMs: number): void => {
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(bytes[i % bytes.length] as string);
        i++;
      }, everyMs);
      timers.add(timer);
      socket.on("close", () => {
        clearInterval(timer);
        timers.delete(timer);
      });
    };
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      const end = buffered.indexOf("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? 0);
      if (answered || end < 0 || buffered.length < end + 4 + length) return;
      answered = true;
      receiver.arrivals.push(Date.now());
      switch (receiver.mode) {
        case "ok":
          socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
          break;
        case "slow-complete": {
          // Headers now, the body in three pieces, all well inside the limit.
          socket.write("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\n");
          let sent = 0;
          const timer = setInterval(() => {
            socket.write("x");
            if (++sent === 3) {
              clearInterval(timer);
              socket.end();
            }
          }, LIMIT_MS / 8);
          timers.add(timer);
          break;
        }
        case "drip-body":
          // A 200 at once, then a chunked body of one byte every LIMIT/4 ms, never ending: no
          // gap is long enough for an idle timeout.
          socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
          drip("1\r\n.\r\n", LIMIT_MS / 40);
          break;
        case "drip-headers":
          drip("HTTP/1.1 200 OK\r\nx-slow: ", LIMIT_MS / 8);
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return receiver;
}

async function webhookLog(emulator: RunningEmulator): Promise<WebhookAttempt[]> {
  return (await (await fetch(`${emulator.url}/__emulator/webhooks`)).json()) as WebhookAttempt[];
}

async function runWithCallback(
  emulator: RunningEmulator,
  url: string,
): Promise<{ cid: string; rid: string }> {
  const c = await createCollection(emulator, {
    name: "hostile-receiver",
    requests: [{ url: "https://example.com/1" }],
    callback_url: url,
  });
  const run = (await call(emulator, "POST", `/v1/async/collections/${c.id}/run`)).body as AnyJson;
  return { cid: c.id as string, rid: run.run_id as string };
}

async function callbackStatus(emulator: RunningEmulator, cid: string, rid: string): Promise<string> {
  return (await call(emulator, "GET", `/v1/async/collections/${cid}/runs/${rid}`)).body.callback_status;
}

describe("emulator: each webhook delivery attempt has a total time limit", () => {
  let emulator: RunningEmulator;
  let receiver: HostileReceiver | undefined;
  before(async () => {
    emulator = await startTestEmulator({
      jobDurationMs: 1000,
      webhookSecret: SECRET,
      webhookAttemptTimeoutMs: LIMIT_MS,
    });
  });
  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });
  after(() => emulator.stop());

  it("a receiver answering 200 and then dripping its body fails each attempt at the limit; the run ends failed, not pending", async () => {
    receiver = await startHostileReceiver("drip-body");
    const { cid, rid } = await runWithCallback(emulator, receiver.url);
    emulator.advanceClock(1000);
    await waitFor(() => (receiver?.arrivals.length ? true : undefined));
    assert.equal(await callbackStatus(emulator, cid, rid), "pending", "pending while the first attempt runs");
    await waitFor(
      async () => ((await callbackStatus(emulator, cid, rid)) === "failed" ? true : undefined),
      10_000,
    );
    const log = await webhookLog(emulator);
    assert.deepEqual(
      log.map((a) => [a.run_id, a.attempt, a.status]),
      [
        [rid, 1, 200],
        [rid, 2, 200],
        [rid, 3, 200],
      ],
    );
    for (const a of log)
      assert.match(String(a.error), new RegExp(`status 200\\) did not end within ${LIMIT_MS} ms`));
    const [a1, a2, a3] = receiver.arrivals;
    assert.ok(a1 !== undefined && a2 !== undefined && a3 !== undefined);
    // Each attempt ran for the limit, then the 200 ms and 400 ms waits.
    assert.ok(a2 - a1 >= LIMIT_MS + 180 && a2 - a1 < LIMIT_MS + 1500, `gap ${a2 - a1}`);
    assert.ok(a3 - a2 >= LIMIT_MS + 380 && a3 - a2 < LIMIT_MS + 1700, `gap ${a3 - a2}`);
    await new Promise((r) => setTimeout(r, LIMIT_MS + 500));
    assert.equal(receiver.arrivals.length, 3, "no fourth attempt");
  });

  it("a receiver dripping its status line fails each attempt at the limit with no status", async () => {
    receiver = await startHostileReceiver("drip-headers");
    const { cid, rid } = await runWithCallback(emulator, receiver.url);
    emulator.advanceClock(1000);
    await waitFor(
      async () => ((await callbackStatus(emulator, cid, rid)) === "failed" ? true : undefined),
      10_000,
    );
    const log = await webhookLog(emulator);
    assert.deepEqual(
      log.map((a) => [a.attempt, a.status, a.error]),
      [1, 2, 3].map((n) => [n, null, `no response within ${LIMIT_MS} ms`]),
    );
  });

  it("a receiver that is slow but finishes inside the limit gets the delivery marked sent after one attempt", async () => {
    receiver = await startHostileReceiver("slow-complete");
    const { cid, rid } = await runWithCallback(emulator, receiver.url);
    emulator.advanceClock(1000);
    await waitFor(
      async () => ((await callbackStatus(emulator, cid, rid)) === "sent" ? true : undefined),
      10_000,
    );
    assert.deepEqual(
      (await webhookLog(emulator)).map((a) => [a.attempt, a.status, a.error]),
      [[1, 200, null]],
    );
    assert.equal(receiver.arrivals.length, 1);
  });

  it("a receiver that recovers between attempts: a timed-out attempt, then sent", async () => {
    receiver = await startHostileReceiver("drip-body");
    const r = receiver;
    const { cid, rid } = await runWithCallback(emulator, r.url);
    emulator.advanceClock(1000);
    await waitFor(() => (r.arrivals.length === 1 ? true : undefined));
    r.mode = "ok";
    await waitFor(
      async () => ((await callbackStatus(emulator, cid, rid)) === "sent" ? true : undefined),
      10_000,
    );
    assert.deepEqual(
      (await webhookLog(emulator)).map((a) => [a.attempt, a.status, a.error === null]),
      [
        [1, 200, false],
        [2, 200, true],
      ],
    );
  });
});

describe("emulator: a delivery cut short by a stop stays pending and is retried after a restart", () => {
  it("stop() does not wait for a dripping receiver; the restarted emulator delivers", async () => {
    const { dir, cleanup } = tempDir();
    const receiver = await startHostileReceiver("drip-body");
    const dataPath = `${dir}/emulator.jsonl`;
    let emulator: RunningEmulator | undefined;
    try {
      emulator = await startTestEmulator({ dataPath, jobDurationMs: 1000, webhookSecret: SECRET });
      const { cid, rid } = await runWithCallback(emulator, receiver.url);
      emulator.advanceClock(1000);
      await waitFor(() => (receiver.arrivals.length === 1 ? true : undefined));
      const stopping = Date.now();
      await emulator.stop();
      assert.ok(Date.now() - stopping < 2000, `stop took ${Date.now() - stopping} ms`);
      receiver.mode = "ok";
      emulator = await startTestEmulator({ dataPath, jobDurationMs: 1000, webhookSecret: SECRET });
      const e = emulator;
      assert.equal(await callbackStatus(e, cid, rid), "pending");
      // Deliveries due are picked up when the clock moves (or by the timer on the real clock).
      e.advanceClock(1);
      await waitFor(async () => ((await callbackStatus(e, cid, rid)) === "sent" ? true : undefined), 10_000);
      assert.equal(receiver.arrivals.length, 2);
    } finally {
      await emulator?.stop();
      await receiver.close();
      cleanup();
    }
  });
});

describe("emulator: webhook attempt limit option and body format", () => {
  it("defaults to 5000 ms and refuses a limit that is not a positive number", () => {
    assert.equal(resolveOptions({}).webhookAttemptTimeoutMs, 5000);
    assert.equal(resolveOptions({ webhookAttemptTimeoutMs: 250 }).webhookAttemptTimeoutMs, 250);
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      assert.throws(() => resolveOptions({ webhookAttemptTimeoutMs: bad }), /webhookAttemptTimeoutMs/);
    }
  });

  it("pythonJsonDumps writes what Python's json.dumps writes with its defaults", () => {
    // Expected strings printed by CPython 3: json.dumps(<the same value>).
    assert.equal(
      pythonJsonDumps({
        a: "é",
        b: [1, 2],
        c: null,
        d: { x: true, y: {}, z: [] },
        e: '😀\n"\\/\u2028\u007f',
        n: -1.5,
      }),
      '{"a": "\\u00e9", "b": [1, 2], "c": null, "d": {"x": true, "y": {}, "z": []}, "e": "\\ud83d\\ude00\\n\\"\\\\/\\u2028\\u007f", "n": -1.5}',
    );
    assert.equal(pythonJsonDumps([]), "[]");
    assert.equal(pythonJsonDumps({}), "{}");
    const value = { event: "run.completed", ids: ["a", "b"], n: 0 };
    assert.deepEqual(JSON.parse(pythonJsonDumps(value)), value);
    assert.notEqual(pythonJsonDumps(value), JSON.stringify(value));
  });
});

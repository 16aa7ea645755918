import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Pool } from "undici";
import { startEmulator } from "../emulator";

/** Options for {@link benchEmulatorCreates}. */
export interface EmulatorCreatesBenchOptions {
  /** Collections to create. @default 5000 */
  total?: number;
  /** Requests in flight at once (also the pool's connection count). @default 16 */
  concurrency?: number;
  /** Requests per created collection. @default 3 */
  requestsPerCollection?: number;
  /** Untimed creates sent first, so the JIT has warmed up before timing starts. @default 500 */
  warmup?: number;
}

/** What {@link benchEmulatorCreates} measured. */
export interface EmulatorCreatesBenchResult {
  createsPerSecond: number;
  total: number;
  concurrency: number;
  durationMs: number;
  /** Size of the journal after the run, in bytes. */
  journalBytes: number;
}

/**
 * Measures `POST /v1/async/collections` throughput against an in-process emulator with persistence on
 * (a journal in a temporary directory), over a keep-alive undici Pool on loopback. Every create carries
 * an `Idempotency-Key`, so the idempotency record is journaled too.
 */
export async function benchEmulatorCreates(
  options: EmulatorCreatesBenchOptions = {},
): Promise<EmulatorCreatesBenchResult> {
  const total = options.total ?? 5000;
  const concurrency = options.concurrency ?? 16;
  const perCollection = options.requestsPerCollection ?? 3;
  const warmup = options.warmup ?? 500;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-emulator-bench-"));
  const dataPath = path.join(dir, "journal.jsonl");
  const emulator = await startEmulator({ dataPath, quiet: true });
  const pool = new Pool(emulator.url, { connections: concurrency, pipelining: 1 });
  try {
    let next = 0;
    let end = 0;
    const worker = async (): Promise<void> => {
      while (next < end) {
        const i = next++;
        const body = JSON.stringify({
          name: `bench-${i}`,
          requests: Array.from({ length: perCollection }, (_, j) => ({
            url: `https://example.com/items/${i}/${j}`,
            custom_id: `item-${i}-${j}`,
            browser: false,
          })),
        });
        const res = await pool.request({
          method: "POST",
          path: "/v1/async/collections",
          headers: {
            authorization: `Bearer ${emulator.apiKey}`,
            "content-type": "application/json",
            "idempotency-key": `bench-${i}`,
          },
          body,
        });
        await res.body.dump();
        if (res.statusCode !== 201) throw new Error(`create ${i} answered ${res.statusCode}`);
      }
    };
    end = warmup;
    await Promise.all(Array.from({ length: concurrency }, worker));
    end = warmup + total;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const durationMs = performance.now() - started;
    return {
      createsPerSecond: Math.round((total / durationMs) * 1000),
      total,
      concurrency,
      durationMs: Math.round(durationMs),
      journalBytes: fs.statSync(dataPath).size,
    };
  } finally {
    await pool.close();
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchEmulatorCreates().then(
    (result) => {
      process.stdout.write(
        `emulator creates: ${result.createsPerSecond}/s (${result.total} creates, concurrency ${result.concurrency}, ${result.durationMs} ms, journal ${result.journalBytes} bytes)\n`,
      );
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}

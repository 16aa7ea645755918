/**
 * Calls below one per resource. With the real CLI and N auto-named collections (1,000 by
 * default): the calls of the first `pulumi up` (target: at most N + 5, N of them POSTs), of a
 * `pulumi refresh` (target: at most 5), and the refresh again against the emulator limited to R
 * requests/s (5 by default; target: at most 1.2× the unlimited refresh's time). The emulator keeps
 * its collections in a data file, and the limited one is the same data served again on the same port.
 *
 * Run alone: `node -r ts-node/register/transpile-only bench/list-calls.ts [--count N] [--rate R]`
 * (after `npm run build`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { RunningEmulator } from "../emulator";
import { pulumiBinDir } from "../tests/helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../tests/helpers/emulator";
import { type ProgramSpec, TestStack } from "../tests/helpers/pulumi";

/** The call and time targets of this bench. */
export const LIST_CALL_TARGETS = {
  /** Calls of the first `up` beyond one POST per collection. */
  firstUpExtraCalls: 5,
  /** Calls of a refresh, whatever the number of collections. */
  refreshCalls: 5,
  /** The refresh against the rate-limited API ÷ the same refresh without a limit. */
  limitedRefreshOverUnlimited: 1.2,
};

/** One timed CLI run and the API calls it made. */
export interface CallsMeasure {
  /** Wall time, ms. */
  ms: number;
  /** API calls by kind: `POST`, `PUT`, `list` (unfiltered), `lookup` (`?name=`), `get` (by id). */
  calls: Record<string, number>;
  /** Calls the emulator refused with 429 (its rate limit). */
  refused: number;
}

/** What {@link benchListCalls} measured. */
export interface ListCallsResult {
  count: number;
  rate: number;
  firstUp: CallsMeasure;
  refresh: CallsMeasure;
  limitedRefresh: CallsMeasure;
  /** Collections the emulator holds at the end (must equal the count). */
  stored: number;
}

function program(count: number): ProgramSpec {
  const spec: ProgramSpec = {};
  for (let i = 0; i < count; i++) spec[`c${i}`] = { requests: [{ url: `https://example.com/auto/${i}` }] };
  return spec;
}

function kindOf(e: { method: string; path: string; query: Record<string, string> }): string {
  if (e.method !== "GET") return e.method;
  if (e.path !== "/v1/async/collections") return "get";
  return e.query.name === undefined ? "list" : "lookup";
}

async function measure(stack: TestStack, emu: RunningEmulator, args: string[]): Promise<CallsMeasure> {
  const mark = emu.requests().at(-1)?.seq ?? 0;
  const started = performance.now();
  await stack.ok(args);
  const ms = Math.round(performance.now() - started);
  const log = emu.requests().filter((e) => e.seq > mark && e.path.startsWith("/v1/"));
  const calls: Record<string, number> = {};
  for (const e of log) calls[kindOf(e)] = (calls[kindOf(e)] ?? 0) + 1;
  return { ms, calls, refused: log.filter((e) => e.rateLimited).length };
}

/** Measures the calls of a first `up` and a refresh of `count` auto-named collections. */
export async function benchListCalls(count = 1000, rate = 5): Promise<ListCallsResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-bench-list-"));
  const dataPath = path.join(dir, "emulator.jsonl");
  let emu = await startTestEmulator({ dataPath });
  const stack = new TestStack(pulumiBinDir(), "calls");
  try {
    await stack.init(emu.url, TEST_KEY);
    stack.setProgram(program(count));
    const firstUp = await measure(stack, emu, ["up", "--yes", "--skip-preview"]);
    const refresh = await measure(stack, emu, ["refresh", "--yes", "--skip-preview"]);
    // The same account and port, now limited to `rate` requests a second.
    const port = Number(new URL(emu.url).port);
    await emu.stop();
    emu = await startTestEmulator({ dataPath, port, rateLimit: { requests: rate, seconds: 1 } });
    const limitedRefresh = await measure(stack, emu, ["refresh", "--yes", "--skip-preview"]);
    return { count, rate, firstUp, refresh, limitedRefresh, stored: emu.collections().length };
  } finally {
    stack.dispose();
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const total = (m: CallsMeasure) => Object.values(m.calls).reduce((a, b) => a + b, 0);
const kinds = (m: CallsMeasure) =>
  Object.entries(m.calls)
    .map(([k, n]) => `${n} ${k}`)
    .join(" + ");

/** The result as report lines with the targets. */
export function listCallsLines(r: ListCallsResult): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const extra = total(r.firstUp) - r.count;
  return [
    `first up ${r.count} auto-named     ${total(r.firstUp)} calls (${kinds(r.firstUp)}) = N + ${extra} ` +
      `(target N + ${LIST_CALL_TARGETS.firstUpExtraCalls}), ${s(r.firstUp.ms)}`,
    `refresh ${r.count}                ${total(r.refresh)} calls (${kinds(r.refresh)}) ` +
      `(target ${LIST_CALL_TARGETS.refreshCalls}), ${s(r.refresh.ms)}`,
    `refresh ${r.count} @ ${r.rate} req/s       ${total(r.limitedRefresh)} calls (${kinds(r.limitedRefresh)}, ` +
      `${r.limitedRefresh.refused} refused), ${s(r.limitedRefresh.ms)} = ` +
      `${(r.limitedRefresh.ms / r.refresh.ms).toFixed(2)}x the unlimited refresh ` +
      `(target ${LIST_CALL_TARGETS.limitedRefreshOverUnlimited}x)`,
    ...(r.stored === r.count ? [] : [`  WRONG: ${r.stored} collections stored`]),
  ];
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { count: { type: "string", default: "1000" }, rate: { type: "string", default: "5" } },
    strict: true,
  });
  benchListCalls(Number(values.count), Number(values.rate)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n${listCallsLines(r).join("\n")}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}

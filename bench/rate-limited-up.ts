/**
 * `pulumi up` of N collections (500 by default) with the real CLI against the emulator limited to
 * R requests/s per key (25 by default): the wall time against the floor the limit sets (accepted
 * API calls ÷ rate), and the errors (there must be none). The same up without a limit shows what
 * the engine alone takes for N creates, and the limited up again with `PULUMI_SKIP_CHECKPOINTS`
 * shows it without the engine's per-step state saves (each rewrites the whole state file).
 *
 * Run alone: `node -r ts-node/register/transpile-only bench/rate-limited-up.ts [--count N] [--rate R]`
 * (after `npm run build`).
 */
import { parseArgs } from "node:util";
import { pulumiBinDir } from "../tests/helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../tests/helpers/emulator";
import { type ProgramSpec, TestStack } from "../tests/helpers/pulumi";

/** Options for {@link benchRateLimitedUp}. */
export interface RateLimitedUpOptions {
  /** Collections in the stack. @default 500 */
  count?: number;
  /** The emulator's limit, requests per second per key. @default 25 */
  rate?: number;
}

/** One timed `pulumi up` of a fresh stack. */
export interface UpMeasure {
  /** Wall time of `pulumi up`, ms. */
  upMs: number;
  /** From the first API call's arrival to the last's, ms. */
  apiMs: number;
  /** API calls the emulator accepted (not refused by the limit). */
  acceptedCalls: number;
  /** Calls refused with 429 by the limit. */
  refusedCalls: number;
  /** Collections the emulator holds afterwards (must equal the count). */
  collections: number;
  /** Error diagnostics in the CLI output, plus 1 for a non-zero exit (must be 0). */
  errors: number;
}

/** What {@link benchRateLimitedUp} measured. */
export interface RateLimitedUpResult {
  count: number;
  rate: number;
  /** Accepted calls ÷ rate, ms: no client gets the work through the limit faster on average. */
  floorMs: number;
  /** Against the limit, as a user runs `pulumi up`. */
  limited: UpMeasure;
  /** The same up without a limit: what the engine alone takes. */
  unlimited: UpMeasure;
  /** Against the limit with `PULUMI_SKIP_CHECKPOINTS=true` (the engine then saves the state once, at the end). */
  limitedSkipCheckpoints: UpMeasure;
}

function program(count: number): ProgramSpec {
  const spec: ProgramSpec = {};
  for (let i = 0; i < count; i++) {
    spec[`c${i}`] = {
      name: `bench-${i}`,
      requests: [{ url: `https://example.com/bench/${i}`, custom_id: `${i}` }],
    };
  }
  return spec;
}

/** One timed `pulumi up` of `count` collections in a fresh stack and emulator. */
export async function measureUp(
  count: number,
  rate: number | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<UpMeasure> {
  const emu = await startTestEmulator(
    rate === undefined ? {} : { rateLimit: { requests: rate, seconds: 1 } },
  );
  const stack = new TestStack(pulumiBinDir(), "bench");
  try {
    await stack.init(emu.url, TEST_KEY);
    stack.setProgram(program(count));
    const started = performance.now();
    const r = await stack.run(["up", "--yes", "--skip-preview"], env);
    const upMs = performance.now() - started;
    const log = emu.requests().filter((e) => e.path.startsWith("/v1/"));
    const times = log.map((e) => Date.parse(e.at));
    const acceptedCalls = log.filter((e) => !e.rateLimited).length;
    return {
      upMs: Math.round(upMs),
      apiMs: times.length === 0 ? 0 : Math.max(...times) - Math.min(...times),
      acceptedCalls,
      refusedCalls: log.length - acceptedCalls,
      collections: emu.collections().length,
      errors: (`${r.stdout}\n${r.stderr}`.match(/^\s*error:/gm) ?? []).length + (r.code === 0 ? 0 : 1),
    };
  } finally {
    stack.dispose();
    await emu.stop();
  }
}

/** Measures `pulumi up` of `count` collections against the emulator limited to `rate` requests/s. */
export async function benchRateLimitedUp(options: RateLimitedUpOptions = {}): Promise<RateLimitedUpResult> {
  const count = options.count ?? 500;
  const rate = options.rate ?? 25;
  const limited = await measureUp(count, rate);
  const unlimited = await measureUp(count, undefined);
  const limitedSkipCheckpoints = await measureUp(count, rate, { PULUMI_SKIP_CHECKPOINTS: "true" });
  return {
    count,
    rate,
    floorMs: Math.round((limited.acceptedCalls / rate) * 1000),
    limited,
    unlimited,
    limitedSkipCheckpoints,
  };
}

/** Reads `--count`/`--rate` from `argv` (the flags `npm run bench -- ...` passes on). */
export function rateLimitedUpArgs(argv: readonly string[]): RateLimitedUpOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      count: { type: "string" },
      rate: { type: "string" },
    },
    strict: false,
  });
  const options: RateLimitedUpOptions = {};
  const positive = (flag: string, v: unknown): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer`);
    return n;
  };
  if (values.count !== undefined) options.count = positive("count", values.count);
  if (values.rate !== undefined) options.rate = positive("rate", values.rate);
  return options;
}

if (require.main === module) {
  benchRateLimitedUp(rateLimitedUpArgs(process.argv.slice(2))).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
import { parseArgs } from "node:util";
import type { EmulatorOptions } from "./options";
import { parseRateLimit } from "./rate-limit";
import { startEmulator } from "./server";

const USAGE = `Usage: scrapingpros-emulator [options]

  --port <n>             TCP port (default 0: any free port)
  --host <addr>          interface to listen on (default 127.0.0.1)
  --data <file>          journal file; state survives restarts (default: in memory)
  --api-key <key>        accepted API key (default: $SCRAPINGPROS_EMULATOR_API_KEY, else "test-key")
  --webhook-secret <s>   HMAC key for webhook signatures (default: the API key)
  --job-duration-ms <n>  emulator ms per job of a run (default 1000)
  --rate-limit <r>/<s>   per API key, at most <r> requests per <s> seconds (a token bucket of <r>);
                         beyond it, 429 with Retry-After (default: no limit)
  --fsync                fdatasync every journal append
  --quiet                don't log requests to stderr
  --allow-external-webhooks  deliver webhooks to hosts other than loopback
  --help                 show this text

Prints "listening on <url>" on stdout once ready; stops cleanly on SIGINT/SIGTERM.`;

/**
 * Parses command-line arguments into emulator options.
 * @throws on unknown flags or malformed numbers.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): EmulatorOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      data: { type: "string" },
      "api-key": { type: "string" },
      "webhook-secret": { type: "string" },
      "job-duration-ms": { type: "string" },
      "rate-limit": { type: "string" },
      fsync: { type: "boolean" },
      "allow-external-webhooks": { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) return "help";
  const options: EmulatorOptions = {};
  if (values.port !== undefined) options.port = integer("--port", values.port);
  if (values.host !== undefined) options.host = values.host;
  if (values.data !== undefined) options.dataPath = values.data;
  const apiKey = values["api-key"] ?? env["SCRAPINGPROS_EMULATOR_API_KEY"];
  if (apiKey !== undefined && apiKey !== "") options.apiKey = apiKey;
  if (values["webhook-secret"] !== undefined) options.webhookSecret = values["webhook-secret"];
  if (values["job-duration-ms"] !== undefined) {
    options.jobDurationMs = integer("--job-duration-ms", values["job-duration-ms"]);
  }
  if (values["rate-limit"] !== undefined) options.rateLimit = parseRateLimit(values["rate-limit"]);
  if (values.fsync === true) options.fsync = true;
  if (values["allow-external-webhooks"] === true) options.allowExternalWebhooks = true;
  if (values.quiet === true) options.quiet = true;
  return options;
}

function integer(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new Error(`${flag} must be a non-negative integer`);
  return n;
}

async function main(): Promise<void> {
  let options: EmulatorOptions | "help";
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const emulator = await startEmulator(options);
  process.stdout.write(`listening on ${emulator.url}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

import { type RunningEmulator, startEmulator } from "../../emulator";
import { ScrapingProsClient } from "../../provider/client/client";
import type { RetryOptions } from "../../provider/client/retry-policy";

/** The API key every test emulator accepts. Deliberately distinctive so leak checks can grep it. */
export const TEST_KEY = "sp-test-KEY-9f1c2e7a";

/** Starts an in-memory emulator on 127.0.0.1, port 0, quiet. */
export function startTestEmulator(extra: Parameters<typeof startEmulator>[0] = {}): Promise<RunningEmulator> {
  return startEmulator({ apiKey: TEST_KEY, quiet: true, jobDurationMs: 0, ...extra });
}

const open: ScrapingProsClient[] = [];

/** Closes every client {@link testClient} made (their keep-alive sockets would hold the server open). */
export async function closeTestClients(): Promise<void> {
  await Promise.all(open.splice(0).map((c) => c.close()));
}

/** A client for `emu` with fast retries and a record of the retries it made. */
export function testClient(
  emu: RunningEmulator,
  extra: Partial<RetryOptions> & { apiKey?: string } = {},
): { client: ScrapingProsClient; retries: string[] } {
  const retries: string[] = [];
  const client = new ScrapingProsClient({
    apiKey: TEST_KEY,
    baseUrl: emu.url,
    initialDelayMs: 5,
    maxDelayMs: 20,
    maxRetryAfterMs: 1500,
    timeoutMs: 2000,
    ...extra,
    onRetry: (e) => retries.push(`${e.method} ${e.path} ${e.reason}`),
  });
  open.push(client);
  return { client, retries };
}

/** The API calls the emulator logged for `method path`. */
export function calls(
  emu: RunningEmulator,
  method?: string,
  pathPrefix = "/v1/",
): ReturnType<RunningEmulator["requests"]> {
  return emu.requests().filter((r) => (!method || r.method === method) && r.path.startsWith(pathPrefix));
}

/** The methods of the API calls the emulator logged after the first `mark` entries. */
export function methodsSince(emu: RunningEmulator, mark: number): string[] {
  return emu
    .requests()
    .slice(mark)
    .map((r) => r.method);
}

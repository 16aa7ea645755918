import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../../emulator";

/** Starts a quiet emulator on 127.0.0.1, port 0. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ quiet: true, ...options });
}

/** Response JSON as tests use it: indexed freely, asserted on with deepEqual. */
// biome-ignore lint/suspicious/noExplicitAny: tests index into arbitrary JSON
export type AnyJson = any;

/** A parsed HTTP response. */
export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  body: AnyJson;
}

/** Options for {@link call}. */
export interface CallOptions {
  /** JSON-serialized unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** API key to send; `null` sends no Authorization header. @default the emulator's key */
  key?: string | null;
}

/** Sends one request to the emulator and reads the whole response. */
export async function call(
  emulator: RunningEmulator,
  method: string,
  urlPath: string,
  options: CallOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? emulator.apiKey : options.key;
  if (key !== null) headers["authorization"] = `Bearer ${key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${emulator.url}${urlPath}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Creates a collection and returns the response body (asserting 201). */
export async function createCollection(
  emulator: RunningEmulator,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<AnyJson> {
  const res = await call(emulator, "POST", "/v1/async/collections", { body, headers });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
  return res.body;
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-emulator-test-"));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

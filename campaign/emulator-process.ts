/**
 * The emulator as its own process, with a journal file, so that the campaign can SIGKILL it in the
 * middle of a deployment and start it again on the same port with the state it had acknowledged.
 * Its control API (`/__emulator/*`) is reached over HTTP, as a test outside the process would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

const CLI = path.resolve(__dirname, "..", "dist", "emulator", "cli.js");

/** A collection as `GET /__emulator/collections` shows it. */
export interface StoredCollection {
  id: string;
  name: string;
  requests: Record<string, unknown>[];
  callback_url: string | null;
}

/** One request log entry (`GET /__emulator/requests`). */
export interface LoggedRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number | null;
  fault: string | null;
  replayed: boolean;
}

/** A fault as `POST /__emulator/faults` takes it. */
export interface FaultSpec {
  method?: string;
  path: string;
  times?: number;
  action: "status" | "delay" | "drop" | "drop-after-commit" | "hold";
  status?: number;
  retryAfter?: string;
  delayMs?: number;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every emulator process this process started (for a campaign that is interrupted). */
export function killEmulatorsNow(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** An emulator child process on loopback, restartable on the port it first got. */
export class EmulatorProcess {
  #child: ChildProcess | undefined;
  #port = 0;
  url = "";

  /** `extraArgs` go to the emulator's command line as given, e.g. `["--rate-limit", "4/1"]`. */
  constructor(
    readonly dataPath: string,
    readonly apiKey: string,
    readonly extraArgs: readonly string[] = [],
  ) {}

  /** Starts the process (on the port of the previous start, if any) and waits for it to listen. */
  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "--port",
        String(this.#port),
        "--data",
        this.dataPath,
        "--api-key",
        this.apiKey,
        "--job-duration-ms",
        "0",
        "--quiet",
        ...this.extraArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#child = child;
    running.add(child);
    child.once("exit", () => running.delete(child));
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    this.url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const onExit = (code: number | null): void =>
        reject(new Error(`emulator exited ${code} before listening: ${stderr}`));
      child.once("exit", onExit);
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          child.off("exit", onExit);
          resolve(m[1]);
        }
      });
    });
    this.#port = Number(new URL(this.url).port);
  }

  /** SIGKILLs the process (no flush, no answer to held requests) and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGKILL");
    await gone;
  }

  /** SIGTERM: held responses are sent, the journal is flushed. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  }

  /** The pid of the running process, if any. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #control<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__emulator/${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /__emulator/${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  collections(): Promise<StoredCollection[]> {
    return this.#control("GET", "collections");
  }
  requests(): Promise<LoggedRequest[]> {
    return this.#control("GET", "requests");
  }
  held(): Promise<{ faultId: string; seq: number }[]> {
    return this.#control("GET", "held");
  }
  async addFault(f: FaultSpec): Promise<string> {
    return (await this.#control<{ id: string }>("POST", "faults", f)).id;
  }
  async clearFaults(): Promise<void> {
    await this.#control("DELETE", "faults");
  }
  async release(): Promise<void> {
    await this.#control("POST", "release", {});
  }
}

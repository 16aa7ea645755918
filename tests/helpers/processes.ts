/**
 * Finds the processes a test run started, by a marker in their environment: every CLI the e2e tests
 * start gets `SP_E2E_RUN_ID=<this run's id>` (see `pulumiEnv`), and the engine passes its environment
 * on to the language host, the program and the provider plugins. Linux only (`/proc`).
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";

/** The marker variable and this test process's value of it. */
export const E2E_RUN_ID_VAR = "SP_E2E_RUN_ID";
export const E2E_RUN_ID = randomUUID();

/** One process, as `/proc` shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The arguments joined with spaces. */
  cmdline: string;
}

/** What a process of a deployment is, from its command line. */
export type ProcessKind =
  | "cli"
  | "language-host"
  | "yaml-launcher"
  | "yaml-host"
  | "program"
  | "dynamic-provider"
  | "native-provider"
  | "launcher"
  | "other";

/** The kind of a process started by the CLI. */
export function kindOf(p: ProcessInfo): ProcessKind {
  const c = p.cmdline;
  if (/pulumi-language-nodejs/.test(c)) return "language-host";
  // Pulumi YAML: upstream's host, and the launcher the engine starts (scripts/pulumi-yaml/language-yaml).
  if (/pulumi-language-yaml-upstream/.test(c)) return "yaml-host";
  if (/pulumi-language-yaml( |$)/.test(c)) return "yaml-launcher";
  if (/@pulumi[\\/]pulumi[\\/]cmd[\\/]run\b/.test(c)) return "program";
  if (/@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider/.test(c)) return "dynamic-provider";
  // The native plugin: its launcher script execs node on the bundle beside it.
  if (/pulumi-resource-scrapingpros\.cjs/.test(c)) return "native-provider";
  if (/pulumi-resource-/.test(c)) return "launcher";
  if (/(^|\/)pulumi( |$)/.test(c)) return "cli";
  return "other";
}

/** The parent pid of a live process; undefined when it is gone or a zombie (dead, not yet reaped). */
export function liveParent(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still running (zombies are not). */
export function isRunning(pid: number): boolean {
  return liveParent(pid) !== undefined;
}

/** Every live process other than this one whose environment has `name=value`. */
export function processesWithEnv(name: string, value: string): ProcessInfo[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: ProcessInfo[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: Buffer;
    let cmdline: string;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`);
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    // The first entry has no NUL before it.
    if (
      !(
        environ.subarray(0, needle.length).equals(needle) ||
        environ.includes(Buffer.concat([Buffer.from([0]), needle]))
      )
    ) {
      continue;
    }
    const ppid = liveParent(pid);
    if (ppid === undefined) continue;
    found.push({ pid, ppid, cmdline: cmdline.split("\0").filter(Boolean).join(" ") });
  }
  return found;
}

/** A line per process, for error messages. */
export function describeProcesses(processes: ProcessInfo[]): string {
  return processes.map((p) => `  pid ${p.pid} (parent ${p.ppid}, ${kindOf(p)}): ${p.cmdline}`).join("\n");
}

/** Waits until none of `pids` runs, up to `timeoutMs`; returns the time it took, or the ones left. */
export async function waitForExit(
  pids: number[],
  timeoutMs: number,
): Promise<{ ms: number; left: number[] }> {
  const started = Date.now();
  for (;;) {
    const left = pids.filter(isRunning);
    const ms = Date.now() - started;
    if (left.length === 0 || ms > timeoutMs) return { ms, left };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILLs each process (ignoring the ones already gone). */
export function killAll(processes: ProcessInfo[]): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * The check run after all e2e tests: waits up to `graceMs` for every process carrying this run's
 * marker to exit, then kills the remaining ones and returns them (empty when none was left).
 */
export async function leftBehind(graceMs = 10_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + graceMs;
  let remaining = processesWithEnv(E2E_RUN_ID_VAR, E2E_RUN_ID);
  while (remaining.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    remaining = processesWithEnv(E2E_RUN_ID_VAR, E2E_RUN_ID);
  }
  killAll(remaining);
  return remaining;
}

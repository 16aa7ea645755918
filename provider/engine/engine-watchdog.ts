/**
 * Ends the dynamic-provider process when the Pulumi engine that started it is gone.
 *
 * The engine starts each plugin in a process group of its own. When the CLI is killed (SIGKILL of its
 * process group, a CI runner going away), nothing signals its plugins: the dynamic-provider process,
 * whose gRPC server keeps Node's event loop alive, would run forever, re-parented to init. This
 * watchdog notices the re-parenting and exits.
 *
 * Who the parent is depends on the launcher. Pulumi's own `pulumi-resource-pulumi-nodejs` is a shell
 * script that runs `node …/cmd/dynamic-provider` as its child (no `exec`), so the parent of this
 * process is that shell, and it is the shell that gets re-parented when the engine dies. The watchdog
 * therefore records its parent and, when the parent is such a launcher, the launcher's parent too
 * (read from `/proc`), and exits when either changes. A launcher that `exec`s node (this repository's)
 * leaves the engine as the parent, which the first check covers.
 */
import * as fs from "node:fs";

/** What the watchdog remembers about the processes above it when it starts. */
export interface WatchdogBaseline {
  /** The parent pid at start: the engine, or the launcher. */
  ppid: number;
  /** When the parent is a launcher: its pid and its own parent (the engine) at start. */
  launcher?: { pid: number; ppid: number };
}

/** How the watchdog looks at processes; the defaults read `process.ppid` and `/proc`. */
export interface ProcessView {
  /** This process's parent pid now. */
  ppid(): number;
  /** The parent pid of `pid`, or undefined when it is gone or cannot be read. */
  parentOf(pid: number): number | undefined;
  /** Whether `pid` is a launcher (a shell, or a `pulumi-resource-*` script) rather than the engine. */
  isLauncher(pid: number): boolean;
}

export interface EngineWatchdogOptions {
  /** Check interval in ms (default 1000). */
  intervalMs?: number;
  /** Start even when this is not the dynamic-provider process (tests). */
  force?: boolean;
  /** The command line to recognize the dynamic-provider process by (default `process.argv`). */
  argv?: readonly string[];
  /** Process lookups (default: the real ones). */
  view?: ProcessView;
  /** Called when the engine is gone (default: `process.exit(1)`). */
  onEngineGone?: (reason: string) => void;
  /** Timer functions (default: the global ones; the timer is unref'd when it supports it). */
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

/** A running watchdog. */
export interface EngineWatchdog {
  readonly baseline: WatchdogBaseline;
  /** Runs one check now; returns the reason when the engine is gone. */
  check(): string | undefined;
  stop(): void;
}

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"]);

/** `/proc`-based process lookups; on systems without `/proc` only `ppid` answers. */
export const procView: ProcessView = {
  ppid: () => process.ppid,
  parentOf(pid) {
    try {
      // The command name (field 2) is in parentheses and may contain spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is the state, fields[1] the parent pid; a zombie's parent is not a live launcher.
      if (fields[0] === "Z" || fields[0] === "X") return undefined;
      const ppid = Number(fields[1]);
      return Number.isInteger(ppid) ? ppid : undefined;
    } catch {
      return undefined;
    }
  },
  isLauncher(pid) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (SHELLS.has(comm)) return true;
      // A script run through its #! line shows as the script: `/bin/sh …/pulumi-resource-<name>`.
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, 2);
      return args.some((a) => /(?:^|[\\/])pulumi-resource-[^\\/]+$/.test(a));
    } catch {
      return false;
    }
  },
};

/** Whether `argv` is the command line of `@pulumi/pulumi`'s dynamic-provider process. */
export function isDynamicProviderProcess(argv: readonly string[] = process.argv): boolean {
  const script = argv[1];
  return (
    script !== undefined &&
    /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider(?:[\\/]index(?:\.js)?)?$/.test(script)
  );
}

/** Records the parent (and, when the parent is a launcher, the launcher's parent) at start. */
export function takeBaseline(view: ProcessView): WatchdogBaseline {
  const ppid = view.ppid();
  if (ppid > 1 && view.isLauncher(ppid)) {
    const launcherParent = view.parentOf(ppid);
    if (launcherParent !== undefined && launcherParent > 1) {
      return { ppid, launcher: { pid: ppid, ppid: launcherParent } };
    }
  }
  return { ppid };
}

/** Why the engine is gone, or undefined while everything above this process is as it was. */
export function engineGoneReason(baseline: WatchdogBaseline, view: ProcessView): string | undefined {
  const ppid = view.ppid();
  if (ppid !== baseline.ppid) {
    return `the parent process ${baseline.ppid} is gone (the parent is now ${ppid})`;
  }
  if (baseline.launcher) {
    const now = view.parentOf(baseline.launcher.pid);
    if (now !== baseline.launcher.ppid) {
      return (
        `the engine (process ${baseline.launcher.ppid}, parent of the launcher ${baseline.launcher.pid}) ` +
        "is gone"
      );
    }
  }
  return undefined;
}

let running: EngineWatchdog | undefined;

/**
 * Starts the watchdog in the dynamic-provider process (once; later calls return the same one) and
 * returns it; anywhere else (a Pulumi program, tests) it does nothing and returns undefined unless
 * `force` is set. The timer is unref'd: it never keeps the process alive.
 */
export function startEngineWatchdog(options: EngineWatchdogOptions = {}): EngineWatchdog | undefined {
  const injected = options.view !== undefined || options.setInterval !== undefined;
  if (!options.force && !isDynamicProviderProcess(options.argv)) return undefined;
  if (running && !injected) return running;

  const view = options.view ?? procView;
  const onEngineGone =
    options.onEngineGone ??
    (() => {
      process.exit(1);
    });
  const set = options.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms));
  const clear = options.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout));
  const baseline = takeBaseline(view);
  let stopped = false;

  const watchdog: EngineWatchdog = {
    baseline,
    check() {
      if (stopped) return undefined;
      const reason = engineGoneReason(baseline, view);
      if (reason !== undefined) {
        watchdog.stop();
        onEngineGone(reason);
      }
      return reason;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clear(handle);
      if (running === watchdog) running = undefined;
    },
  };
  const handle = set(() => watchdog.check(), options.intervalMs ?? 1000);
  (handle as { unref?: () => void } | undefined)?.unref?.();
  if (!injected) running = watchdog;
  return watchdog;
}

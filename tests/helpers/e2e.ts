import type { RunningEmulator } from "../../emulator";
import { startTestEmulator, TEST_KEY } from "./emulator";
import { TestStack } from "./pulumi";

// A plain CommonJS script, also run from the command line.
const { ensurePulumi } = require("../../scripts/ensure-pulumi.js") as {
  ensurePulumi(o: { quiet: boolean }): { binDir: string; version: string };
};

const { linkSelf } = require("../../scripts/link-self.js") as { linkSelf(): void };

/** Builds or finds the Pulumi CLI once per test process (and makes sure programs can load this package). */
let binDir: string | undefined;
export function pulumiBinDir(): string {
  linkSelf();
  binDir ??= ensurePulumi({ quiet: true }).binDir;
  return binDir;
}

/** An emulator and an initialized stack configured against it. */
export async function startStack(
  stackName = "dev",
  keyFrom: "config" | "env" = "config",
  emulatorOptions: Parameters<typeof startTestEmulator>[0] = {},
): Promise<{ emu: RunningEmulator; stack: TestStack; stop(): Promise<void> }> {
  const dir = pulumiBinDir();
  const emu = await startTestEmulator(emulatorOptions);
  const stack = new TestStack(dir, stackName);
  await stack.init(emu.url, TEST_KEY, keyFrom);
  return {
    emu,
    stack,
    stop: async () => {
      stack.dispose();
      emu.release();
      await emu.stop();
    },
  };
}

/** Handles of a started emulator and stack, as {@link useStack} hands them to a suite. */
export interface StackHandles {
  emu: RunningEmulator;
  stack: TestStack;
}

/**
 * Registers mocha hooks that start an emulator and a configured stack (before the suite, or
 * before each test with `each`) and stop them afterwards; `assign` receives the handles.
 */
export function useStack(
  assign: (handles: StackHandles) => void,
  options: { each?: boolean; args?: Parameters<typeof startStack> } = {},
): void {
  let stop: (() => Promise<void>) | undefined;
  (options.each ? beforeEach : before)(async () => {
    const started = await startStack(...(options.args ?? []));
    stop = started.stop;
    assign(started);
  });
  (options.each ? afterEach : after)(async () => {
    await stop?.();
  });
}

/** The collection ids the emulator holds, by name. */
export function namesInEmulator(emu: RunningEmulator): string[] {
  return emu
    .collections()
    .map((c) => c.name)
    .sort();
}

/** Every form of `key` found in `text`: plain, base64, hex, URL- and JSON-escaped. */
export function keyForms(key: string, text: string): string[] {
  const forms = [
    key,
    Buffer.from(key).toString("base64"),
    Buffer.from(key).toString("base64url"),
    Buffer.from(key).toString("hex"),
    encodeURIComponent(key),
  ];
  return forms.filter((f) => text.includes(f));
}

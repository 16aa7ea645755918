/**
 * Where the provider's messages to the person running `pulumi` go. The core says what to tell and
 * about which resource (its URN); each adapter gives the sink that reaches the engine its own way
 * (`engine/engine-log.ts`), and tests give one that records.
 */

/** How much a message matters; `debug` is shown only with `pulumi up --debug` (or `-v`). */
export type Severity = "debug" | "info" | "warning" | "error";

/** Where provider messages go. `urn` attaches the message to that resource when known. */
export type MessageSink = (severity: Severity, message: string, urn?: string) => Promise<void>;

/** Writes to stderr: what the engine shows under the stack. `debug` messages are dropped. */
export const stderrSink: MessageSink = async (severity, message) => {
  if (severity === "debug") return;
  console.error(severity === "info" ? message : `${severity}: ${message}`);
};

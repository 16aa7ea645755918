/**
 * Cheaper stack traces while a resource registers.
 *
 * `@pulumi/pulumi` wraps every promise it makes for a resource (four per registered property, plus
 * the URN, the id and a debug log line: about 50 for a `Collection`) in `debuggablePromise`, which
 * reads `new Error().stack` at once and keeps it for its report of promises left unresolved when the
 * program exits (`PULUMI_DEBUG_PROMISE_LEAKS`). In a Pulumi program that read goes through
 * source-map-support's `Error.prepareStackTrace`, which maps every frame through the source maps:
 * about 70 µs a capture, most of what a resource costs the program (README, Scale and limits).
 *
 * While a constructor registers its resource, {@link plainStackTraces} answers those captures, and
 * only those (the frame that asks is `debuggablePromise`), with the frames themselves, formatted as
 * V8 does without source maps when the report reads them. Every other stack is formatted as before:
 * an error thrown during registration (a transformation's) keeps its mapped frames, and so does the
 * resource's source position, which `Resource.callsites()` reads.
 *
 * What it costs: a promise's stack in the SDK's leak report shows the positions of the JavaScript
 * that ran (for a TypeScript program, ts-node's output) instead of the TypeScript source.
 */

/** The frames of one capture, formatted when read (as V8 does without a `prepareStackTrace`). */
class PlainStack {
  readonly #error: Error;
  readonly #frames: NodeJS.CallSite[];
  constructor(error: Error, frames: NodeJS.CallSite[]) {
    this.#error = error;
    this.#frames = frames;
  }
  toString(): string {
    let out = String(this.#error);
    for (const frame of this.#frames) out += `\n    at ${frame}`;
    return out;
  }
}

/** The function of `@pulumi/pulumi` whose captures are answered plainly. */
const CAPTURER = "debuggablePromise";

/**
 * Makes the stack captures of `debuggablePromise` plain until the returned function restores the
 * previous `Error.prepareStackTrace`. Call the restore function in a `finally`.
 */
export function plainStackTraces(): () => void {
  const mapped = Error.prepareStackTrace;
  if (mapped === undefined) return () => {};
  Error.prepareStackTrace = (error, frames) =>
    frames[0]?.getFunctionName() === CAPTURER ? new PlainStack(error, frames) : mapped(error, frames);
  return () => {
    Error.prepareStackTrace = mapped;
  };
}

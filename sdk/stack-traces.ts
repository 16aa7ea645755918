/**
 * Cheaper stack traces while a resource registers.
 *
 * `@pulumi/pulumi` wraps every promise it makes for a resource (four per registered property, plus
 * the URN, the id and a debug log line) in `debuggablePromise`, which reads `new Error().stack` at
 * once, for its report of promises left unresolved when the program exits. In a Pulumi program that
 * read goes through source-map-support's `Error.prepareStackTrace`, which maps every frame through
 * the source maps: about 70 µs a capture, most of what a resource costs the program (README, Scale
 * and limits). While a constructor registers its resource, {@link plainStackTraces} formats those
 * captures as V8 does without source maps (about 9 µs).
 *
 * What it costs: a promise's stack in the SDK's leak report (`PULUMI_DEBUG_PROMISE_LEAKS`) shows the
 * positions of the JavaScript that ran (for a TypeScript program, ts-node's output) instead of the
 * TypeScript source. Nothing else changes: an error thrown during registration (a transformation's)
 * is formatted when it is read, after the constructor restored the mapping; and the resource's source
 * position, which `Resource.callsites()` reads with the frame limit lifted to `Infinity`, stays mapped.
 */

/** Formats a stack as V8 does without a `prepareStackTrace`. */
function plain(error: Error, frames: NodeJS.CallSite[]): string {
  let out = String(error);
  for (const frame of frames) out += `\n    at ${frame}`;
  return out;
}

/**
 * Makes stack traces read from now on plain (unmapped) until the returned function restores the
 * previous `Error.prepareStackTrace`, except those read with `Error.stackTraceLimit` at `Infinity`
 * (a resource's source position). Call the restore function in a `finally`.
 */
export function plainStackTraces(): () => void {
  const mapped = Error.prepareStackTrace;
  if (mapped === undefined) return () => {};
  Error.prepareStackTrace = (error, frames) =>
    Error.stackTraceLimit === Number.POSITIVE_INFINITY ? mapped(error, frames) : plain(error, frames);
  return () => {
    Error.prepareStackTrace = mapped;
  };
}

/**
 * Errors meant for the person running `pulumi`: a message that says what happened, to which
 * resource or setting, and what to do, and no stack of this package's internals.
 *
 * The dynamic-provider host prints every error of check, diff, read and delete to stderr as
 * `${error}: ${error.stack}`, and the engine shows those lines under the stack. A stack of this
 * package would point into `.ts` sources the package does not ship; an expected failure (a bad
 * setting, a refused key, an API that does not answer) has nothing in it a user could act on. So
 * these errors carry no frames, and print as one line: `scrapingpros: <message>`. Unexpected errors
 * (bugs) keep their stack, which resolves to the shipped JavaScript (the package ships no source maps).
 */

/** An expected failure, with the whole story in its message. */
export class UserFacingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "scrapingpros";
    // No frames: `${e}: ${e.stack}` prints `scrapingpros: <message>`.
    this.stack = message;
  }

  /** Just the prefix, so that the host's `${e}: ${e.stack}` is one readable line. */
  override toString(): string {
    return this.name;
  }
}

/** Whether `e` is a {@link UserFacingError}, also across two loaded copies of this package. */
export function isUserFacing(e: unknown): e is UserFacingError {
  return e instanceof Error && e.name === "scrapingpros";
}

/**
 * The schema type of the package's public signatures, as plain interfaces: the schemas
 * themselves are zod schemas, but the published declarations must not depend on zod's (its
 * `.d.cts` files need `esModuleInterop`, which a default `pulumi new typescript` project lacks).
 */

/** One reason a value does not have the expected shape. */
export interface SchemaIssue {
  /** Where, as keys and indices from the value's root, e.g. `["items", 0, "id"]`. */
  path: readonly PropertyKey[];
  /** What is wrong there, in words. */
  message: string;
}

/** What {@link Schema.safeParse} returns: the checked value, or every issue. */
export type SchemaResult<T> =
  | {
      /** The value has the shape. */
      success: true;
      /** The value as the checker returns it (defaults filled in, unknown keys dropped or kept as documented). */
      data: T;
    }
  | {
      /** The value does not have the shape. */
      success: false;
      /** The issues found. */
      error: {
        /** Each issue, with its path. */
        issues: readonly SchemaIssue[];
      };
    };

/**
 * Checks that a value has the shape `T` and returns it typed. Every zod schema is one; so is any
 * object with these two methods.
 */
export interface Schema<T> {
  /**
   * Returns the checked value.
   * @throws an error listing the issues when the value does not have the shape
   */
  parse(data: unknown): T;
  /** Returns the checked value or the issues, without throwing. */
  safeParse(data: unknown): SchemaResult<T>;
}

/**
 * The stack's scope: a random id made once per stack and kept in its state, which idempotency keys,
 * derived names and run fingerprints include (see `identity.ts`), so that two stacks with the same
 * project and stack names on two backends never replay or adopt each other's resources. The dynamic
 * provider keeps it as the id of a `StackScope` resource; a native provider keeps it in its own state.
 */
import { randomUUID } from "node:crypto";

/** A new stack scope: a random UUID (RFC 9562 version 4). */
export function newStackScopeId(): string {
  return randomUUID();
}

/**
 * The provider of `StackScope`, the per-stack random id that scopes idempotency keys and derived
 * names. It makes no API call: create draws a UUID, which the engine keeps in the stack's state.
 *
 * - check  → the inputs as given
 * - diff   → never a change (the id must outlive every deployment of the stack)
 * - create → a random UUID (RFC 9562 version 4) as the id
 * - read   → the stored id
 * - delete → nothing
 */
import { randomUUID } from "node:crypto";
import type { CheckResult, CreateResult, DiffResult, ReadResult } from "./results";

/** The StackScope resource provider. */
export class StackScopeProvider {
  /** Accepts the inputs as given: a StackScope has nothing to validate. */
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    return { inputs: news, failures: [] };
  }

  /** Never a change: the id must outlive every deployment of the stack. */
  async diff(): Promise<DiffResult> {
    return { changes: false };
  }

  /** Draws a random UUID (version 4) as the id; the state is empty. */
  async create(): Promise<CreateResult> {
    return { id: randomUUID(), outs: {} };
  }

  /** Returns the stored id and state unchanged (there is nothing to ask the API). */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    return { id, props };
  }

  /** Does nothing: the id exists only in the stack's state. */
  async delete(): Promise<void> {}
}

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

/** The StackScope resource provider. */
export class StackScopeProvider {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    return { inputs: news, failures: [] };
  }

  async diff() {
    return { changes: false };
  }

  async create(): Promise<{ id: string; outs: Record<string, unknown> }> {
    return { id: randomUUID(), outs: {} };
  }

  async read(id: string, props: Record<string, unknown>) {
    return { id, props };
  }

  async delete(): Promise<void> {}
}

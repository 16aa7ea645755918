/**
 * The provider of `StackScope`, the per-stack random id that scopes idempotency keys and derived
 * names. It makes no API call: create draws a UUID, which the engine keeps in the stack's state.
 *
 * - check  → the inputs as given, once the settings are valid and an API key is set: the scope is
 *            the first resource a program registers, so `pulumi preview` fails here, before
 *            anything is created, as it would on the first collection
 * - configure → the stack config, read as the other providers read it
 * - diff   → never a change (the id must outlive every deployment of the stack)
 * - create → a random UUID (RFC 9562 version 4) as the id
 * - read   → the stored id
 * - delete → nothing
 */
import type { ConfigSource } from "../core/config";
import { ConfiguredClient } from "../core/configured-client";
import type { CheckResult, CreateResult, DiffResult, ReadResult } from "../core/results";
import { newStackScopeId } from "../core/stack-scope";

/** Options of {@link StackScopeProvider}, for tests. */
export interface StackScopeProviderOptions {
  /** The environment the settings' `SCRAPINGPROS_*` variables are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The StackScope resource provider. */
export class StackScopeProvider {
  /** Settings only: the scope never calls the API, but it is where a program's first check happens. */
  readonly #api: ConfiguredClient;

  constructor(options: StackScopeProviderOptions = {}) {
    this.#api = new ConfiguredClient({ env: options.env });
  }

  /** Receives the stack config from the engine (`scrapingpros:*`). */
  async configure(req: { config: ConfigSource }): Promise<void> {
    await this.#api.configure(req.config);
  }

  /**
   * Accepts the inputs as given (a StackScope has nothing to validate).
   * @throws UserFacingError for a bad setting, or with how to set the key when none is set.
   */
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    this.#api.assertReady();
    return { inputs: news, failures: [] };
  }

  /** Never a change: the id must outlive every deployment of the stack. */
  async diff(): Promise<DiffResult> {
    return { changes: false };
  }

  /** Draws a random UUID (version 4) as the id; the state is empty. */
  async create(): Promise<CreateResult> {
    return { id: newStackScopeId(), outs: {} };
  }

  /** Returns the stored id and state unchanged (there is nothing to ask the API). */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    return { id, props };
  }

  /** Does nothing: the id exists only in the stack's state. */
  async delete(): Promise<void> {}
}

/**
 * The operations of a Collection, mapped onto the API, whichever adapter serves them:
 *
 * - check  → local validation only (0 API calls)
 * - diff   → local comparison only (0 API calls)
 * - create → POST /v1/async/collections with a URN-derived Idempotency-Key; auto-named and
 *            `adoptExisting` collections are first looked up by exact name and adopted with one
 *            PUT; the lookups of a deployment share list calls (`collection-snapshots.ts`), one
 *            alone is `GET ?name=`; `adoptId` adopts by id (GET + PUT)
 * - read   → from a list call shared by the reads of the refresh (`collection-snapshots.ts`); a
 *            collection missing from it, or a read alone, is GET /v1/async/collections/{id}; 404
 *            means gone
 * - import → GET /v1/async/collections/{id}; 404 is an error
 * - update → PUT /v1/async/collections/{id} with the full name and request list
 * - delete → no API call (the API has no delete): the collection is kept, with a warning
 *
 * Properties come and go in the stored layout (`state.ts`, `state-wire.ts`), which both adapters
 * share: the declared inputs in plain text, plus `__urn`, `__scope` and `__secretInputs`, which the
 * adapter decodes from its wire (the SDK's inputs for the dynamic provider). Results carry each secret
 * input, and each output derived from one, in Pulumi's secret envelope.
 */

import { NotFoundError } from "../../client/errors";
import type {
  BlockedUrl,
  CollectionWriteResult,
  CreateCollectionBody,
  ScrapeRequest,
} from "../../client/schemas";
import { canonicalClone, deriveIdempotencyKey } from "../identity";
import type { ProviderContext } from "../provider-context";
import { ResourceInitError } from "../resource-init-error";
import type { CheckFailure, CheckResult, CreateResult, ReadResult, UpdateResult } from "../results";
import { requestsWarnings } from "../rules/collection-rules";
import { requestNearMisses } from "../rules/near-miss";
import { NO_SECRETS, redactorFor, SecretRedactor, secretInputsOf, withSecrets } from "../secrets";
import { fromEngine, toEngine } from "../state-wire";
import { UserFacingError } from "../user-error";
import { checkCollection } from "./check";
import { type CollectionDiff, diffCollection } from "./diff";
import {
  type CallTimeouts,
  type CollectionInputs,
  type CollectionOutputs,
  inputsOf,
  readState,
  SCHEMA_VERSION,
} from "./state";

/**
 * The Collection operations of one provider instance. Each takes the resource's URN as the adapter
 * knows it (undefined when it does not: messages are then not attached to a resource) and
 * properties in the stored layout.
 */
export class CollectionOperations {
  /** Resources this instance checked with old state, by URN: a create of one is a replacement. */
  readonly #existing = new Map<string, { generation: number; name: string }>();
  readonly #ctx: ProviderContext;

  /** @param ctx The settings, client and message sink of the provider instance. */
  constructor(ctx: ProviderContext) {
    this.#ctx = ctx;
  }

  /**
   * Validates the inputs with {@link checkCollection} (no API call), derives the name of an
   * auto-named collection, and warns about near misses of request fields. `olds` is the stored
   * state, `{}` for a new resource (and when the engine checks a replacement again).
   * @throws UserFacingError when the provider has a bad setting or no API key.
   */
  async check(
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CheckResult> {
    const { inputs, failures } = await this.#check(urn, fromEngine(olds), news);
    return { inputs: toEngine(inputs), failures: redactFailures(failures, news) };
  }

  async #check(
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
    this.#ctx.api.assertReady();
    // Near misses of known request fields (`customId`): sent as written, so a warning, not a failure.
    for (const miss of requestNearMisses(news.requests)) await this.#ctx.say("warning", miss.message, urn);
    // URLs the API may refuse without saying which (ports): a warning, not a failure (url-rules.ts).
    for (const w of requestsWarnings(news.requests))
      await this.#ctx.say("warning", `${w.path}: ${w.message}`, urn);
    if (urn === undefined) return checkCollection(news, olds);
    if (Object.keys(olds).length > 0) {
      // An existing resource. Remember it: if this deployment replaces it, the engine checks the
      // replacement again without olds, and create is called for a URN that has state.
      this.#existing.set(urn, {
        generation: typeof olds.__generation === "number" ? olds.__generation : 0,
        name: typeof olds.name === "string" ? olds.name : "",
      });
      return checkCollection(news, olds);
    }
    const checked = checkCollection(news, olds, this.#existing.get(urn));
    // A new resource its create will look up by name: the lookup begins now, so that one list
    // call can answer the lookups of every collection the deployment creates (collection-snapshots.ts).
    const inputs = checked.failures.length === 0 ? toInputs(checked.inputs) : undefined;
    if (inputs && looksUpByName(inputs, this.#existing.get(urn))) {
      this.#ctx.collections().announce(inputs.name);
    }
    return checked;
  }

  /**
   * Compares the state with the new inputs with {@link diffCollection} (no API call); warns at
   * preview when the collection is replaced, since the old one stays in the account.
   */
  async diff(
    id: string,
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CollectionDiff> {
    const result = diffCollection(fromEngine(olds), fromEngine(news));
    if (result.replaces.length > 0) {
      // The engine shows `+-replace` / `- delete original`: say at preview what that delete does.
      const name = typeof olds.name === "string" && !isSecret(olds, "name") ? `, ${olds.name}` : "";
      await this.#ctx.say(
        "warning",
        `${result.replaces.join(", ")} changes, so this collection is replaced: a new one is created and the ` +
          `current one (${id}${name}) stays in your ScrapingPros account, because the API has no delete`,
        urn,
        redactorOf(olds, news),
      );
    }
    return result;
  }

  /**
   * Creates the collection (`POST /v1/async/collections` with an idempotency key derived from the
   * URN, the stack's scope and the body), or adopts an existing one (by `adoptId`, or by name with
   * `adoptExisting` or a derived name) and applies the declared requests with one PUT. `timeouts`
   * is the resource's `customTimeouts`, when the adapter knows it. Throws
   * {@link ResourceInitError} when the collection exists but the API blocked some URLs, and an API
   * error (see the client's error classes) when a call fails.
   */
  async create(
    urn: string | undefined,
    props: Record<string, unknown>,
    timeouts?: CallTimeouts,
  ): Promise<CreateResult> {
    const { id, outs } = await this.#ctx.run(
      "create",
      { urn, redactor: redactorOf(props), customTimeoutMs: timeouts?.createMs, secretState: secretOutputs },
      () => this.#create(urn, fromEngine(props), timeouts?.createMs),
    );
    return { id, outs: secretOutputs(toEngine(outs)) };
  }

  async #create(
    urn: string | undefined,
    props: Record<string, unknown>,
    operationMs: number | undefined,
  ): Promise<{ id: string; outs: CollectionOutputs }> {
    const inputs = toInputs(props);
    const client = this.#ctx.client();
    const call = callOptions(operationMs);
    const body = createBody(inputs);

    if (inputs.adoptId) {
      const existing = await client.collections.get(inputs.adoptId, call()).catch((e: unknown) => {
        if (e instanceof NotFoundError) {
          const id = secretInputsOf(inputs).has("adoptId") ? "with this id" : inputs.adoptId;
          throw new Error(`adoptId: no collection ${id} exists in this ScrapingPros account`);
        }
        throw e;
      });
      return this.#adopt(urn, existing.data.id, inputs, existing.data.created_at ?? null, "id", call);
    }

    const replaced = urn === undefined ? undefined : this.#existing.get(urn);
    if (!looksUpByName(inputs, replaced)) return this.#post(urn, inputs, body, call);
    // The lookup and the create of one name run one at a time (two resources may declare one name
    // with adoptExisting): the second finds what the first created.
    const snapshots = this.#ctx.collections();
    return snapshots.holdName(inputs.name, async () => {
      const matches = await snapshots.lookUp(inputs.name, call());
      if (matches.length > 1) {
        throw new Error(
          `name: ${matches.length} collections ${nameOf(inputs, "have the declared name (a secret, not shown)", (n) => `are named "${n}"`)} ` +
            `(${matches.map((c) => c.id).join(", ")}); ` +
            "adopt one explicitly with adoptId",
        );
      }
      const match = matches[0];
      if (match) return this.#adopt(urn, match.id, inputs, match.created_at ?? null, "name", call);
      return this.#post(urn, inputs, body, call);
    });
  }

  /** The POST (and, after a replay, the PUT) of a new collection, along the chain of keys. */
  async #post(
    urn: string | undefined,
    inputs: CollectionInputs,
    body: CreateCollectionBody,
    call: () => { deadlineMs?: number },
  ): Promise<{ id: string; outs: CollectionOutputs }> {
    const client = this.#ctx.client();
    const snapshots = this.#ctx.collections();
    const generation = inputs.__generation ?? 0;
    const identity = { urn: inputs.__urn, scope: inputs.__scope, generation };
    // A key whose collection no longer exists would be replayed forever: the next key in the chain
    // (deterministic, so a rerun walks the same chain) creates a new one. The bound only guards
    // against an API that keeps replaying ids it then reports missing.
    for (let attempt = 0; attempt < MAX_KEY_CHAIN; attempt++) {
      const key = deriveIdempotencyKey(identity, body, attempt);
      const res = await client.collections.create(body, { idempotencyKey: key, ...call() });
      if (!res.replayed) {
        snapshots.wrote(res.data);
        const outs = outputsFrom(inputs, res.data, null, false);
        throwIfBlocked(res.data, outs, inputs.requests);
        return { id: res.data.id, outs };
      }
      // A replay returns the collection this key created earlier: a lost answer, a killed
      // deployment, or the resource dropped from the state (`pulumi state delete`, a lost state
      // file) and declared again within 24 h. It may have been updated since, and GET cannot show
      // its requests: one PUT makes it hold what is declared now.
      try {
        const put = await client.collections.update(res.data.id, updateBody(inputs), call());
        snapshots.wrote(put.data);
        await this.#ctx.say(
          "info",
          `${labelOf(res.data.id, inputs)}: the API replayed an earlier create; re-applied the declared requests`,
          urn,
        );
        const outs = outputsFrom(inputs, put.data, null, false);
        throwIfBlocked(put.data, outs, inputs.requests);
        return { id: res.data.id, outs };
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        await this.#ctx.say(
          "info",
          `${labelOf(res.data.id, inputs)} replayed by the API no longer exists; creating a new one`,
          urn,
        );
      }
    }
    throw new Error(
      `create of ${nameOf(inputs, "the collection")}: the API kept replaying collections that no longer exist ` +
        `(${MAX_KEY_CHAIN} keys tried)`,
    );
  }

  async #adopt(
    urn: string | undefined,
    id: string,
    inputs: CollectionInputs,
    createdAt: number | null,
    by: "id" | "name",
    call: () => { deadlineMs?: number },
  ): Promise<{ id: string; outs: CollectionOutputs }> {
    const res = await this.#ctx.client().collections.update(id, updateBody(inputs), call());
    this.#ctx.collections().wrote(res.data);
    const callback = secretInputsOf(inputs).has("callbackUrl")
      ? "callbackUrl (a secret, not shown)"
      : `callbackUrl (${inputs.callbackUrl ?? "none"})`;
    await this.#ctx.say(
      "warning",
      `${labelOf(id, inputs)}: adopted an existing collection by ${by} and applied the declared requests; ` +
        `its callback URL cannot be read or changed through the API, so make sure it is the declared ${callback}`,
      urn,
    );
    const outs = outputsFrom(inputs, res.data, createdAt, true);
    throwIfBlocked(res.data, outs, inputs.requests);
    return { id, outs };
  }

  /**
   * Refreshes from the API (a list call shared with the other reads of the refresh, or
   * `GET /v1/async/collections/{id}`; see `collection-snapshots.ts`): the name and timestamps come
   * from the API, everything else keeps its last applied value (the API does not return the
   * requests). An empty `id` when the collection is gone (404 to its own GET).
   */
  async read(id: string, urn: string | undefined, props: Record<string, unknown>): Promise<ReadResult> {
    const result = await this.#ctx.run(
      "read",
      { urn, redactor: redactorOf(props), secretState: secretOutputs },
      () => this.#read(id, fromEngine(props)),
    );
    return storedRead(result);
  }

  /**
   * Reads an existing collection into the stack (`pulumi import`): one `GET .../{id}`, no write.
   * GET shows the id, the name and the times, not the requests or the callback URL (API reference
   * §2.3): the inputs are the name, as an explicit one, and `requests: []`, so that the program
   * declares the collection by its name and the first `pulumi up` with the declared requests makes
   * one PUT. The state is `adopted` (the collection existed before the stack).
   * @param scope The stack's scope its identity takes, when the adapter knows one.
   * @throws UserFacingError when no collection has this id (404).
   */
  async import(id: string, urn: string, scope: string | undefined): Promise<ReadResult> {
    const props: Record<string, unknown> = { __urn: urn, ...(scope ? { __scope: scope } : {}) };
    const result = await this.#ctx.run(
      "read",
      { urn, redactor: NO_SECRETS, secretState: secretOutputs },
      async () => {
        const read = await this.#read(id, props);
        if (read.id === "") {
          throw new UserFacingError(
            `no collection ${id} exists in this ScrapingPros account (GET /v1/async/collections/${id} answered 404): ` +
              "check the id given to `pulumi import`",
          );
        }
        return { ...read, props: { ...read.props, adopted: true } };
      },
    );
    return storedRead(result);
  }

  async #read(
    id: string,
    props: Record<string, unknown>,
  ): Promise<{ id?: string; props?: Record<string, unknown>; inputs?: Record<string, unknown> }> {
    const state = readState(props);
    // From a list shared with the other reads of the refresh; a collection missing from it is
    // confirmed gone by its own GET (collection-snapshots.ts).
    const found = await this.#ctx.collections().read(id);
    // An empty id tells the engine the resource is gone.
    if (found === undefined) return { id: "", props: {} };
    // The API shows only id, name and timestamps: everything else keeps its last applied value.
    const outs: CollectionOutputs = {
      ...state,
      name: found.name,
      createdAt: found.created_at ?? state.createdAt,
      updatedAt: found.updated_at ?? state.updatedAt,
    };
    return { id: found.id, props: { ...outs }, inputs: { ...inputsOf(outs) } };
  }

  /**
   * Replaces the name and the whole request list (`PUT /v1/async/collections/{id}`). `timeouts` is
   * the resource's `customTimeouts`, when the adapter knows it. Throws {@link ResourceInitError}
   * when URLs were blocked, and an API error otherwise.
   */
  async update(
    id: string,
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    timeouts?: CallTimeouts,
  ): Promise<UpdateResult> {
    const { outs } = await this.#ctx.run(
      "update",
      {
        urn,
        redactor: redactorOf(news, olds),
        customTimeoutMs: timeouts?.updateMs,
        secretState: secretOutputs,
      },
      () => this.#update(id, fromEngine(olds), fromEngine(news), timeouts?.updateMs),
    );
    return { outs: secretOutputs(toEngine(outs)) };
  }

  async #update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    operationMs: number | undefined,
  ): Promise<{ outs: CollectionOutputs }> {
    const inputs = toInputs(news);
    const previous = readState(olds);
    const res = await this.#ctx
      .client()
      .collections.update(id, updateBody(inputs), callOptions(operationMs)());
    this.#ctx.collections().wrote(res.data);
    const outs = outputsFrom(inputs, res.data, previous.createdAt, previous.adopted);
    throwIfBlocked(res.data, outs, inputs.requests);
    return { outs };
  }

  /** Forgets the collection with a warning: the API has no delete endpoint (API reference §2.5). */
  async delete(id: string, urn: string | undefined, props: Record<string, unknown>): Promise<void> {
    const state = readState(fromEngine(props));
    await this.#ctx.say(
      "warning",
      `${labelOf(id, state)} was removed from the stack but still exists in ScrapingPros: ` +
        "the API has no delete endpoint",
      urn,
      redactorFor(props),
    );
  }
}

/** A read's result in the stored layout, secret inputs and what is derived from them in their envelope. */
function storedRead(result: {
  id?: string;
  props?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}): ReadResult {
  return {
    ...result,
    ...(result.props ? { props: secretOutputs(toEngine(result.props)) } : {}),
    ...(result.inputs ? { inputs: secretOutputs(toEngine(result.inputs)) } : {}),
  };
}

/**
 * Whether a create of these inputs looks its name up first: auto-named and `adoptExisting`
 * collections do, but not one adopted by id, nor a replacement that keeps the explicit name of the
 * collection it replaces (adopting by name would take that one back).
 */
function looksUpByName(
  inputs: CollectionInputs,
  replaced: { generation: number; name: string } | undefined,
): boolean {
  if (inputs.adoptId || !(inputs.autoNamed || inputs.adoptExisting)) return false;
  return !(replaced !== undefined && replaced.name === inputs.name);
}

/** How many idempotency keys a create tries when replayed collections turn out to be gone. */
const MAX_KEY_CHAIN = 5;

/**
 * Per-call options for one provider operation: with `customTimeouts`, every call of the
 * operation shares its deadline; without, each call has the client's own.
 */
function callOptions(operationMs: number | undefined): () => { deadlineMs?: number } {
  if (operationMs === undefined) return () => ({});
  const until = Date.now() + operationMs;
  return () => ({ deadlineMs: Math.max(1, until - Date.now()) });
}

/** The inputs of engine properties (readState picks the known properties only). */
function toInputs(props: Record<string, unknown>): CollectionInputs {
  return readState(props);
}

function createBody(inputs: CollectionInputs): CreateCollectionBody {
  return canonicalClone({
    name: inputs.name,
    requests: inputs.requests,
    ...(inputs.callbackUrl !== undefined ? { callback_url: inputs.callbackUrl } : {}),
  });
}

function updateBody(inputs: CollectionInputs): { name: string; requests: ScrapeRequest[] } {
  return canonicalClone({ name: inputs.name, requests: inputs.requests });
}

function outputsFrom(
  inputs: CollectionInputs,
  result: CollectionWriteResult,
  createdAt: number | null,
  adopted: boolean,
): CollectionOutputs {
  return {
    ...inputs,
    name: result.name,
    createdAt,
    updatedAt: null,
    requestCount: Math.max(
      0,
      inputs.requests.length - result.duplicates_skipped - result.blocked_urls.length,
    ),
    duplicatesSkipped: result.duplicates_skipped,
    blockedUrls: result.blocked_urls,
    adopted,
    schemaVersion: SCHEMA_VERSION,
  };
}

function throwIfBlocked(
  result: CollectionWriteResult,
  outs: CollectionOutputs,
  requests: ScrapeRequest[],
): void {
  if (result.blocked_urls.length === 0) return;
  // The engine shows the reasons of a resource-initialization error, not its message: the
  // summary goes first so the CLI output names the saved collection.
  const summary =
    `${labelOf(result.id, outs)} was saved, but the API refused ${result.blocked_urls.length} URL(s); ` +
    "fix or remove them and run `pulumi up` again";
  const secret = secretInputsOf(outs).has("requests");
  const reasons = [summary, ...result.blocked_urls.map((b) => describeBlocked(b, requests, secret))];
  throw new ResourceInitError(reasons.join("\n  "), result.id, toEngine(outs), reasons);
}

/**
 * One blocked URL: its property path, the URL unless `requests` is secret, the API's reason code
 * and its explanation (with the request's own values hidden when secret: an API may echo them).
 */
function describeBlocked(b: BlockedUrl, requests: ScrapeRequest[], secret = false): string {
  // The index base is undocumented: trust it only when the URL at that index matches.
  const index = requests[b.index]?.url === b.url ? b.index : requests.findIndex((r) => r.url === b.url);
  const where = index >= 0 ? `requests[${index}].url` : "requests[?].url";
  const own = secret ? new SecretRedactor([b.url, requests[index]]) : undefined;
  const explanation = b.message ? `: ${own ? own.redact(b.message) : b.message}` : "";
  return `${where}${secret ? "" : `: ${b.url}`} blocked (${b.reason})${explanation}`;
}

/** The outputs derived under another name from each input, which must be secret when it is. */
const DERIVED_OUTPUTS: Readonly<Record<string, readonly string[]>> = { requests: ["blockedUrls"] };

/**
 * Engine properties with each secret input, and each output derived from one, in Pulumi's secret
 * envelope; the engine would only protect those of the same name as a secret input.
 */
function secretOutputs(props: Record<string, unknown>): Record<string, unknown> {
  const names = secretInputsOf(props);
  if (names.size === 0) return props;
  return withSecrets(
    props,
    [...names].flatMap((n) => [n, ...(DERIVED_OUTPUTS[n] ?? [])]),
  );
}

/** Whether the input `name` is secret in these properties. */
function isSecret(props: object, name: string): boolean {
  return secretInputsOf(props).has(name);
}

/** The redactor of the secret inputs of `props` and, for an update, of the state it replaces. */
function redactorOf(props: Record<string, unknown>, olds?: Record<string, unknown>): SecretRedactor {
  if (!olds) return redactorFor(props);
  const oldNames = secretInputsOf(olds);
  return redactorFor(
    props,
    [...oldNames].map((n) => olds[n]),
  );
}

/** `collection <id> (<name>)`, or without the name when it is secret. */
function labelOf(id: string, inputs: { name: string; __secretInputs?: string[] }): string {
  return isSecret(inputs, "name") ? `collection ${id}` : `collection ${id} (${inputs.name})`;
}

/** The collection's name as `show` formats it, or `hidden` when the name is secret. */
function nameOf(
  inputs: { name: string; __secretInputs?: string[] },
  hidden: string,
  show: (name: string) => string = (n) => n,
): string {
  return isSecret(inputs, "name") ? hidden : show(inputs.name);
}

/**
 * Check failures with secret values hidden. A reason may describe the value at its own path
 * (`requests[3].url`: `add the scheme, e.g. "https://…"`), so it is redacted against the value of
 * that request or top-level input, which stays cheap for a list of 50,000 secret requests.
 */
function redactFailures(failures: CheckFailure[], news: Record<string, unknown>): CheckFailure[] {
  const secret = secretInputsOf(news);
  if (secret.size === 0 || failures.length === 0) return failures;
  return failures.map((f) => {
    const m = /^([A-Za-z_$][\w$]*)(?:\[(\d+)\])?/.exec(f.property);
    const top = m?.[1];
    // a reason describes the value at its own path, and no other
    if (top === undefined || !secret.has(top)) return f;
    const value = news[top];
    const element = m?.[2] !== undefined && Array.isArray(value) ? value[Number(m[2])] : value;
    return { ...f, reason: new SecretRedactor([element]).redact(f.reason) };
  });
}

/**
 * The Collection dynamic provider: check/diff/create/read/update/delete mapped onto the API.
 *
 * - check  → local validation only (0 API calls)
 * - diff   → local comparison only (0 API calls)
 * - create → POST /v1/async/collections with a URN-derived Idempotency-Key; auto-named and
 *            `adoptExisting` collections are first looked up by exact name (GET ?name=) and adopted
 *            with one PUT; `adoptId` adopts by id (GET + PUT)
 * - read   → GET /v1/async/collections/{id}; 404 means gone
 * - update → PUT /v1/async/collections/{id} with the full name and request list
 * - delete → no API call (the API has no delete): the collection is kept, with a warning
 */

import type { ScrapingProsClient } from "../client/client";
import { NotFoundError } from "../client/errors";
import type {
  BlockedUrl,
  CollectionWriteResult,
  CreateCollectionBody,
  ScrapeRequest,
} from "../client/schemas";
import { type CheckFailure, checkCollection } from "../core/collection/check";
import { type CollectionDiff, diffCollection } from "../core/collection/diff";
import {
  type CollectionInputs,
  type CollectionOutputs,
  inputsOf,
  internalsOf,
  readState,
  SCHEMA_VERSION,
} from "../core/collection/state";
import type { ConfigSource, ProviderSettings } from "../core/config";
import { ConfiguredClient } from "../core/configured-client";
import { canonicalClone, deriveIdempotencyKey } from "../core/identity";
import {
  currentScope,
  describeRecovery,
  describeRetry,
  inScope,
  type Operation,
  redactError,
  redactMessage,
  userErrorFor,
} from "../core/messages";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../core/results";
import { requestsWarnings } from "../core/rules/collection-rules";
import { requestNearMisses } from "../core/rules/near-miss";
import { redactorFor, SecretRedactor, secretInputsOf, withSecrets } from "../core/secrets";
import { fromEngine, toEngine } from "../core/state-wire";
import { type MessageSink, processSink, type Severity } from "../engine/engine-log";

/** A callback that receives one message (tests capture them this way). */
export type Warn = (message: string) => void;

/** Options for {@link CollectionProvider}, mostly for tests. */
export interface CollectionProviderOptions {
  /** Builds the client; tests pass one with a short retry schedule. */
  clientFactory?: (settings: ProviderSettings) => ScrapingProsClient;
  /** Receives warnings instead of the sink (tests). */
  warn?: Warn;
  /** Receives what went as planned but is worth knowing (a replayed create) instead of the sink (tests). */
  info?: Warn;
  /** Receives details (each retry) instead of the sink (tests); without it they go to `warn`. */
  debug?: Warn;
  /**
   * Where messages go, with the resource's URN. @default the engine, attached to the resource, in
   * the dynamic-provider process (`processSink()`); stderr elsewhere
   */
  sink?: MessageSink;
  /** The environment the settings' `SCRAPINGPROS_*` variables are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Thrown by create when the API created the collection but refused some URLs: the engine records the id. */
export class ResourceInitError extends Error {
  /** The id of the resource that exists despite the error. */
  readonly id: string;
  /** The resource's state (outputs) to record with the id. */
  readonly properties: Record<string, unknown>;
  /** Why the resource is incomplete, one message each, shown by the engine. */
  readonly reasons: string[];
  constructor(message: string, id: string, properties: Record<string, unknown>, reasons: string[]) {
    super(message);
    this.name = "ResourceInitError";
    this.id = id;
    this.properties = properties;
    this.reasons = reasons;
  }
}

/**
 * A resource-initialization error as the engine should record it: its properties with secrets in
 * their envelope, and the serialized provider of `props`. The dynamic-provider host adds
 * `__provider` to the outputs of a create or update that succeeded, not to the properties of an
 * error, and the engine keeps those as the resource's state: without it, the host could not load
 * the provider for the resource's next delete or refresh (`code must be a string, not undefined`).
 */
export function forEngine(
  error: ResourceInitError,
  props: Record<string, unknown>,
  secretOutputs: (p: Record<string, unknown>) => Record<string, unknown>,
): ResourceInitError {
  const properties = secretOutputs({
    ...error.properties,
    ...(props.__provider !== undefined ? { __provider: props.__provider } : {}),
  });
  return new ResourceInitError(error.message, error.id, properties, error.reasons);
}

/** The Collection resource provider. One instance per provider process. */
export class CollectionProvider {
  /** Resources this process checked with old state, by URN: a create of one is a replacement. */
  readonly #existing = new Map<string, { generation: number; name: string }>();
  readonly #options: CollectionProviderOptions;
  readonly #api: ConfiguredClient;

  constructor(options: CollectionProviderOptions = {}) {
    this.#options = options;
    this.#api = new ConfiguredClient({
      clientFactory: options.clientFactory,
      env: options.env,
      // Each retry is a detail (`--debug`) of its resource; the outcome gets one line (see #run).
      onRetry: (e) => {
        const scope = currentScope();
        scope?.retries.push(e);
        void this.#say("debug", describeRetry(e), scope?.urn);
      },
    });
  }

  /** Receives the stack config from the engine (`scrapingpros:*`). */
  async configure(req: { config: ConfigSource }): Promise<void> {
    await this.#api.configure(req.config);
  }

  /**
   * Validates the inputs with {@link checkCollection} (no API call) and warns about near misses of
   * request fields. Throws when the provider has no API key.
   */
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    const { inputs, failures } = await this.#check(fromEngine(olds), news);
    return { inputs: toEngine(inputs), failures: redactFailures(failures, news) };
  }

  async #check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
    const urn = typeof news.__urn === "string" ? news.__urn : undefined;
    this.#api.assertReady();
    // Near misses of known request fields (`customId`): sent as written, so a warning, not a failure.
    for (const miss of requestNearMisses(news.requests)) await this.#say("warning", miss.message, urn);
    // URLs the API may refuse without saying which (ports): a warning, not a failure (url-rules.ts).
    for (const w of requestsWarnings(news.requests))
      await this.#say("warning", `${w.path}: ${w.message}`, urn);
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
    return checkCollection(news, olds, this.#existing.get(urn));
  }

  /**
   * Compares the state with the new inputs with {@link diffCollection} (no API call); warns at
   * preview when the collection is replaced, since the old one stays in the account.
   */
  async diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CollectionDiff> {
    const result = diffCollection(fromEngine(olds), fromEngine(news));
    if (result.replaces.length > 0) {
      // The engine shows `+-replace` / `- delete original`: say at preview what that delete does.
      const name = typeof olds.name === "string" && !isSecret(olds, "name") ? `, ${olds.name}` : "";
      await this.#say(
        "warning",
        `${result.replaces.join(", ")} changes, so this collection is replaced: a new one is created and the ` +
          `current one (${id}${name}) stays in your ScrapingPros account, because the API has no delete`,
        typeof news.__urn === "string" ? news.__urn : undefined,
        redactorOf(olds, news),
      );
    }
    return result;
  }

  /**
   * Creates the collection (`POST /v1/async/collections` with an idempotency key derived from the
   * URN, the stack's scope and the body), or adopts an existing one (by `adoptId`, or by name with
   * `adoptExisting` or a derived name) and applies the declared requests with one PUT. Throws
   * {@link ResourceInitError} when the collection exists but the API blocked some URLs, and an API
   * error (see the client's error classes) when a call fails.
   */
  async create(props: Record<string, unknown>): Promise<CreateResult> {
    const { id, outs } = await this.#run(
      "create",
      props,
      () => this.#create(fromEngine(props)),
      customTimeoutMs(props, "createMs"),
    );
    return { id, outs: secretOutputs(toEngine(outs)) };
  }

  async #create(props: Record<string, unknown>): Promise<{ id: string; outs: CollectionOutputs }> {
    const inputs = toInputs(props);
    const client = this.#getClient();
    const call = callOptions(inputs.__timeouts?.createMs);
    const body = createBody(inputs);

    if (inputs.adoptId) {
      const existing = await client.collections.get(inputs.adoptId, call()).catch((e: unknown) => {
        if (e instanceof NotFoundError) {
          const id = secretInputsOf(inputs).has("adoptId") ? "with this id" : inputs.adoptId;
          throw new Error(`adoptId: no collection ${id} exists in this ScrapingPros account`);
        }
        throw e;
      });
      return this.#adopt(existing.data.id, inputs, existing.data.created_at ?? null, "id", call);
    }

    const generation = inputs.__generation ?? 0;
    // A replacement the engine checked again carries the next generation: a new key, and for an
    // auto-named collection a new name. The collection it replaces keeps its name, so adopting by
    // name must not take it back when the replacement keeps an explicit name.
    const replaced = this.#existing.get(inputs.__urn);
    const mayAdoptByName = !(replaced !== undefined && replaced.name === inputs.name);

    if ((inputs.autoNamed || inputs.adoptExisting) && mayAdoptByName) {
      const { data } = await client.collections.list({ name: inputs.name }, call());
      const matches = data.filter((c) => c.name === inputs.name);
      if (matches.length > 1) {
        throw new Error(
          `name: ${matches.length} collections ${nameOf(inputs, "have the declared name (a secret, not shown)", (n) => `are named "${n}"`)} ` +
            `(${matches.map((c) => c.id).join(", ")}); ` +
            "adopt one explicitly with adoptId",
        );
      }
      const match = matches[0];
      if (match) return this.#adopt(match.id, inputs, match.created_at ?? null, "name", call);
    }

    const identity = { urn: inputs.__urn, scope: inputs.__scope, generation };
    // A key whose collection no longer exists would be replayed forever: the next key in the chain
    // (deterministic, so a rerun walks the same chain) creates a new one. The bound only guards
    // against an API that keeps replaying ids it then reports missing.
    for (let attempt = 0; attempt < MAX_KEY_CHAIN; attempt++) {
      const key = deriveIdempotencyKey(identity, body, attempt);
      const res = await client.collections.create(body, { idempotencyKey: key, ...call() });
      if (!res.replayed) {
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
        await this.#say(
          "info",
          `${labelOf(res.data.id, inputs)}: the API replayed an earlier create; re-applied the declared requests`,
          inputs.__urn,
        );
        const outs = outputsFrom(inputs, put.data, null, false);
        throwIfBlocked(put.data, outs, inputs.requests);
        return { id: res.data.id, outs };
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        await this.#say(
          "info",
          `${labelOf(res.data.id, inputs)} replayed by the API no longer exists; creating a new one`,
          inputs.__urn,
        );
      }
    }
    throw new Error(
      `create of ${nameOf(inputs, "the collection")}: the API kept replaying collections that no longer exist ` +
        `(${MAX_KEY_CHAIN} keys tried)`,
    );
  }

  async #adopt(
    id: string,
    inputs: CollectionInputs,
    createdAt: number | null,
    by: "id" | "name",
    call: () => { deadlineMs?: number },
  ): Promise<{ id: string; outs: CollectionOutputs }> {
    const res = await this.#getClient().collections.update(id, updateBody(inputs), call());
    const callback = secretInputsOf(inputs).has("callbackUrl")
      ? "callbackUrl (a secret, not shown)"
      : `callbackUrl (${inputs.callbackUrl ?? "none"})`;
    await this.#say(
      "warning",
      `${labelOf(id, inputs)}: adopted an existing collection by ${by} and applied the declared requests; ` +
        `its callback URL cannot be read or changed through the API, so make sure it is the declared ${callback}`,
      inputs.__urn,
    );
    const outs = outputsFrom(inputs, res.data, createdAt, true);
    throwIfBlocked(res.data, outs, inputs.requests);
    return { id, outs };
  }

  /**
   * Refreshes from `GET /v1/async/collections/{id}`: the name and timestamps come from the API,
   * everything else keeps its last applied value (the API does not return the requests). An empty
   * `id` when the collection is gone (404).
   */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    const result = await this.#run("read", props, () => this.#read(id, fromEngine(props)));
    return {
      ...result,
      ...(result.props ? { props: secretOutputs(toEngine(result.props)) } : {}),
      ...(result.inputs ? { inputs: secretOutputs(toEngine(result.inputs)) } : {}),
    };
  }

  async #read(
    id: string,
    props: Record<string, unknown>,
  ): Promise<{ id?: string; props?: Record<string, unknown>; inputs?: Record<string, unknown> }> {
    const state = readState(props);
    let found: Awaited<ReturnType<ScrapingProsClient["collections"]["get"]>>;
    try {
      found = await this.#getClient().collections.get(id);
    } catch (e) {
      // An empty id tells the engine the resource is gone.
      if (e instanceof NotFoundError) return { id: "", props: {} };
      throw e;
    }
    // GET shows only id, name and timestamps: everything else keeps its last applied value.
    const outs: CollectionOutputs = {
      ...state,
      name: found.data.name,
      createdAt: found.data.created_at ?? state.createdAt,
      updatedAt: found.data.updated_at ?? state.updatedAt,
    };
    return { id: found.data.id, props: { ...outs }, inputs: { ...inputsOf(outs) } };
  }

  /**
   * Replaces the name and the whole request list (`PUT /v1/async/collections/{id}`). Throws
   * {@link ResourceInitError} when URLs were blocked, and an API error otherwise.
   */
  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<UpdateResult> {
    const { outs } = await this.#run(
      "update",
      news,
      () => this.#update(id, fromEngine(olds), fromEngine(news)),
      customTimeoutMs(news, "updateMs"),
      olds,
    );
    return { outs: secretOutputs(toEngine(outs)) };
  }

  async #update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ outs: CollectionOutputs }> {
    const inputs = toInputs(news);
    const previous = readState(olds);
    const res = await this.#getClient().collections.update(
      id,
      updateBody(inputs),
      callOptions(inputs.__timeouts?.updateMs)(),
    );
    const outs = outputsFrom(inputs, res.data, previous.createdAt, previous.adopted);
    throwIfBlocked(res.data, outs, inputs.requests);
    return { outs };
  }

  /** Forgets the collection with a warning: the API has no delete endpoint (API reference §2.5). */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    const state = readState(fromEngine(props));
    await this.#say(
      "warning",
      `${labelOf(id, state)} was removed from the stack but still exists in ScrapingPros: ` +
        "the API has no delete endpoint",
      state.__urn,
      redactorFor(props),
    );
  }

  /**
   * Runs one operation on one resource: retries are counted against it, a success after retries
   * gets one line, and an API error becomes a message that names the settings involved.
   */
  /**
   * Runs one operation: recovered failures are reported, errors are turned into what a user reads.
   * `customTimeoutMs` is the operation's budget from `customTimeouts`, which a timeout names.
   */
  async #run<T>(
    op: Operation,
    props: Record<string, unknown>,
    fn: () => Promise<T>,
    customTimeoutMs?: number,
    olds?: Record<string, unknown>,
  ): Promise<T> {
    const at = typeof props.__urn === "string" && props.__urn !== "" ? props.__urn : undefined;
    const redactor = redactorOf(props, olds);
    return inScope(
      op,
      at,
      async (scope) => {
        try {
          const result = await fn();
          const recovered = describeRecovery(scope);
          if (recovered) await this.#say("info", recovered, at);
          return result;
        } catch (e) {
          const error = userErrorFor(e, {
            op,
            settings: this.#api.settings,
            baseUrl: this.#api.baseUrl,
            customTimeoutMs,
          });
          throw redactError(
            error instanceof ResourceInitError ? forEngine(error, props, secretOutputs) : error,
            redactor,
          );
        }
      },
      redactor,
    );
  }

  /**
   * Sends a message about the resource `urn` to the test callbacks or the sink, with the secret
   * values of the resource (`redactor`, by default the running operation's) hidden.
   */
  async #say(
    severity: Severity,
    text: string,
    urn: string | undefined,
    redactor?: SecretRedactor,
  ): Promise<void> {
    const message = redactor ? redactor.redact(text) : redactMessage(text);
    const { warn, info, debug } = this.#options;
    if (warn || info || debug) {
      if (severity === "warning" || severity === "error") warn?.(message);
      else if (severity === "info") (info ?? warn)?.(message);
      else (debug ?? warn)?.(message);
      return;
    }
    await (this.#options.sink ?? processSink())(severity, message, urn);
  }

  #getClient(): ScrapingProsClient {
    return this.#api.get();
  }
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

/** The operation's budget from the resource's `customTimeouts` (`__timeouts`), in ms, when set. */
function customTimeoutMs(props: Record<string, unknown>, which: "createMs" | "updateMs"): number | undefined {
  return internalsOf(props).__timeouts?.[which];
}

function toInputs(props: Record<string, unknown>): CollectionInputs {
  const { __provider: _ignored, ...rest } = props;
  return readState(rest);
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

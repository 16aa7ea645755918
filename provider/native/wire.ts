/**
 * The native provider's wire: what `@pulumi/pulumi/provider`'s server hands the provider, and what
 * the engine must get back, versus the stored layout the core reads and writes (`core/<resource>/state.ts`,
 * `core/state-wire.ts`, the same as the dynamic provider's, so that a stack can move between them).
 *
 * - **Secrets.** The server tells the engine it accepts secrets, so every secret value arrives in
 *   Pulumi's envelope (`{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
 *   value }`), anywhere in a value. The core takes plain values plus the names of the secret inputs
 *   (`__secretInputs`): {@link unwrapSecrets}. The engine, in turn, annotates nothing for a provider
 *   that accepts secrets (`annotateSecrets` runs only for those that do not): what the provider
 *   returns in plain text is stored in plain text. So check's inputs ({@link withSecretInputs}) and
 *   every output and init error carry each secret input, and each output derived from one, in the
 *   envelope again (the core's results already do, for the names in `__secretInputs`).
 * - **Unknowns** (preview) arrive as the sentinel string `04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
 *   which the core's rules already treat as unknown: passed on as they are.
 * - **Times.** The schema types every time as an ISO 8601 string. A Collection's stored layout holds
 *   them so; a CollectionRun's holds `createdAt` in epoch seconds (the dynamic provider's layout):
 *   {@link runToEngine} and {@link runFromEngine} convert, reading either form.
 */
import { specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { ResourceInitError } from "../core/resource-init-error";
import { asSecret, isSecretEnvelope, SECRET_INPUTS } from "../core/secrets";
import { fromEngine, toEngine } from "../core/state-wire";

/** Properties without their secret envelopes, and the top-level names that held a secret. */
export interface Unwrapped {
  /** The properties with every envelope replaced by its value, at any depth. */
  values: Record<string, unknown>;
  /** The top-level properties that are, or contain, a secret. */
  secret: ReadonlySet<string>;
}

/**
 * Takes the secret envelopes out of `props`: a top-level property that is, or contains, a secret is
 * secret as a whole (as the engine's own `annotateSecrets` treats a list with one secret element).
 */
export function unwrapSecrets(props: Record<string, unknown> | undefined): Unwrapped {
  const values: Record<string, unknown> = {};
  const secret = new Set<string>();
  for (const [name, value] of Object.entries(props ?? {})) {
    const found = { secret: false };
    values[name] = unwrap(value, found, 0);
    if (found.secret) secret.add(name);
  }
  return { values, secret };
}

function unwrap(value: unknown, found: { secret: boolean }, depth: number): unknown {
  if (typeof value !== "object" || value === null || depth > 256) return value;
  if (isSecretEnvelope(value)) {
    found.secret = true;
    return unwrap((value as { value?: unknown }).value, found, depth + 1);
  }
  if (Array.isArray(value)) return value.map((v) => unwrap(v, found, depth + 1));
  // Another special value (a resource reference, an asset) is kept as it is.
  if (specialSigKey in value) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = unwrap(v, found, depth + 1);
  return out;
}

/**
 * The new inputs as check gives them to the core: the engine's URN, the scope, and the names of the
 * secret inputs as `__secretInputs` (sorted; absent when none is secret, as the dynamic SDK passes
 * it). What the engine sent as `__secretInputs` itself is replaced: only the envelopes tell.
 */
export function withSecretInputs(
  news: Unwrapped,
  urn: string,
  scope: string | undefined,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = { ...news.values, __urn: urn };
  if (scope !== undefined) inputs.__scope = scope;
  delete inputs[SECRET_INPUTS];
  if (news.secret.size > 0) inputs[SECRET_INPUTS] = [...news.secret].sort();
  return inputs;
}

/** `props` with each property named in `names` in its secret envelope again (at the top level). */
export function rewrap(props: Record<string, unknown>, names: Iterable<string>): Record<string, unknown> {
  const out = { ...props };
  for (const name of names) if (name in out) out[name] = asSecret(out[name]);
  return out;
}

/** A CollectionRun's stored properties as the native provider returns them: times as ISO strings. */
export function runToEngine(props: Record<string, unknown>): Record<string, unknown> {
  return toEngine(props);
}

/** A CollectionRun's stored properties for the core: times as epoch seconds, whichever form was stored. */
export function runFromEngine(props: Record<string, unknown>): Record<string, unknown> {
  return fromEngine(props);
}

/** A CollectionRun's initialization error with its properties as {@link runToEngine} returns them. */
export function runInitError(e: unknown): unknown {
  if (!(e instanceof ResourceInitError)) return e;
  return new ResourceInitError(e.message, e.id, runToEngine(e.properties), e.reasons);
}

/**
 * The collection and run of a CollectionRun's import id, `<collectionId>/<runId>` (the API
 * addresses a run by both; the resource's id is the run's); undefined for any other form.
 */
export function parseRunImportId(id: string): { collectionId: string; runId: string } | undefined {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(id.trim());
  return m ? { collectionId: m[1] as string, runId: m[2] as string } : undefined;
}

/**
 * The resource type of a URN, `scrapingpros:index:Collection`: its type segment without the parent
 * types (`parent$child`).
 */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** The logical name of a URN: its last `::` segment. */
export function nameOfUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

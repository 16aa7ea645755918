/**
 * Inputs the user marked secret, as the provider learns of them, and what it does about them.
 *
 * The dynamic-provider host tells the engine it does not accept secrets, so the engine sends every
 * input in plain text and, after create, update and read, marks an output secret only when an input
 * of the same name held a secret (`annotateSecrets` in Pulumi's `provider_plugin.go`). Outputs
 * derived under another name (`blockedUrls` from `requests`, a run's `declaredCallbackUrl` from its
 * `callbackUrl`) would be stored and shown in plain text, and messages built from inputs would print
 * them. The program can tell which inputs are secret; the SDK passes their names as the internal
 * input {@link SECRET_INPUTS} (only when some input is secret, so most state never holds it), and
 * the provider then:
 *
 * - returns each output derived from a secret input wrapped in Pulumi's secret envelope
 *   (`{ [specialSigKey]: specialSecretSig, value }`), which the engine unmarshals as a secret
 *   (it reads provider outputs with `KeepSecrets: true`, also those of a resource-initialization
 *   error and of a refresh);
 * - never writes a secret input's value in a message (warnings, errors, their reasons), and replaces
 *   any that text from elsewhere (an API error's detail) would carry with {@link SECRET_REDACTED}.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/**
 * The internal input that names the secret inputs of a resource: a list of top-level input names
 * (`["requests", "callbackUrl"]`), plus for a `CollectionRun` {@link COLLECTION_CALLBACK_SECRET}.
 * Absent when none is secret. Ignored by diff; kept in the outputs, so read and delete see it too.
 */
export const SECRET_INPUTS = "__secretInputs";

/**
 * The entry of a CollectionRun's {@link SECRET_INPUTS} that says the run's collection, declared in
 * the same program, has a secret `callbackUrl`: the run's reported `callbackUrl` (the collection's
 * webhook, when the run declares none) is then secret too.
 */
export const COLLECTION_CALLBACK_SECRET = "collection.callbackUrl";

/** What a secret value is replaced with in a message, as Pulumi's CLI shows secrets. */
export const SECRET_REDACTED = "[secret]";

/** The names listed in `props.__secretInputs` (empty when absent or malformed). */
export function secretInputsOf(props: object): ReadonlySet<string> {
  const list = (props as Record<string, unknown>)[SECRET_INPUTS];
  return new Set(Array.isArray(list) ? list.filter((n): n is string => typeof n === "string") : []);
}

/** `props.__secretInputs`, checked: the list of names, or undefined when absent, empty or malformed. */
export function secretInputsInput(props: Record<string, unknown>): string[] | undefined {
  const names = [...secretInputsOf(props)];
  return names.length > 0 ? names : undefined;
}

/** `value` in Pulumi's secret envelope: the engine stores and shows it as a secret. */
export function asSecret(value: unknown): unknown {
  if (value === undefined || value === null || isSecretEnvelope(value)) return value;
  return { [specialSigKey]: specialSecretSig, value };
}

/** Whether `value` is already in Pulumi's secret envelope. */
export function isSecretEnvelope(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

/** A copy of `props` with each property named in `names` wrapped as a secret (others as they are). */
export function withSecrets(
  props: Record<string, unknown>,
  names: Iterable<string>,
): Record<string, unknown> {
  const out = { ...props };
  for (const name of names) if (name in out) out[name] = asSecret(out[name]);
  return out;
}

/**
 * Replaces every appearance of secret values in a text with {@link SECRET_REDACTED}: the value itself,
 * JSON-escaped, URL-encoded, in base64 and in hex, and for a URL also its query string, each query value,
 * its path, fragment and user name or password when they are at least
 * {@link MIN_PART_LENGTH} characters long (an API may echo part of a URL it refused). Values
 * shorter than {@link MIN_VALUE_LENGTH} characters are left alone: they would mangle every
 * message and carry no credential.
 *
 * Built once per operation; the candidates are computed on first use, so an operation that says
 * nothing pays nothing.
 */
export class SecretRedactor {
  readonly #values: readonly string[];
  #candidates: string[] | undefined;

  /** @param values The secret values: strings, numbers and the string leaves of objects and arrays. */
  constructor(values: readonly unknown[]) {
    const leaves: string[] = [];
    for (const v of values) collectLeaves(v, leaves);
    this.#values = leaves;
  }

  /** Whether there is anything to redact. */
  get empty(): boolean {
    return this.#values.length === 0;
  }

  /** `text` with every appearance of a secret value replaced by {@link SECRET_REDACTED}. */
  redact(text: string): string {
    if (this.#values.length === 0 || text === "") return text;
    this.#candidates ??= candidatesOf(this.#values);
    let out = text;
    for (const c of this.#candidates) if (out.includes(c)) out = out.split(c).join(SECRET_REDACTED);
    return out;
  }
}

/** A redactor that redacts nothing. */
export const NO_SECRETS = new SecretRedactor([]);

/** The redactor of the secret inputs named in `props.__secretInputs`, with their values in `props`. */
export function redactorFor(props: Record<string, unknown>, extra: readonly unknown[] = []): SecretRedactor {
  const names = secretInputsOf(props);
  if (names.size === 0 && extra.length === 0) return NO_SECRETS;
  return new SecretRedactor([...[...names].map((n) => props[n]), ...extra]);
}

/** Shortest secret value that is redacted, in characters. */
export const MIN_VALUE_LENGTH = 4;
/** Shortest part of a secret URL (query value, path…) that is redacted on its own, in characters. */
export const MIN_PART_LENGTH = 6;

function collectLeaves(value: unknown, out: string[], depth = 0): void {
  if (depth > 64) return;
  if (typeof value === "string") {
    if (value.length >= MIN_VALUE_LENGTH) out.push(value);
  } else if (typeof value === "number" || typeof value === "bigint") {
    const s = String(value);
    if (s.length >= MIN_VALUE_LENGTH) out.push(s);
  } else if (Array.isArray(value)) {
    for (const v of value) collectLeaves(v, out, depth + 1);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) collectLeaves(v, out, depth + 1);
  }
}

/**
 * Every form of every value worth redacting, longest first (so a whole URL goes before its parts).
 * Parts of a URL are matched as written and URL-encoded only: the other encodings of a value are
 * of the whole value, which keeps this small for a long secret request list (50,000 URLs: about
 * 500,000 strings, built in under a second, then about 10 ms a message).
 */
function candidatesOf(values: readonly string[]): string[] {
  // Arrays, not sets: a repeated form only costs one more `includes` per message.
  const byLength = new Map<number, string[]>();
  const add = (form: string) => {
    if (form.length < MIN_VALUE_LENGTH) return;
    const bucket = byLength.get(form.length);
    if (bucket) bucket.push(form);
    else byLength.set(form.length, [form]);
  };
  for (const value of values) {
    for (const form of encodings(value)) add(form);
    for (const part of urlParts(value)) {
      add(part);
      const encoded = uriEncoded(part);
      if (encoded !== undefined && encoded !== part) add(encoded);
    }
  }
  return [...byLength.keys()].sort((a, b) => b - a).flatMap((n) => byLength.get(n) ?? []);
}

/** The parts of a URL an API could echo on their own, each at least {@link MIN_PART_LENGTH} long. */
function urlParts(value: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value) || value.length < MIN_PART_LENGTH) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const parts = [url.search.slice(1), url.hash.slice(1), url.pathname, url.username, url.password];
  for (const v of url.searchParams.values()) parts.push(v);
  // as written, before the URL parser normalized it
  const query = value.indexOf("?");
  if (query >= 0) parts.push(value.slice(query + 1).split("#")[0] ?? "");
  return parts.filter((p) => p.length >= MIN_PART_LENGTH);
}

/** `s` as written, JSON-escaped, URL-encoded, in base64 and in hex. */
function encodings(s: string): string[] {
  const forms = [s];
  const json = JSON.stringify(s).slice(1, -1);
  if (json !== s) forms.push(json);
  const uri = uriEncoded(s);
  if (uri !== undefined && uri !== s) forms.push(uri);
  try {
    const loose = encodeURI(s);
    if (loose !== s && loose !== uri) forms.push(loose);
  } catch {
    // a lone surrogate: no API could have echoed it URL-encoded
  }
  const bytes = Buffer.from(s, "utf8");
  const base64 = bytes.toString("base64");
  forms.push(base64, bytes.toString("base64url"), bytes.toString("hex"));
  if (base64.endsWith("=")) forms.push(base64.replace(/=+$/, ""));
  return forms;
}

/** `s` URL-encoded as a query value, or undefined when it cannot be (a lone surrogate). */
function uriEncoded(s: string): string | undefined {
  try {
    return encodeURIComponent(s);
  } catch {
    return undefined;
  }
}

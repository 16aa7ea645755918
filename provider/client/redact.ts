/**
 * Redaction of credentials from text an API or a socket gave back: error bodies, headers, error
 * causes, validation messages.
 *
 * The rule: no run of {@link MIN_RUN} (8) or more consecutive characters of a secret survives, in any
 * encoding a server could echo it in: as is; JSON- or JavaScript-escaped (`\u0073`, `\/`, `\x73`);
 * percent-encoded (upper- or lower-case hex, UTF-8 sequences, `+` for a space); HTML character
 * references (`&#x73;`, `&#115;`, `&sol;`); any of those nested in another (up to
 * {@link MAX_DECODE_PASSES} layers); base64 or base64url at each of the three byte alignments; hex.
 * A run, not only the whole secret, because a server may cut a message anywhere (a 500-character
 * cut left 18 of 26 characters of a key once) or echo a part of it.
 *
 * How: the text is decoded layer by layer (each kind of escape apart, in every order), each decoded
 * character remembering the span of the original text it came from; every layer is searched for
 * any `MIN_RUN`-long window of the secret (and of its base64 and hex forms), and the original spans
 * of the hits are replaced by `[REDACTED]`. Redact before truncating: a cut made afterwards cannot
 * expose a run.
 */
import { decodeHTML } from "entities";

/** The shortest run of a secret's characters that is redacted (whole secrets shorter than this are redacted whole). */
export const MIN_RUN = 8;

/** Secrets shorter than this are not redacted at all: they would match ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/** How many layers of encoding are peeled off (a JSON-escaped, HTML-escaped, percent-encoded key is 3). */
export const MAX_DECODE_PASSES = 3;

/** What replaces each redacted span. */
export const REDACTED = "[REDACTED]";

/** A text and, for each of its UTF-16 units, the span `[start, end)` of the original text it came from. */
interface View {
  text: string;
  start: Int32Array;
  end: Int32Array;
}

/** One form of a secret searched for: windows of `run` characters of `pattern`, after `normalize`. */
interface Pattern {
  run: number;
  windows: Set<string>;
  normalize: (text: string) => string;
}

/** A function that redacts one fixed set of secrets; build it once with {@link createRedactor}. */
export type Redactor = (text: string) => string;

const asIs = (t: string): string => t;
// `+` is how form encoding writes a space: a space of the key may come back as `+` and vice versa.
const spaceAsPlus = (t: string): string => t.replace(/ /g, "+");
const base64Standard = (t: string): string => t.replace(/-/g, "+").replace(/_/g, "/");
const lower = (t: string): string => t.toLowerCase();

/**
 * Builds a redactor for `secrets`: it returns its input with every run of at least 8 characters of
 * any secret, in any of the encodings listed in this module's description, replaced by `[REDACTED]`.
 * Secrets shorter than 4 characters are ignored; one shorter than 8 is redacted whole.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const patterns: Pattern[] = [];
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    patterns.push(...patternsOf(secret));
  }
  if (patterns.length === 0) return asIs;
  return (text) => redactWith(text, patterns);
}

/** Redacts `secrets` from `text` (see {@link createRedactor}; build a redactor when redacting often). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  return createRedactor(secrets)(text);
}

/**
 * A copy of `value` with every string in it (object keys included) redacted; numbers, booleans and
 * null are kept. Cycles are cut (`[Circular]`).
 */
export function redactValue<T>(value: T, redactor: Redactor): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactor(v);
    if (typeof v !== "object" || v === null) return v;
    if (seen.has(v)) return "[Circular]";
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) out[redactor(k)] = walk(inner);
    return out;
  };
  return walk(value) as T;
}

/**
 * An error safe to keep as a `cause`: the same name and `code`, its message and stack redacted, and
 * its own cause made safe the same way (the original, which may hold an echoed key in its message,
 * is dropped). Non-errors become their redacted string.
 */
export function redactError(error: unknown, redactor: Redactor, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? redactor(error) : error;
  const copy = new Error(redactor(error.message));
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code: typeof code === "string" ? redactor(code) : code });
  copy.stack = error.stack === undefined ? undefined : redactor(error.stack);
  if (error.cause !== undefined && depth < 5) copy.cause = redactError(error.cause, redactor, depth + 1);
  return copy;
}

function patternsOf(secret: string): Pattern[] {
  const run = Math.min(MIN_RUN, secret.length);
  const bytes = Buffer.from(secret, "utf8");
  const out: Pattern[] = [windowsOf(spaceAsPlus(secret), run, spaceAsPlus)];
  // Bytes of a run of `run` characters; base64 of n bytes at any alignment fixes at least
  // floor((8n - 4) / 6) characters (10 for 8 bytes), whatever surrounds them.
  const runBytes = Math.min(Buffer.byteLength(secret.slice(0, run), "utf8"), bytes.length);
  const b64Run = Math.max(4, Math.floor((8 * runBytes - 4) / 6));
  for (let align = 0; align < 3; align++) {
    const b64 = Buffer.concat([Buffer.alloc(align), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    // Only the characters every encoding of the secret at this alignment shares: drop those that
    // also depend on the bytes before it (the first) or after it (the last, partial group).
    const core = b64.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6));
    if (core.length >= b64Run) out.push(windowsOf(core, b64Run, base64Standard));
  }
  out.push(windowsOf(bytes.toString("hex"), 2 * runBytes, lower));
  return out;
}

function windowsOf(pattern: string, run: number, normalize: (t: string) => string): Pattern {
  const windows = new Set<string>();
  for (let i = 0; i + run <= pattern.length; i++) windows.add(pattern.slice(i, i + run));
  return { run, windows, normalize };
}

function redactWith(text: string, patterns: Pattern[]): string {
  if (text.length === 0) return text;
  const spans: [number, number][] = [];
  // Each decoder peels one kind of escape; they are applied in every order, up to
  // MAX_DECODE_PASSES layers, because one pass reading all kinds at once misreads text that mixes
  // them (a raw `\` before an HTML reference would be taken for an escape of its `&`).
  const seen = new Set<string>([text]);
  let layer: View[] = [identityView(text)];
  for (let pass = 0; layer.length > 0; pass++) {
    for (const view of layer) for (const p of patterns) findRuns(view, p, spans);
    if (pass === MAX_DECODE_PASSES) break;
    const next: View[] = [];
    for (const view of layer) {
      for (const decode of DECODERS) {
        const decoded = decodeWith(view, decode);
        if (decoded !== undefined && !seen.has(decoded.text)) {
          seen.add(decoded.text);
          next.push(decoded);
        }
      }
    }
    layer = next;
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  let i = 0;
  while (i < spans.length) {
    let [s, e] = spans[i] as [number, number];
    // Overlapping or touching spans become one [REDACTED].
    while (i + 1 < spans.length && (spans[i + 1] as [number, number])[0] <= e) {
      e = Math.max(e, (spans[i + 1] as [number, number])[1]);
      i++;
    }
    s = Math.max(s, at);
    out += text.slice(at, s) + REDACTED;
    at = e;
    i++;
  }
  return out + text.slice(at);
}

function findRuns(view: View, p: Pattern, spans: [number, number][]): void {
  const t = p.normalize(view.text);
  if (t.length < p.run) return;
  for (let i = 0; i + p.run <= t.length; i++) {
    if (!p.windows.has(t.slice(i, i + p.run))) continue;
    spans.push([view.start[i] as number, view.end[i + p.run - 1] as number]);
  }
}

function identityView(text: string): View {
  const start = new Int32Array(text.length);
  const end = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    start[i] = i;
    end[i] = i + 1;
  }
  return { text, start, end };
}

const HEX = /^[0-9a-fA-F]+$/;
const ENTITY = /^&(#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)/;

/** One kind of escape: the token starting at `i`, or undefined when none starts there. */
type Decoder = (src: string, i: number) => Token | undefined;

/** Decodes a whole text once with `decode`, or returns undefined when it changes nothing. */
function decodeWith(view: View, decode: Decoder): View | undefined {
  const src = view.text;
  const starts: number[] = [];
  const ends: number[] = [];
  let text = "";
  let changed = false;
  let i = 0;
  while (i < src.length) {
    const token = decode(src, i);
    const length = token?.length ?? 1;
    const decoded = token?.decoded ?? (src[i] as string);
    const s = view.start[i] as number;
    const e = view.end[i + length - 1] as number;
    for (let k = 0; k < decoded.length; k++) {
      starts.push(s);
      ends.push(e);
    }
    if (token !== undefined && decoded !== src.slice(i, i + length)) changed = true;
    text += decoded;
    i += length;
  }
  if (!changed) return undefined;
  return { text, start: Int32Array.from(starts), end: Int32Array.from(ends) };
}

interface Token {
  decoded: string;
  length: number;
}

/** `\uXXXX`, `\u{X…}`, `\xXX`, and `\` before any other character (JSON's `\/`, `\"`, `\\`, a JS `\'`). */
function backslashEscape(src: string, i: number): Token | undefined {
  const next = src[i + 1];
  if (next === undefined) return undefined;
  if (next === "u") {
    const four = src.slice(i + 2, i + 6);
    if (four.length === 4 && HEX.test(four))
      return { decoded: String.fromCharCode(parseInt(four, 16)), length: 6 };
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(src.slice(i + 2, i + 11));
    const cp = braced ? parseInt(braced[1] as string, 16) : Number.NaN;
    if (braced && cp <= 0x10ffff) return { decoded: String.fromCodePoint(cp), length: 2 + braced[0].length };
  }
  if (next === "x") {
    const two = src.slice(i + 2, i + 4);
    if (two.length === 2 && HEX.test(two))
      return { decoded: String.fromCharCode(parseInt(two, 16)), length: 4 };
  }
  const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" };
  return { decoded: simple[next] ?? next, length: 2 };
}

/** `%XX`, and a whole UTF-8 sequence of them as one character; a byte that starts no valid sequence is taken as Latin-1. */
function percentEscape(src: string, i: number): Token | undefined {
  const byteAt = (k: number): number | undefined => {
    if (src[k] !== "%") return undefined;
    const two = src.slice(k + 1, k + 3);
    return two.length === 2 && HEX.test(two) ? parseInt(two, 16) : undefined;
  };
  const lead = byteAt(i);
  if (lead === undefined) return undefined;
  const count = lead < 0x80 ? 1 : lead >> 5 === 6 ? 2 : lead >> 4 === 14 ? 3 : lead >> 3 === 30 ? 4 : 1;
  if (count > 1) {
    const bytes = [lead];
    for (let k = 1; k < count; k++) {
      const b = byteAt(i + 3 * k);
      if (b === undefined || b >> 6 !== 2) break;
      bytes.push(b);
    }
    if (bytes.length === count) {
      const decoded = Buffer.from(bytes).toString("utf8");
      if (!decoded.includes("\ufffd")) return { decoded, length: 3 * count };
    }
  }
  return { decoded: String.fromCharCode(lead), length: 3 };
}

/** `&#115;`, `&#x73;` (the `;` optional, as browsers read them) and named references such as `&sol;`. */
function htmlReference(src: string, i: number): Token | undefined {
  const m = ENTITY.exec(src.slice(i, i + 40));
  if (!m) return undefined;
  const decoded = decodeHTML(m[0]);
  if (decoded === m[0]) return undefined;
  return { decoded, length: m[0].length };
}

/** JSON and JavaScript escapes; percent-encoding; HTML character references. */
const DECODERS: readonly Decoder[] = [
  (src, i) => (src[i] === "\\" ? backslashEscape(src, i) : undefined),
  (src, i) => (src[i] === "%" ? percentEscape(src, i) : undefined),
  (src, i) => (src[i] === "&" ? htmlReference(src, i) : undefined),
];

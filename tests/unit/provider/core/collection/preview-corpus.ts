/**
 * The inputs `check` is tried against at preview: bad ones, each with the property path and the
 * rule code its failure must have; good ones, which must pass (so no rule is broader than the
 * API's); and URLs that pass with a warning (ports the API may refuse). Used by
 * `preview-corpus.spec.ts`, which also compares every URL's verdict with the emulator's.
 */
import type { CheckCode } from "../../../../../provider/core/collection/check";
import {
  MAX_DEPTH,
  MAX_REQUEST_BYTES,
  MAX_REQUESTS_BYTES,
} from "../../../../../provider/core/rules/collection-rules";

/** A request every case has first, so that the bad one is at index 1. */
export const OK = { url: "https://example.com/ok" };

/** One bad input: what it is, the Collection args it changes, where it fails and why. */
export interface BadCase {
  what: string;
  args: Record<string, unknown>;
  path: string;
  code: CheckCode;
  /** The inputs last applied, for rules that compare (a callbackUrl change with adoptExisting). */
  olds?: Record<string, unknown>;
  /** Other paths that must fail too (the case has a second, deliberate problem). */
  alsoAt?: string[];
}

/** A bad request URL, as the second request. */
const url = (raw: string, code: CheckCode, what = JSON.stringify(raw)): BadCase => ({
  what: `url ${what}`,
  args: { requests: [OK, { url: raw }] },
  path: "requests[1].url",
  code,
});

/** A bad second request (the url is fine), failing at `requests[1]<suffix>`. */
const req = (what: string, extra: Record<string, unknown>, suffix: string, code: CheckCode): BadCase => ({
  what,
  args: { requests: [OK, { url: "https://example.com/x", ...extra }] },
  path: `requests[1]${suffix}`,
  code,
});

/** A chain of `{ d: … }` objects `levels` deep, ending in `{}`. */
export function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 1; i < levels; i++) {
    const next: Record<string, unknown> = {};
    at.d = next;
    at = next;
  }
  return root;
}

const cycle: Record<string, unknown> = { a: 1 };
cycle.self = cycle;
const holes: unknown[] = new Array(3);
holes[0] = 1;
holes[2] = 3;
class Point {
  x = 1;
}
// Just under the per-request bound, as JSON; 33 of them pass the bound one by one but not together.
const BIG = "x".repeat(MAX_REQUEST_BYTES - 200);
const bigList = Array.from({ length: Math.ceil(MAX_REQUESTS_BYTES / MAX_REQUEST_BYTES) + 1 }, (_, i) => ({
  url: `https://example.com/big/${i}`,
  note: BIG,
}));

/** The path `check` names for a value nested deeper than the bound under `requests[1].deep`. */
export const DEEP_PATH = `requests[1].deep${".d".repeat(MAX_DEPTH - 1)}`;

export const BAD: BadCase[] = [
  // Host names the API refuses, in every spelling the WHATWG parser normalises (blocked_hostname)
  url("http://localhost./", "blocked_hostname"),
  url("http://foo.localhost./", "blocked_hostname"),
  url("http://metadata.google.internal./", "blocked_hostname"),
  url("http://printer.local./", "blocked_hostname"),
  url("http://internal/", "blocked_hostname"),
  url("http://local/", "blocked_hostname"),
  url("http://localhost/", "blocked_hostname"),
  url("http://localhost:3000/", "blocked_hostname"),
  url("http://LOCALHOST/", "blocked_hostname"),
  url("http://LocalHost.:8080/", "blocked_hostname"),
  url("http://localhost../", "blocked_hostname"),
  url("http://.localhost/", "blocked_hostname"),
  url("http://api.localhost/", "blocked_hostname"),
  url("http://api.LOCALHOST/", "blocked_hostname"),
  url("http://\u24dbocalhost/", "blocked_hostname", "circled-letter localhost (IDNA)"),
  url(
    "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/",
    "blocked_hostname",
    "full-width localhost",
  ),
  url("http://localhost\u3002/", "blocked_hostname", "localhost with an ideographic full stop"),
  url("http://%6cocalhost/", "blocked_hostname", "percent-encoded localhost"),
  url("http://%6C%4F%63%61%6C%68%6F%73%74./", "blocked_hostname", "percent-encoded LOCALHOST."),
  url("http://printer.\uff4c\uff4f\uff43\uff41\uff4c/", "blocked_hostname", "printer.(full-width local)"),
  url("http://metadata/", "blocked_hostname"),
  url("http://metadata.google.internal/computeMetadata/v1/", "blocked_hostname"),
  url("http://db.internal/", "blocked_hostname"),
  url("http://a.b.c.internal./", "blocked_hostname"),
  url("http://INTERNAL./", "blocked_hostname"),
  url("https://user:pw@localhost/", "blocked_hostname"),
  url("http://xn--localhost-.local/", "blocked_hostname"),

  // IPv4 literals that are not public, in every spelling (private_ip)
  url("http://224.0.0.1/", "private_ip"),
  url("http://240.0.0.1/", "private_ip"),
  url("http://255.255.255.255/", "private_ip"),
  url("http://2130706433/", "private_ip"),
  url("http://0x7f.1/", "private_ip"),
  url("http://127.1/", "private_ip"),
  url("http://0177.0.0.1/", "private_ip"),
  url("http://0x7f000001/", "private_ip"),
  url("http://017700000001/", "private_ip"),
  url("http://127.0.0.1./", "private_ip"),
  url("http://0/", "private_ip"),
  url("http://0.0.0.0/", "private_ip"),
  url("http://0.1.2.3/", "private_ip"),
  url("http://10.0.0.1/", "private_ip"),
  url("http://10.255.255.255/", "private_ip"),
  url("http://172.16.0.1/", "private_ip"),
  url("http://172.31.255.255/", "private_ip"),
  url("http://192.168.0.1/", "private_ip"),
  url("http://100.64.0.1/", "private_ip"),
  url("http://100.127.255.254/", "private_ip"),
  url("http://169.254.169.254/latest/meta-data/", "private_ip"),
  url("http://169.254.0.1/", "private_ip"),
  url("http://127.255.255.254/", "private_ip"),
  url("http://192.0.0.1/", "private_ip"),
  url("http://192.0.2.1/", "private_ip"),
  url("http://198.51.100.1/", "private_ip"),
  url("http://203.0.113.1/", "private_ip"),
  url("http://198.18.0.1/", "private_ip"),
  url("http://198.19.255.255/", "private_ip"),
  url("http://239.255.255.250/", "private_ip"),
  url("http://250.1.2.3/", "private_ip"),
  url("http://192.88.99.1/", "private_ip"),
  url("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "private_ip", "full-width 127.0.0.1"),
  url("http://127.0.0.%31/", "private_ip"),
  url("http://10.1/", "private_ip"),
  url("http://192.168.257/", "private_ip"),
  url("http://3232235777/", "private_ip"),
  url("http://0xa9fea9fe/", "private_ip"),
  url("http://0xA9.0xFE.0xA9.0xFE/", "private_ip"),
  url("https://user@10.0.0.1:8443/", "private_ip"),

  // IPv6 literals that are not public, embedded IPv4 included (private_ip)
  url("http://[::127.0.0.1]/", "private_ip"),
  url("http://[64:ff9b::127.0.0.1]/", "private_ip"),
  url("http://[64:ff9b::a9fe:a9fe]/", "private_ip"),
  url("http://[ff02::1]/", "private_ip"),
  url("http://[::1]/", "private_ip"),
  url("http://[::]/", "private_ip"),
  url("http://[0:0:0:0:0:0:0:1]/", "private_ip"),
  url("http://[fe80::1]/", "private_ip"),
  url("http://[febf::1]/", "private_ip"),
  url("http://[fc00::1]/", "private_ip"),
  url("http://[fd00:ec2::254]/", "private_ip"),
  url("http://[FD12:3456::1]/", "private_ip"),
  url("http://[fec0::1]/", "private_ip"),
  url("http://[ff05::2]/", "private_ip"),
  url("http://[::ffff:127.0.0.1]/", "private_ip"),
  url("http://[::ffff:7f00:1]/", "private_ip"),
  url("http://[::ffff:10.1.2.3]/", "private_ip"),
  url("http://[::ffff:169.254.169.254]/", "private_ip"),
  url("http://[::ffff:0:10.0.0.1]/", "private_ip"),
  url("http://[64:ff9b::10.0.0.1]/", "private_ip"),
  url("http://[64:ff9b:1::8.8.8.8]/", "private_ip"),
  url("http://[2002:7f00:1::]/", "private_ip"),
  url("http://[2002:c0a8:101::1]/", "private_ip"),
  url("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "private_ip", "Teredo with a loopback client"),
  url("http://[2001:0:a00:1::1]/", "private_ip", "Teredo with a private server"),
  url("http://[2001:db8::1]/", "private_ip"),
  url("http://[3fff::1]/", "private_ip"),
  url("http://[100::1]/", "private_ip"),
  url("http://[2001:2::1]/", "private_ip"),
  url("http://[::8.8.8.8]/", "private_ip"),
  url("http://[5f00::1]/", "private_ip"),
  url("http://[2001:10::1]/", "private_ip"),
  url("http://[::2]/", "private_ip"),
  url("http://[4000::1]/", "private_ip"),
  url("http://[fe80::a9fe:a9fe]:8080/", "private_ip"),

  // ports: 0 is refused everywhere (invalid_port)
  url("http://example.com:0/", "invalid_port"),
  url("https://[2606:4700:4700::1111]:0/", "invalid_port"),
  url("https://8.8.8.8:00/", "invalid_port"),

  // the raw string: what parsers forgive or read differently (malformed_url)
  url("\u0001https://example.com/", "malformed_url"),
  url("https://example.com/\u0001", "malformed_url"),
  url("https://exa\tmple.com/", "malformed_url"),
  url("https://example.com/a\nb", "malformed_url"),
  url("https://example.com/\r\n", "malformed_url"),
  url(" https://example.com/", "malformed_url"),
  url("https://example.com/ ", "malformed_url"),
  url("https://example.com/a b", "malformed_url"),
  url("https://example.com/\u00a0", "malformed_url"),
  url("https://example.com/\u2028", "malformed_url"),
  url("\ufeffhttps://example.com/", "malformed_url"),
  url("https://local\u200bhost/", "malformed_url"),
  url("https://example.com/\u202e", "malformed_url"),
  url("https://example.com/\u007f", "malformed_url"),
  url("https://example.com/\u0085", "malformed_url"),
  url("https://example.com/\u0000", "malformed_url"),
  url("https://example.com/\ud800", "malformed_url"),
  url("https://example.com/\udc00x", "malformed_url"),
  url("http://evil.example\\@127.0.0.1/", "malformed_url"),
  url("https://example.com\\path", "malformed_url"),
  url("https://example.com/\u3000", "malformed_url"),
  url("https://example.com/\u00ad", "malformed_url"),

  // scheme and syntax (malformed_url, invalid_protocol)
  url("example.com/cb?token=SECRET-TOKEN-789", "malformed_url"),
  url("www.example.com", "malformed_url"),
  url("//example.com/x", "malformed_url"),
  url("localhost:8080", "malformed_url"),
  url("www.example.com:80/x", "malformed_url"),
  url("http:example.com", "malformed_url"),
  url("http:/example.com", "malformed_url"),
  url("http:///example.com", "malformed_url"),
  url("https:\\\\example.com", "malformed_url"),
  url("https://", "malformed_url"),
  url("http://[::1/", "malformed_url"),
  url("http://example.com:99999/", "malformed_url"),
  url("http://1.2.3.4.5/", "malformed_url"),
  url("http://999.1.1.1/", "malformed_url"),
  url("http://[fe80::1%25eth0]/", "malformed_url"),
  url("", "malformed_url"),
  url("http://local%00host/", "malformed_url"),
  url("http://./", "malformed_url"),
  url("ftp://example.com/file", "invalid_protocol"),
  url("file:///etc/passwd", "invalid_protocol"),
  url("gopher://example.com/", "invalid_protocol"),
  url("javascript:alert(1)", "invalid_protocol"),
  url("mailto:a@example.com", "invalid_protocol"),
  url("ws://example.com/", "invalid_protocol"),
  url("wss://example.com/", "invalid_protocol"),
  url("data:text/html,hi", "invalid_protocol"),
  url("HTTPX://example.com/", "invalid_protocol"),

  // shapes and types of a request
  req("url a number", { url: 42 }, ".url", "invalid_type"),
  req("url NaN", { url: Number.NaN }, ".url", "invalid_type"),
  req("url null", { url: null }, ".url", "required"),
  req("url missing", { url: undefined, browser: true }, ".url", "required"),
  req("custom_id of 256", { custom_id: "c".repeat(256) }, ".custom_id", "too_long"),
  req("custom_id a number", { custom_id: 42 }, ".custom_id", "invalid_type"),
  req("browser a string", { browser: "yes" }, ".browser", "invalid_type"),
  req("browser NaN", { browser: Number.NaN }, ".browser", "invalid_type"),
  req("screenshot a number", { screenshot: 1 }, ".screenshot", "invalid_type"),
  req("use_proxy a boolean", { use_proxy: true }, ".use_proxy", "invalid_type"),
  req("actions an object", { actions: { type: "wait" } }, ".actions", "invalid_type"),
  req("action without type", { actions: [{ time: 5 }] }, ".actions[0].type", "required"),
  req("action with an empty type", { actions: [{ type: "" }] }, ".actions[0].type", "required"),
  req("action a string", { actions: ["wait"] }, ".actions[0]", "invalid_type"),
  {
    what: "request a string",
    args: { requests: [OK, "https://example.com/x"] },
    path: "requests[1]",
    code: "invalid_type",
  },
  { what: "request null", args: { requests: [OK, null] }, path: "requests[1]", code: "required" },
  { what: "request a list", args: { requests: [OK, []] }, path: "requests[1]", code: "invalid_type" },
  { what: "request Infinity", args: { requests: [OK, Infinity] }, path: "requests[1]", code: "invalid_type" },
  { what: "requests a string", args: { requests: "x" }, path: "requests", code: "invalid_type" },
  { what: "requests an object", args: { requests: {} }, path: "requests", code: "invalid_type" },
  { what: "requests missing", args: { requests: undefined }, path: "requests", code: "required" },

  // values JSON cannot carry, in known and passed-through fields, at any depth
  req(
    "action time NaN",
    { actions: [{ type: "wait-for-timeout", time: Number.NaN }] },
    ".actions[0].time",
    "not_finite",
  ),
  req(
    "action time Infinity",
    { actions: [{ type: "wait-for-timeout", time: Infinity }] },
    ".actions[0].time",
    "not_finite",
  ),
  req(
    "action time -Infinity",
    { actions: [{ type: "wait-for-timeout", time: -Infinity }] },
    ".actions[0].time",
    "not_finite",
  ),
  req(
    "second action's time NaN",
    {
      actions: [
        { type: "wait-for-timeout", time: 1 },
        { type: "wait-for-timeout", time: Number.NaN },
      ],
    },
    ".actions[1].time",
    "not_finite",
  ),
  req("unknown field NaN", { wait_ms: Number.NaN }, ".wait_ms", "not_finite"),
  req("unknown field Infinity", { wait_ms: Infinity }, ".wait_ms", "not_finite"),
  req("unknown field -Infinity", { wait_ms: -Infinity }, ".wait_ms", "not_finite"),
  req("nested Infinity", { extra: { a: { b: [1, Infinity] } } }, ".extra.a.b[1]", "not_finite"),
  req("NaN under a key that needs quoting", { "wait ms": Number.NaN }, '["wait ms"]', "not_finite"),
  req(
    "NaN in an unknown action field",
    { actions: [{ type: "x", opts: { t: Number.NaN } }] },
    ".actions[0].opts.t",
    "not_finite",
  ),
  req("undefined in a list", { extra: [1, undefined] }, ".extra[1]", "not_json"),
  req("hole in a sparse list", { extra: holes }, ".extra[1]", "not_json"),
  req("function", { extra: () => 1 }, ".extra", "not_json"),
  req("symbol", { extra: Symbol("s") }, ".extra", "not_json"),
  req("bigint", { extra: 1n }, ".extra", "not_json"),
  req("Date", { extra: new Date(0) }, ".extra", "not_json"),
  req("Map", { extra: new Map([["a", 1]]) }, ".extra", "not_json"),
  req("Set in a list", { extra: [new Set([1])] }, ".extra[0]", "not_json"),
  req("class instance", { extra: new Point() }, ".extra", "not_json"),
  req("RegExp", { extra: /x/ }, ".extra", "not_json"),
  req("cycle", { loop: cycle }, ".loop.self", "not_json"),
  req("lone surrogate in a string", { note: "a\ud800b" }, ".note", "invalid_unicode"),
  req("lone surrogate in custom_id", { custom_id: "id\udfff" }, ".custom_id", "invalid_unicode"),
  req("lone surrogate in a field name", { ["k\ud800"]: 1 }, '["k\\ud800"]', "invalid_unicode"),
  req("12,000 levels deep", { deep: nested(12_000) }, DEEP_PATH.slice("requests[1]".length), "too_deep"),
  req("one level too deep", { deep: nested(MAX_DEPTH) }, DEEP_PATH.slice("requests[1]".length), "too_deep"),
  req(
    "deep lists",
    { deep: JSON.parse(`${"[".repeat(200)}${"]".repeat(200)}`) },
    `.deep${"[0]".repeat(MAX_DEPTH - 1)}`,
    "too_deep",
  ),
  req("request over 1 MiB", { note: "x".repeat(MAX_REQUEST_BYTES) }, "", "too_large"),
  {
    what: "URL over 1 MiB",
    args: { requests: [OK, { url: `https://example.com/?q=${"a".repeat(MAX_REQUEST_BYTES)}` }] },
    path: "requests[1]",
    code: "too_large",
  },
  { what: "request list over 32 MiB", args: { requests: bigList }, path: "requests", code: "too_large" },

  // duplicates by (url, custom_id)
  {
    what: "same url, no custom_id",
    args: { requests: [OK, { url: "https://example.com/ok" }] },
    path: "requests[1]",
    code: "duplicate_request",
  },
  {
    what: "same url and custom_id",
    args: {
      requests: [
        { url: "https://e.example/a", custom_id: "a" },
        { url: "https://e.example/a", custom_id: "a" },
      ],
    },
    path: "requests[1]",
    code: "duplicate_request",
  },
  {
    what: 'same url, custom_id "" twice',
    args: {
      requests: [
        { url: "https://e.example/a", custom_id: "" },
        { url: "https://e.example/a", custom_id: "" },
      ],
    },
    path: "requests[1]",
    code: "duplicate_request",
  },
  {
    what: "same url and custom_id with a NUL inside",
    args: {
      requests: [
        { url: "https://e.example/a", custom_id: "y\u0000z" },
        { url: "https://e.example/a", custom_id: "y\u0000z" },
      ],
    },
    path: "requests[1]",
    code: "duplicate_request",
  },
  {
    what: "a duplicate after a bad request",
    args: { requests: [OK, { url: 42 }, { url: "https://example.com/ok" }] },
    path: "requests[2]",
    code: "duplicate_request",
    alsoAt: ["requests[1].url"],
  },
  {
    what: "NUL in the url next to NUL in the custom_id (no false duplicate)",
    args: {
      requests: [
        { url: "https://a.example/x\u0000y", custom_id: "z" },
        { url: "https://a.example/x", custom_id: "y\u0000z" },
      ],
    },
    path: "requests[0].url",
    code: "malformed_url",
  },

  // name
  { what: "empty name", args: { name: "" }, path: "name", code: "empty" },
  { what: "blank name", args: { name: " \t" }, path: "name", code: "empty" },
  { what: "name of 256", args: { name: "n".repeat(256) }, path: "name", code: "too_long" },
  { what: "name a number", args: { name: 42 }, path: "name", code: "invalid_type" },
  { what: "name NaN", args: { name: Number.NaN }, path: "name", code: "invalid_type" },
  { what: "name an object", args: { name: nested(12_000) }, path: "name", code: "invalid_type" },

  // callbackUrl
  {
    what: "callbackUrl without scheme",
    args: { callbackUrl: "hooks.example/x" },
    path: "callbackUrl",
    code: "malformed_url",
  },
  {
    what: "callbackUrl ftp",
    args: { callbackUrl: "ftp://h.example/" },
    path: "callbackUrl",
    code: "invalid_protocol",
  },
  {
    what: "callbackUrl javascript",
    args: { callbackUrl: "javascript:alert(1)" },
    path: "callbackUrl",
    code: "invalid_protocol",
  },
  {
    what: "callbackUrl with \\u0001",
    args: { callbackUrl: "\u0001https://hooks.example/" },
    path: "callbackUrl",
    code: "malformed_url",
  },
  {
    what: "callbackUrl with a space",
    args: { callbackUrl: "https://hooks.example/a b" },
    path: "callbackUrl",
    code: "malformed_url",
  },
  {
    what: "callbackUrl http:host",
    args: { callbackUrl: "http:hooks.example" },
    path: "callbackUrl",
    code: "malformed_url",
  },
  {
    what: "callbackUrl without host",
    args: { callbackUrl: "https://" },
    path: "callbackUrl",
    code: "malformed_url",
  },
  { what: "callbackUrl a number", args: { callbackUrl: 42 }, path: "callbackUrl", code: "invalid_type" },
  {
    what: "callbackUrl 12,000 deep",
    args: { callbackUrl: nested(12_000) },
    path: "callbackUrl",
    code: "invalid_type",
  },

  // the resource's own properties
  { what: "unknown property", args: { colour: "red" }, path: "colour", code: "unknown_property" },
  {
    what: "callback_url",
    args: { callback_url: "https://h.example/" },
    path: "callback_url",
    code: "unknown_property",
  },
  {
    what: "unknown property needing quotes",
    args: { "my prop": 1 },
    path: '["my prop"]',
    code: "unknown_property",
  },
  {
    what: "adoptExisting a string",
    args: { adoptExisting: "yes" },
    path: "adoptExisting",
    code: "invalid_type",
  },
  { what: "adoptId empty", args: { adoptId: " " }, path: "adoptId", code: "empty" },
  { what: "adoptId a number", args: { adoptId: 5 }, path: "adoptId", code: "invalid_type" },
  { what: "scope a number", args: { __scope: 3 }, path: "__scope", code: "invalid_type" },
  { what: "no URN", args: { __urn: undefined }, path: "__urn", code: "required" },
  {
    what: "replaceOnChanges path",
    args: { __replaceOnChanges: ["requests", "requests[x"] },
    path: "replaceOnChanges[1]",
    code: "invalid_path",
  },
  {
    what: "callbackUrl change with adoptExisting",
    args: { adoptExisting: true, callbackUrl: "https://hooks.example/b" },
    olds: { __urn: "x", name: "corpus", adoptExisting: true, callbackUrl: "https://hooks.example/a" },
    path: "callbackUrl",
    code: "conflict",
  },
];

/** Request URLs the API takes, in shapes close to the bad ones: public addresses, IDN, web ports. */
export const GOOD_URLS: string[] = [
  "https://example.com/",
  "http://example.com/a?b=1#frag",
  "HTTPS://EXAMPLE.COM/",
  "hTtP://example.com/",
  "https://example.com./",
  "https://example.com/a%20b?x=%00",
  "https://example.com/\u00fc?q=\u65e5\u672c",
  "https://example.com/?emoji=\ud83d\ude00",
  "https://user:pass@example.com/",
  "https://b\u00fccher.example/",
  "https://xn--bcher-kva.example/",
  "https://\u4f8b\u3048.\u30c6\u30b9\u30c8/",
  "https://m\u00fcnchen.de/stra\u00dfe",
  "https://localhost.example.com/",
  "https://example.localhost.com/",
  "https://internal.example.com/",
  "https://local.example/",
  "https://metadata.example.com/",
  "https://printer.localdomain/",
  "https://mylocal/",
  "https://8.8.8.8/",
  "http://1.1.1.1/",
  "http://8.8.8.8./",
  "https://172.32.0.1/",
  "https://172.15.255.255/",
  "https://100.128.0.1/",
  "https://100.63.255.255/",
  "https://192.169.0.1/",
  "https://11.0.0.1/",
  "https://126.255.255.255/",
  "https://128.0.0.1/",
  "https://169.255.0.1/",
  "https://223.255.255.254/",
  "https://192.31.196.1/",
  "https://192.52.193.1/",
  "https://192.175.48.1/",
  "https://134744072/",
  "https://[2606:4700:4700::1111]/",
  "https://[2001:4860:4860::8888]/",
  "https://[2606:4700:4700::1111]:443/",
  "https://[::ffff:8.8.8.8]/",
  "https://[64:ff9b::808:808]/",
  "https://[2002:808:808::1]/",
  "https://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/",
  "https://[2001:3::1]/",
  "https://[2620:4f:8000::1]/",
  "http://example.com:80/",
  "https://example.com:443/",
  "http://example.com:443/",
  "https://example.com:8080/",
  "https://example.com:8443/",
  "http://example.com:0080/",
  `https://example.com/${"p".repeat(8_000)}`,
  `https://example.com/?q=${"a".repeat(100_000)}`,
];

/** Other inputs the API takes: long but valid values, every known field, odd but JSON-clean values. */
export const GOOD_ARGS: { what: string; args: Record<string, unknown> }[] = [
  {
    what: "custom_id of 255",
    args: { requests: [{ url: "https://e.example/", custom_id: "c".repeat(255) }] },
  },
  { what: "name of 255", args: { name: "n".repeat(255), requests: [OK] } },
  { what: "empty list", args: { requests: [] } },
  {
    what: "every known field",
    args: {
      requests: [
        {
          url: "https://e.example/",
          custom_id: "a",
          browser: true,
          screenshot: false,
          use_proxy: "any",
          actions: [
            { type: "wait-for-timeout", time: 5000 },
            { type: "future-action", x: [1, { y: null }] },
          ],
        },
      ],
    },
  },
  {
    what: "nested exactly to the bound",
    args: { requests: [{ url: "https://e.example/", deep: nested(MAX_DEPTH - 1) }] },
  },
  {
    what: "-0, 1e308 and tiny numbers",
    args: { requests: [{ url: "https://e.example/", a: -0, b: 1e308, c: 5e-324 }] },
  },
  {
    what: "null and empty values",
    args: { requests: [{ url: "https://e.example/", a: null, b: "", c: [], d: {} }] },
  },
  {
    what: "an undefined member (a field not given)",
    args: { requests: [{ url: "https://e.example/", extra: undefined }] },
  },
  { what: "a request of almost 1 MiB", args: { requests: [{ url: "https://e.example/", note: BIG }] } },
  {
    what: "Object.create(null)",
    args: { requests: [Object.assign(Object.create(null), { url: "https://e.example/" })] },
  },
  {
    what: "same url, different custom_ids (and none)",
    args: {
      requests: [
        { url: "https://e.example/a", custom_id: "en" },
        { url: "https://e.example/a", custom_id: "es" },
        { url: "https://e.example/a" },
        { url: "https://e.example/a", custom_id: "" },
      ],
    },
  },
  {
    what: "urls differing only in case or a trailing slash",
    args: {
      requests: [
        { url: "https://e.example/A" },
        { url: "https://e.example/a" },
        { url: "https://e.example/a/" },
      ],
    },
  },
  {
    what: "a callbackUrl on loopback (webhook receivers; the API's rule is undocumented)",
    args: { callbackUrl: "http://127.0.0.1:9/hook", requests: [OK] },
  },
  { what: "an explicit empty replaceOnChanges", args: { __replaceOnChanges: [], requests: [OK] } },
];

/** URLs that pass `check` with a warning: a port the API may refuse (the emulator does). */
export const WARNED_URLS: string[] = [
  "http://example.com:22/",
  "http://example.com:6379/",
  "https://example.com:8000/",
  "https://example.com:65535/",
  "http://example.com:1/",
  "https://8.8.8.8:25/",
  "https://[2606:4700:4700::1111]:3306/",
];

/**
 * The URL rules of a scrape request: what the API's SSRF protection refuses (API notes §2.1.3) and
 * can be decided without DNS. `check` applies them at preview, and the emulator's SSRF checks
 * (`emulator/ssrf.ts`) are built on the same {@link analyzeRequestUrl}, so the two agree by
 * construction; the emulator only adds what needs DNS (its host map) and its guess at the API's
 * port rule. Pure.
 *
 * - **The raw string.** The API receives the string as written, and parsers disagree about
 *   characters the WHATWG parser forgives: it strips leading controls and spaces, drops tabs and
 *   newlines anywhere, reads `\` as `/`, and accepts `http:host` and `http:///host`. So control,
 *   whitespace and invisible characters, lone UTF-16 surrogates and backslashes anywhere fail, and
 *   the URL must start with `http://` or `https://` followed by the host.
 * - **The host** is judged as the WHATWG parser normalises it (lower case, IDNA and full-width
 *   forms mapped, percent-decoding, IPv4 in decimal/octal/hex/short forms as a dotted quad),
 *   without trailing dots.
 * - **IP literals** are classified by `ipaddr.js` (the IANA special-purpose registries); the public
 *   ones are its `unicast` ranges (IPv6: in 2000::/3, the global unicast space) and the ranges IANA
 *   marks globally reachable (AS112, AMT, ORCHIDv2, DRIP). IPv6 forms that carry an IPv4 address
 *   (IPv4-mapped and -translated, NAT64 64:ff9b::/96, 6to4, Teredo) are judged by that address.
 * - **Ports.** The API has an `invalid_port` reason but does not say which ports it refuses. Port 0
 *   is refused (nothing can listen on it). Other ports outside {@link WEB_PORTS} only warn: refusing
 *   at preview a port the API may take would leave no way to deploy, while a refusal at `up` is
 *   recoverable (the collection is saved with the other URLs; fix the URL and `up` again).
 * - **User info** (`https://user:pass@host/`) passes: neither the API's documentation nor the
 *   emulator refuses it, and with backslashes refused the WHATWG parser and Python's `urllib`
 *   both take the host after the last `@`. It is a credential in the state like the rest of `requests`: mark `requests` secret.
 * - **Callback URLs** get the raw-string and scheme rules ({@link parseWebUrl}) but not the host
 *   rules: whether the API applies SSRF checks to `callback_url` is not documented (API notes §6),
 *   and the emulator does not (tests receive webhooks on loopback).
 *
 * Messages name the problem, never the URL or a part of it: a URL may carry a token.
 */
import * as ipaddr from "ipaddr.js";

/** The API's reason codes (`blocked_urls[].reason`) that can be decided without DNS. */
export type UrlReason =
  | "invalid_protocol"
  | "malformed_url"
  | "private_ip"
  | "blocked_hostname"
  | "invalid_port";

/** Why a URL would be refused, with the API's reason code. */
export interface UrlProblem {
  /** The API's reason code for a blocked URL (its `blocked_urls[].reason`). */
  reason: UrlReason;
  /** What is wrong, as a phrase that follows the property path, e.g. `must use http or https`; never the URL. */
  message: string;
}

/**
 * Ports every web server and the emulator take. Others pass `check` with a warning: the API's port
 * rule is not documented (API notes §2.1.3, §7), and the emulator refuses them (its guess).
 */
export const WEB_PORTS: readonly string[] = ["80", "443", "8080", "8443"];

/** Host names the API refuses by name (`blocked_hostname`), after lower-casing and trailing dots. */
export const BLOCKED_HOST_NAMES: readonly string[] = ["localhost", "local", "internal", "metadata"];
/** Suffixes of host names the API refuses (`*.localhost`, `*.local`, `*.internal`, e.g. `metadata.google.internal`). */
export const BLOCKED_HOST_SUFFIXES: readonly string[] = [".localhost", ".local", ".internal"];

/** What {@link analyzeRequestUrl} found: a problem, or the normalised host and port to judge further. */
export type UrlAnalysis = UrlRefused | UrlAccepted;

/** A URL a rule refuses. */
export interface UrlRefused {
  /** The rule it breaks. */
  problem: UrlProblem;
}

/** An http(s) URL of clean syntax, parsed. */
export interface UrlParsed {
  /** The URL as the WHATWG parser reads it. */
  url: URL;
}

/** A URL no rule refuses, with what is left to judge (DNS, the port). */
export interface UrlAccepted {
  /** Absent: no rule refuses it. */
  problem?: undefined;
  /** The host as the WHATWG parser normalises it, without trailing dots; IPv6 in brackets. */
  host: string;
  /** The explicit port (`""` when absent or the scheme's default). */
  port: string;
  /** Whether the host is an IP literal (then it is public: a non-public one is a problem). */
  isIp: boolean;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// `host:port` with no scheme parses as scheme "host" under WHATWG rules; it is really scheme-less.
const HOST_PORT = /^[^/:?#]+:\d+(?:[/?#]|$)/;
const WEB_SCHEME = /^https?:\/\/[^/\\]/i;

/**
 * Problems of the raw string that a URL parser would silently repair or read in its own way:
 * controls (C0, DEL, C1), whitespace and separators, invisible format characters (zero-width
 * space, BOM, bidi overrides), lone surrogates and backslashes. Undefined when there is none.
 */
export function rawUrlProblem(raw: string): UrlProblem | undefined {
  const bad = (message: string): UrlProblem => ({ reason: "malformed_url", message });
  if (raw.length === 0) return bad("is empty");
  if (/\p{Cs}/u.test(raw)) return bad("contains an unpaired UTF-16 surrogate, which is not valid Unicode");
  if (/\p{Cc}/u.test(raw)) return bad("contains a control character; remove it or percent-encode it");
  if (/[\s\p{Z}]/u.test(raw)) return bad("contains whitespace; remove it or percent-encode it as %20");
  if (/\p{Cf}/u.test(raw)) {
    return bad("contains an invisible formatting character (e.g. a zero-width space); remove it");
  }
  if (raw.includes("\\")) {
    return bad("contains a backslash, which URL parsers read differently; use / or percent-encode it as %5C");
  }
  return undefined;
}

/**
 * The syntax every http(s) URL of a collection needs (request URLs and `callbackUrl`): a clean raw
 * string, an explicit `http://` or `https://` followed by the host, parseable. Returns the parsed
 * URL (`{ url }`, the WHATWG `URL`), or the problem (`{ problem }`).
 */
export function parseWebUrl(raw: string): UrlParsed | UrlRefused {
  const rawProblem = rawUrlProblem(raw);
  if (rawProblem) return { problem: rawProblem };
  const scheme = SCHEME.exec(raw)?.[1];
  // A dotted "scheme" (`www.example.com:80/x`) is a scheme-less URL, not an exotic protocol.
  if (scheme === undefined || scheme.includes(".") || HOST_PORT.test(raw)) {
    return { problem: { reason: "malformed_url", message: "has no scheme; add https:// or http://" } };
  }
  const lower = scheme.toLowerCase();
  if (lower !== "http" && lower !== "https") {
    return { problem: { reason: "invalid_protocol", message: "must use http or https" } };
  }
  if (!WEB_SCHEME.test(raw)) {
    return {
      problem: {
        reason: "malformed_url",
        message: `must start with ${lower}:// followed by the host (two slashes)`,
      },
    };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: { reason: "malformed_url", message: "is not a valid URL" } };
  }
  if (url.hostname === "") return { problem: { reason: "malformed_url", message: "has no host" } };
  return { url };
}

/**
 * Applies every rule that needs no DNS to one request URL. The emulator's SSRF checks start here
 * too; what is left for it to judge is the host's DNS answer and the port.
 */
export function analyzeRequestUrl(raw: string): UrlAnalysis {
  const parsed = parseWebUrl(raw);
  if ("problem" in parsed) return { problem: parsed.problem };
  const { url } = parsed;
  const host = url.hostname.replace(/\.+$/, "");
  if (host === "") return { problem: { reason: "malformed_url", message: "has no host" } };
  const isIp = host.startsWith("[") || ipaddr.IPv4.isValidFourPartDecimal(host);
  if (isIp) {
    const ip = classifyIp(host.startsWith("[") ? host.slice(1, -1) : host);
    if (!ip.public) {
      const where = ip.embeddedIn ? ` (inside ${ip.embeddedIn})` : "";
      return {
        problem: {
          reason: "private_ip",
          message: `points at ${article(ip.kind)} ${ip.kind} address${where}, which the API refuses`,
        },
      };
    }
  } else if (BLOCKED_HOST_NAMES.includes(host) || BLOCKED_HOST_SUFFIXES.some((s) => host.endsWith(s))) {
    return {
      problem: {
        reason: "blocked_hostname",
        message:
          "names a local or internal host (localhost, *.local, *.internal, metadata), which the API refuses",
      },
    };
  }
  if (url.port === "0") {
    return { problem: { reason: "invalid_port", message: "uses port 0, on which no server can listen" } };
  }
  return { host, port: url.port, isIp };
}

/** Checks one request URL; returns undefined when nothing is wrong that can be seen without DNS. */
export function checkRequestUrl(raw: string): UrlProblem | undefined {
  return analyzeRequestUrl(raw).problem;
}

/**
 * A warning for a request URL the API may refuse but does not say it does: a port outside
 * {@link WEB_PORTS}. Undefined when there is nothing to say (or the URL fails a rule).
 */
export function requestUrlWarning(raw: string): string | undefined {
  const a = analyzeRequestUrl(raw);
  if (a.problem || a.port === "" || WEB_PORTS.includes(a.port)) return undefined;
  return (
    `has a port other than ${WEB_PORTS.join(", ")}: the API refuses some ports (invalid_port) and does ` +
    "not document which, so it may refuse this URL at `pulumi up` (the collection is then saved without it)"
  );
}

/**
 * The API's identity of a request for de-duplication: the pair `(url, custom_id)` (API notes
 * §2.1.2), as JSON, so that no url and custom_id can run together into another pair's key. A
 * missing `custom_id` is `null`, unlike `""`.
 */
export function requestKey(url: string, customId: string | null | undefined): string {
  return JSON.stringify([url, customId ?? null]);
}

/** How an IP address is classified: public or not, and what kind of address it is. */
export interface IpClass {
  /** Whether the API would fetch it: a publicly routable address. */
  public: boolean;
  /** `public`, or the kind of non-public address: `loopback`, `private`, `link-local`, `multicast`, … */
  kind: string;
  /** For an IPv6 form that carries an IPv4 address (`IPv4-mapped`, `NAT64`, `6to4`, `Teredo`), which one. */
  embeddedIn?: string;
}

/** Addresses of cloud metadata services: named in messages, since they are the usual SSRF target. */
const METADATA = [ipaddr.parse("169.254.169.254"), ipaddr.parse("fd00:ec2::254")];

const IPV4_KINDS: Readonly<Record<string, string>> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT",
  private: "private",
  reserved: "reserved or documentation",
};
const IPV6_KINDS: Readonly<Record<string, string>> = {
  unspecified: "unspecified",
  linkLocal: "link-local",
  multicast: "multicast",
  loopback: "loopback",
  uniqueLocal: "unique-local",
  deprecatedSiteLocal: "site-local",
  discard: "discard-only",
  benchmarking: "benchmarking",
  reserved: "reserved or documentation",
  deprecatedOrchid: "reserved or documentation",
  segmentRouting: "segment-routing",
};
/** ipaddr.js ranges IANA marks globally reachable (the rest of its special ranges are not). */
const GLOBAL_RANGES = new Set([
  "unicast",
  "as112",
  "amt",
  "as112v6",
  "orchid2",
  "droneRemoteIdProtocolEntityTags",
]);

/**
 * Classifies a literal IPv4 or IPv6 address (IPv6 without brackets) by the IANA special-purpose
 * registries, as `ipaddr.js` knows them. An unparseable address is not public.
 * @example classifyIp("169.254.169.254") // { public: false, kind: "cloud metadata" }
 * @example classifyIp("::ffff:10.0.0.1") // { public: false, kind: "private", embeddedIn: "an IPv4-mapped IPv6 address" }
 */
export function classifyIp(text: string): IpClass {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // IPv6 through the WHATWG parser first: ipaddr.js reads the deprecated `::a.b.c.d` as the
    // IPv4-mapped `::ffff:a.b.c.d`, a different address; the URL parser keeps it as `::xxxx:xxxx`.
    ip = ipaddr.parse(text.includes(":") ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text);
  } catch {
    return { public: false, kind: "unparseable" };
  }
  if (METADATA.some((m) => m.kind() === ip.kind() && m.toString() === ip.toString())) {
    return { public: false, kind: "cloud metadata" };
  }
  if (ip.kind() === "ipv4") return classifyV4(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  const p = v6.parts;
  const range: string = v6.range();
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  const embedded = (addr: ipaddr.IPv4, form: string): IpClass => {
    const c = classifyV4(addr);
    return c.public ? c : { ...c, embeddedIn: form };
  };
  switch (range) {
    case "ipv4Mapped":
      return embedded(v4(p[6]!, p[7]!), "an IPv4-mapped IPv6 address");
    case "rfc6145":
      return embedded(v4(p[6]!, p[7]!), "an IPv4-translated IPv6 address");
    case "rfc6052":
      // 64:ff9b::/96 carries the IPv4 address; 64:ff9b:1::/48 is for local networks only (RFC 8215).
      if (p[2] !== 0) return { public: false, kind: "local-use NAT64" };
      return embedded(v4(p[6]!, p[7]!), "a NAT64 IPv6 address");
    case "6to4":
      return embedded(v4(p[1]!, p[2]!), "a 6to4 IPv6 address");
    case "teredo": {
      // RFC 4380: the server's IPv4 address in bits 32-63, the client's, inverted, in the last 32.
      const server = embedded(v4(p[2]!, p[3]!), "a Teredo IPv6 address");
      if (!server.public) return server;
      return embedded(v4(~p[6]! & 0xffff, ~p[7]! & 0xffff), "a Teredo IPv6 address");
    }
    case "unicast":
      // Outside 2000::/3 nothing is allocated for global unicast.
      if ((p[0]! & 0xe000) === 0x2000) return { public: true, kind: "public" };
      return p.slice(0, 6).every((g) => g === 0)
        ? { public: false, kind: "reserved", embeddedIn: "a deprecated IPv4-compatible IPv6 address" }
        : { public: false, kind: "reserved" };
    default:
      return GLOBAL_RANGES.has(range)
        ? { public: true, kind: "public" }
        : { public: false, kind: IPV6_KINDS[range] ?? "special-purpose" };
  }
}

function classifyV4(ip: ipaddr.IPv4): IpClass {
  if (ip.toString() === "169.254.169.254") return { public: false, kind: "cloud metadata" };
  const range: string = ip.range();
  return GLOBAL_RANGES.has(range)
    ? { public: true, kind: "public" }
    : { public: false, kind: IPV4_KINDS[range] ?? "special-purpose" };
}

function article(word: string): "a" | "an" {
  return /^(?!uni)[aeiou]/i.test(word) ? "an" : "a";
}

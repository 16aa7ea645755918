/**
 * URL classification for the emulator's SSRF checks. Pure: no DNS, no I/O.
 *
 * The vendor resolves DNS at create time; the emulator cannot (tests must be deterministic), so literal
 * IP addresses are classified by range and every other name goes through a configurable host map.
 */

/** Why a request URL was rejected. The values are the vendor's documented `reason` enum. */
export type BlockedReason =
  | "private_ip"
  | "dns_failed"
  | "blocked_hostname"
  | "invalid_protocol"
  | "invalid_port"
  | "malformed_url"
  | "blocked";

/**
 * What the emulator pretends a host name resolves to.
 * - `public`: a routable address (the URL is accepted).
 * - `private`: a private address (`private_ip`).
 * - `dns_failed`: the name does not resolve (`dns_failed`).
 * - `blocked`: rejected by policy (`blocked`).
 */
export type HostVerdict = "public" | "private" | "dns_failed" | "blocked";

/**
 * Host name → verdict. Keys are matched case-insensitively, without a trailing dot. A key starting with
 * `*.` matches every subdomain of the rest (not the bare domain). Names not in the map are public.
 * @example { "intranet.example.com": "private", "*.nx.example": "dns_failed" }
 */
export type HostMap = Readonly<Record<string, HostVerdict>>;

/** Human-readable explanation for each reason, returned as `blocked_urls[].message`. */
export const BLOCKED_REASON_MESSAGES: Readonly<Record<BlockedReason, string>> = {
  private_ip: "URL resolved to a private or internal IP.",
  dns_failed: "The URL's hostname could not be resolved.",
  blocked_hostname: "The URL's hostname is not allowed.",
  invalid_protocol: "Only http and https URLs are accepted.",
  invalid_port: "Only ports 80, 443, 8080 and 8443 are accepted.",
  malformed_url: "The URL could not be parsed; use an absolute http:// or https:// URL.",
  blocked: "The URL is blocked.",
};

/** Ports a request URL may name explicitly (an absent port is always fine). */
export const ALLOWED_PORTS: ReadonlySet<string> = new Set(["80", "443", "8080", "8443"]);

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// `host:port` with no scheme parses as scheme "host" under WHATWG rules; it is really scheme-less.
const HOST_PORT = /^[^/:?#]+:\d+(?:[/?#]|$)/;

/**
 * Classifies one request URL.
 * @returns the reason it is blocked, or `null` when it is accepted.
 * @example classifyUrl("http://192.168.1.1/admin") // "private_ip"
 * @example classifyUrl("www.example.com") // "malformed_url"
 */
export function classifyUrl(raw: string, hosts: HostMap = {}): BlockedReason | null {
  const scheme = SCHEME.exec(raw)?.[1];
  // A dotted "scheme" (`www.example.com:80/x`) is a scheme-less URL, not an exotic protocol.
  if (scheme === undefined || scheme.includes(".") || HOST_PORT.test(raw)) return "malformed_url";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "malformed_url";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "invalid_protocol";
  if (url.hostname === "") return "malformed_url";

  const host = classifyHost(url.hostname, hosts);
  if (host !== null) return host;
  if (url.port !== "" && !ALLOWED_PORTS.has(url.port)) return "invalid_port";
  return null;
}

/**
 * Classifies a URL's host (as `URL.hostname` gives it: lowercase, IPv6 in brackets).
 * @returns the reason it is blocked, or `null` when it is public.
 */
export function classifyHost(hostname: string, hosts: HostMap = {}): BlockedReason | null {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (name.startsWith("[") && name.endsWith("]")) {
    const groups = parseIpv6(name.slice(1, -1));
    if (groups === null) return "malformed_url";
    return isPrivateIpv6(groups) ? "private_ip" : null;
  }
  const v4 = parseIpv4(name);
  if (v4 !== null) return isPrivateIpv4(v4) ? "private_ip" : null;

  if (isBlockedHostname(name)) return "blocked_hostname";
  switch (lookupHost(name, hosts)) {
    case "private":
      return "private_ip";
    case "dns_failed":
      return "dns_failed";
    case "blocked":
      return "blocked";
    default:
      return null;
  }
}

function isBlockedHostname(name: string): boolean {
  return (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    name === "metadata.google.internal" ||
    name === "internal" ||
    name.endsWith(".internal") ||
    name === "local" ||
    name.endsWith(".local")
  );
}

function lookupHost(name: string, hosts: HostMap): HostVerdict {
  for (const [pattern, verdict] of Object.entries(hosts)) {
    const key = pattern.toLowerCase().replace(/\.$/, "");
    if (key === name) return verdict;
    if (key.startsWith("*.") && name.endsWith(key.slice(1))) return verdict;
  }
  return "public";
}

/** Parses a dotted-quad IPv4 address into four octets, or `null`. */
export function parseIpv4(text: string): [number, number, number, number] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets as [number, number, number, number];
}

/**
 * True for addresses that are not publicly routable: this-network 0/8, private 10/8, 172.16/12,
 * 192.168/16, CGNAT 100.64/10, loopback 127/8, link-local 169.254/16 (including the cloud metadata
 * address 169.254.169.254), multicast 224/4, and reserved 240/4 (including broadcast).
 */
export function isPrivateIpv4([a, b]: readonly [number, number, number, number]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}

/** Parses an IPv6 address (optionally with an embedded dotted IPv4 tail) into eight 16-bit groups. */
export function parseIpv6(text: string): number[] | null {
  let input = text;
  const lastColon = input.lastIndexOf(":");
  if (lastColon >= 0 && input.includes(".", lastColon)) {
    const v4 = parseIpv4(input.slice(lastColon + 1));
    if (v4 === null) return null;
    const hi = ((v4[0] << 8) | v4[1]).toString(16);
    const lo = ((v4[2] << 8) | v4[3]).toString(16);
    input = `${input.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = input.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? "");
  const rest = parseGroups(halves[1] ?? "");
  if (head === null || rest === null) return null;
  const known = head.length + rest.length;
  if (halves.length === 1) return known === 8 ? head : null;
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const out: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    out.push(Number.parseInt(group, 16));
  }
  return out;
}

/**
 * True for IPv6 addresses that are not publicly routable: unspecified `::`, loopback `::1`, link-local
 * fe80::/10, unique-local fc00::/7 (including the AWS metadata address fd00:ec2::254), multicast ff00::/8,
 * and IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`)
 * addresses whose embedded IPv4 address is private.
 */
export function isPrivateIpv6(groups: readonly number[]): boolean {
  const g = (i: number): number => groups[i] ?? 0;
  const first = g(0);
  if ((first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00 || (first & 0xff00) === 0xff00) return true;
  const embedded = (): [number, number, number, number] => [g(6) >> 8, g(6) & 0xff, g(7) >> 8, g(7) & 0xff];
  const zeroUpTo = (n: number): boolean => groups.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(5) && g(5) === 0xffff) return isPrivateIpv4(embedded());
  if (zeroUpTo(6)) {
    // `::` and `::1` fall in here too: 0.0.0.0 and 0.0.0.1 are in 0/8.
    return isPrivateIpv4(embedded());
  }
  if (first === 0x64 && g(1) === 0xff9b && groups.slice(2, 6).every((x) => x === 0)) {
    return isPrivateIpv4(embedded());
  }
  return false;
}

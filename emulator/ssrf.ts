/**
 * URL classification for the emulator's SSRF checks. Pure: no DNS, no I/O.
 *
 * The vendor resolves DNS at create time; the emulator cannot (tests must be deterministic), so literal
 * IP addresses are classified by range and every other name goes through a configurable host map.
 */
import { analyzeRequestUrl, WEB_PORTS } from "../provider/core/rules/url-rules";

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

/**
 * Ports a request URL may name explicitly (an absent port is always fine). The vendor's port rule is
 * not documented (it has an `invalid_port` reason): this is the emulator's guess, strict on purpose
 * so that tests meet `invalid_port`. The provider's `check` refuses port 0 and only warns about the
 * others (see `provider/core/rules/url-rules.ts`).
 */
export const ALLOWED_PORTS: ReadonlySet<string> = new Set(WEB_PORTS);

/**
 * Classifies one request URL. Everything that needs no DNS (syntax, protocol, literal IPs, blocked
 * names, port 0) is the provider's own rule set (`analyzeRequestUrl`), so that `check` and the
 * emulator agree by construction; then the host map stands in for DNS, and the port rule applies.
 * @returns the reason it is blocked, or `null` when it is accepted.
 * @example classifyUrl("http://192.168.1.1/admin") // "private_ip"
 * @example classifyUrl("www.example.com") // "malformed_url"
 */
export function classifyUrl(raw: string, hosts: HostMap = {}): BlockedReason | null {
  const a = analyzeRequestUrl(raw);
  if (a.problem) return a.problem.reason;
  if (!a.isIp) {
    switch (lookupHost(a.host, hosts)) {
      case "private":
        return "private_ip";
      case "dns_failed":
        return "dns_failed";
      case "blocked":
        return "blocked";
      default:
        break;
    }
  }
  // host rules come before the port rule: the host is the more useful thing to report
  if (a.port !== "" && !ALLOWED_PORTS.has(a.port)) return "invalid_port";
  return null;
}

function lookupHost(name: string, hosts: HostMap): HostVerdict {
  for (const [pattern, verdict] of Object.entries(hosts)) {
    const key = pattern.toLowerCase().replace(/\.+$/, "");
    if (key === name) return verdict;
    if (key.startsWith("*.") && name.endsWith(key.slice(1))) return verdict;
  }
  return "public";
}

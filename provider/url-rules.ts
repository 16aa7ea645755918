/**
 * Client-side URL rules applied by `check`, mirroring the API's documented SSRF protection for
 * what can be decided without DNS: the protocol, the syntax, literal private/loopback/link-local/
 * metadata IP addresses and `localhost`-like names. Pure.
 */
import { isIP } from "node:net";

/** Why a URL would be refused, with the API's reason code. */
export interface UrlProblem {
  /** The API's reason code for a blocked URL (its `blocked_urls[].reason`). */
  reason: "invalid_protocol" | "malformed_url" | "private_ip" | "blocked_hostname";
  /** What is wrong, as a phrase that follows the property path: `must use http or https, not ftp`. */
  message: string;
}

const BLOCKED_HOSTNAMES = ["localhost", "metadata.google.internal", "metadata"];
const BLOCKED_SUFFIXES = [".localhost", ".internal", ".local"];

/** Checks one request URL; returns undefined when nothing is wrong that we can see locally. */
export function checkRequestUrl(raw: string): UrlProblem | undefined {
  if (raw.length === 0 || /^\s|\s$/.test(raw)) {
    return { reason: "malformed_url", message: "must be an absolute http(s) URL without surrounding spaces" };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      reason: "malformed_url",
      message: /^[a-z][a-z0-9+.-]*:/i.test(raw)
        ? "is not a valid URL"
        : `is not an absolute URL: add the scheme, e.g. "https://${raw}"`,
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      reason: "invalid_protocol",
      message: `must use http or https, not ${url.protocol.slice(0, -1)}`,
    };
  }
  const host = url.hostname; // the WHATWG parser lower-cases it
  if (host === "") return { reason: "malformed_url", message: "has no host" };
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(literal)) {
    const kind = classifyIp(literal);
    if (kind !== "public") {
      return {
        reason: "private_ip",
        message: `points at a ${kind} address (${literal}), which the API refuses`,
      };
    }
    return undefined;
  }
  if (BLOCKED_HOSTNAMES.includes(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return { reason: "blocked_hostname", message: `host ${host} is an internal name, which the API refuses` };
  }
  return undefined;
}

/** Classifies a literal IPv4 or IPv6 address. */
export function classifyIp(
  ip: string,
): "public" | "private" | "loopback" | "link-local" | "metadata" | "unspecified" {
  if (isIP(ip) === 4) return classifyV4(ip.split(".").map(Number));
  const v6 = expandV6(ip);
  if (!v6) return "private";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms carry an IPv4 address inside.
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    return classifyV4([v6[6]! >> 8, v6[6]! & 255, v6[7]! >> 8, v6[7]! & 255]);
  }
  if (v6.every((g) => g === 0)) return "unspecified";
  if (v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1) return "loopback";
  if ((v6[0]! & 0xffc0) === 0xfe80) return "link-local";
  if (v6[0] === 0xfd00 && v6[1] === 0x0ec2 && v6[7] === 0x254) return "metadata";
  if ((v6[0]! & 0xfe00) === 0xfc00) return "private";
  return "public";
}

function classifyV4(
  o: number[],
): "public" | "private" | "loopback" | "link-local" | "metadata" | "unspecified" {
  const [a = 0, b = 0, c = 0, d = 0] = o;
  if (a === 169 && b === 254 && c === 169 && d === 254) return "metadata";
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 169 && b === 254) return "link-local";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "private";
  return "public";
}

function expandV6(ip: string): number[] | undefined {
  let text = ip.split("%")[0] ?? "";
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const o = tail[1].split(".").map(Number);
    text = `${text.slice(0, -tail[1].length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = rest !== undefined && rest !== "" ? rest.split(":") : [];
  const fill = rest !== undefined ? 8 - h.length - t.length : 0;
  const groups = [...h, ...Array<string>(Math.max(0, fill)).fill("0"), ...t].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

import { requestKey } from "../provider/core/rules/url-rules";
import type { JsonObject } from "./json";
import { BLOCKED_REASON_MESSAGES, type BlockedReason, classifyUrl, type HostMap } from "./ssrf";

/** Maximum length of a request's `custom_id` (vendor-documented). */
export const MAX_CUSTOM_ID_LENGTH = 255;

/** One element of a create/update response's `blocked_urls`. */
export interface BlockedUrl {
  /** 0-based position in the submitted `requests` array (before dedup). */
  index: number;
  /** The URL as submitted. */
  url: string;
  /** Why it was refused, in the API's words (`private_ip`, `dns_failed`, `blocked_hostname`, …). */
  reason: BlockedReason;
  /** A sentence for people, as the API writes it. */
  message: string;
}

/** The outcome of validating a submitted request list. */
export interface PreparedRequests {
  /** Requests to store, in submission order, each exactly as submitted. */
  accepted: JsonObject[];
  /** How many requests were dropped as (url, custom_id) duplicates of an earlier one. */
  duplicatesSkipped: number;
  blocked: BlockedUrl[];
}

/**
 * Finds the first request whose `custom_id` is too long.
 * @returns a 400 detail naming the index, or `null` when all are fine.
 */
export function checkCustomIds(requests: readonly JsonObject[]): string | null {
  for (const [i, request] of requests.entries()) {
    const customId = request["custom_id"];
    if (typeof customId === "string" && customId.length > MAX_CUSTOM_ID_LENGTH) {
      return `requests[${i}].custom_id is ${customId.length} characters long; the maximum is ${MAX_CUSTOM_ID_LENGTH}.`;
    }
  }
  return null;
}

/**
 * Drops blocked URLs (reported with their submitted index) and (url, custom_id) duplicates (counted).
 * URLs are compared as exact strings; a missing and a `null` custom_id are the same value, `""` is not.
 * Blocked requests take no part in dedup.
 */
export function prepareRequests(requests: readonly JsonObject[], hosts: HostMap = {}): PreparedRequests {
  const accepted: JsonObject[] = [];
  const blocked: BlockedUrl[] = [];
  const seen = new Set<string>();
  let duplicatesSkipped = 0;
  for (const [index, request] of requests.entries()) {
    const url = String(request["url"]);
    const reason = classifyUrl(url, hosts);
    if (reason !== null) {
      blocked.push({ index, url, reason, message: BLOCKED_REASON_MESSAGES[reason] });
      continue;
    }
    const customId = request["custom_id"];
    const dedupKey = requestKey(url, typeof customId === "string" ? customId : null);
    if (seen.has(dedupKey)) {
      duplicatesSkipped++;
      continue;
    }
    seen.add(dedupKey);
    accepted.push(request);
  }
  return { accepted, duplicatesSkipped, blocked };
}

/** The create response's `message`. */
export function createdMessage(blockedCount: number): string {
  return blockedCount === 0
    ? "Collection created successfully."
    : `Collection created successfully. ${blockedCount} URL(s) blocked (SSRF protection).`;
}

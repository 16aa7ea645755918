/**
 * Examples quoted from the API reference (shared/api/scrapingpros-api.md §2.1.3), shared by the
 * emulator's conformance tests (what it must answer) and the client's schema tests (what it must parse).
 */

/** The documented `blocked_urls` of a create whose requests 1 and 4 were refused. */
export const DOC_BLOCKED_URLS = [
  {
    index: 1,
    url: "http://192.168.1.1/admin",
    reason: "private_ip",
    message: "URL resolved to a private or internal IP.",
  },
  {
    index: 4,
    url: "ftp://example.com/file",
    reason: "invalid_protocol",
    message: "Only http and https URLs are accepted.",
  },
];

/** The documented message of that create. */
export const DOC_BLOCKED_MESSAGE = "Collection created successfully. 2 URL(s) blocked (SSRF protection).";

import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import type { TestStack } from "../helpers/pulumi";

const OK = { url: "https://example.com/ok" };
const req = (r: Record<string, unknown>) => ({ requests: [OK, r] });

/** [what, Collection args, the property path the error must name, the reason it must give]. */
const CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ["ftp URL", req({ url: "ftp://example.com/file" }), "requests[1].url", /http or https.*invalid_protocol/],
  ["file URL", req({ url: "file:///etc/passwd" }), "requests[1].url", /invalid_protocol/],
  ["scheme-less URL", req({ url: "www.example.com" }), "requests[1].url", /add the scheme/],
  ["garbage URL", req({ url: "http://exa mple.com" }), "requests[1].url", /malformed_url/],
  ["empty URL", req({ url: "" }), "requests[1].url", /malformed_url/],
  ["private IPv4", req({ url: "http://192.168.1.1/admin" }), "requests[1].url", /private_ip/],
  ["loopback IPv4", req({ url: "http://127.0.0.1:8080/" }), "requests[1].url", /private_ip/],
  [
    "cloud metadata",
    req({ url: "http://169.254.169.254/latest/meta-data/" }),
    "requests[1].url",
    /metadata.*private_ip/,
  ],
  ["IPv6 loopback", req({ url: "http://[::1]/" }), "requests[1].url", /private_ip/],
  ["IPv6 link-local", req({ url: "http://[fe80::1]/" }), "requests[1].url", /link-local/],
  ["IPv4-mapped private IPv6", req({ url: "http://[::ffff:10.0.0.1]/" }), "requests[1].url", /private_ip/],
  ["localhost", req({ url: "http://localhost:3000/" }), "requests[1].url", /blocked_hostname/],
  ["internal name", req({ url: "http://metadata.google.internal/" }), "requests[1].url", /blocked_hostname/],
  ["missing URL", req({ browser: true }), "requests[1].url", /is required/],
  ["URL not a string", req({ url: 42 }), "requests[1].url", /must be a string/],
  ["request not an object", { requests: [OK, "https://example.com/x"] }, "requests[1]", /must be an object/],
  [
    "custom_id over 255",
    req({ url: "https://example.com/x", custom_id: "c".repeat(256) }),
    "requests[1].custom_id",
    /at most 255/,
  ],
  [
    "duplicate (url, custom_id)",
    { requests: [OK, { url: "https://example.com/x" }, OK] },
    "requests[2]",
    /duplicates requests\[0\]/,
  ],
  [
    "browser not a boolean",
    req({ url: "https://example.com/x", browser: "yes" }),
    "requests[1].browser",
    /true or false/,
  ],
  [
    "action without type",
    req({ url: "https://example.com/x", actions: [{ time: 5000 }] }),
    "requests[1].actions[0].type",
    /is required/,
  ],
  [
    "actions not a list",
    req({ url: "https://example.com/x", actions: { type: "wait" } }),
    "requests[1].actions",
    /list/,
  ],
  ["empty name", { name: "", requests: [OK] }, "name", /must not be empty/],
  ["callbackUrl not a URL", { requests: [OK], callbackUrl: "hooks" }, "callbackUrl", /absolute URL/],
  [
    "callbackUrl not http",
    { requests: [OK], callbackUrl: "ftp://hooks.example.com/" },
    "callbackUrl",
    /http or https/,
  ],
  ["no requests", { name: "x" }, "requests", /is required/],
];

describe("e2e: bad input fails preview with the property path and reason, and calls nothing (S7)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h));

  it(`has at least 20 cases (${CASES.length})`, () => assert.ok(CASES.length >= 20));

  for (const [what, args, property, reason] of CASES) {
    it(`${what} → ${property}`, async () => {
      stack.setProgram({ bad: args });
      const r = await stack.run(["preview"]);
      const out = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, out);
      // The engine prints "resource 'bad': property <path> value {…} has a problem: <reason>".
      const line = out.split("\n").find((l) => l.includes(`resource 'bad': property ${property} `));
      assert.ok(line, `no error names ${property}:\n${out}`);
      assert.match(line, reason);
      assert.equal(emu.requests().length, 0, "preview called the API");
    });
  }
});

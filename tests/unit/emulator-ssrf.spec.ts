import * as assert from "node:assert/strict";
import { BLOCKED_REASON_MESSAGES, type BlockedReason, classifyUrl, type HostMap } from "../../emulator/ssrf";

const HOSTS: HostMap = {
  "intranet.example.com": "private",
  "nx.example.com": "dns_failed",
  "evil.example.com": "blocked",
  "*.corp.example": "private",
  "Mixed.Example.COM": "dns_failed",
};

const CASES: [url: string, expected: BlockedReason | null][] = [
  // public
  ["https://example.com", null],
  ["http://example.com/path?q=1#frag", null],
  ["https://viator.com/tours/1", null],
  ["https://example.com:443/", null],
  ["https://example.com:8080/", null],
  ["https://example.com:8443/", null],
  ["http://example.com:80/", null],
  ["https://8.8.8.8/", null],
  ["https://[2606:4700:4700::1111]/", null],
  ["https://172.32.0.1/", null],
  ["https://100.128.0.1/", null],
  ["https://192.169.0.1/", null],
  ["https://unknown-name.example/", null],
  ["https://corp.example/", null],
  // private_ip
  ["http://192.168.1.1/admin", "private_ip"],
  ["http://10.0.0.1/", "private_ip"],
  ["http://10.255.255.255/", "private_ip"],
  ["http://172.16.0.1/", "private_ip"],
  ["http://172.31.255.255/", "private_ip"],
  ["http://127.0.0.1/", "private_ip"],
  ["http://127.1.2.3/", "private_ip"],
  ["http://169.254.169.254/latest/meta-data/", "private_ip"],
  ["http://169.254.1.1/", "private_ip"],
  ["http://0.0.0.0/", "private_ip"],
  ["http://100.64.0.1/", "private_ip"],
  ["http://100.127.255.255/", "private_ip"],
  ["http://224.0.0.1/", "private_ip"],
  ["http://255.255.255.255/", "private_ip"],
  ["http://[::1]/", "private_ip"],
  ["http://[::]/", "private_ip"],
  ["http://[fe80::1]/", "private_ip"],
  ["http://[febf::1]/", "private_ip"],
  ["http://[fc00::1]/", "private_ip"],
  ["http://[fd12:3456::1]/", "private_ip"],
  ["http://[fd00:ec2::254]/", "private_ip"],
  ["http://[::ffff:127.0.0.1]/", "private_ip"],
  ["http://[::ffff:10.1.2.3]/", "private_ip"],
  ["http://[::ffff:169.254.169.254]/", "private_ip"],
  ["http://[64:ff9b::10.0.0.1]/", "private_ip"],
  // WHATWG URL normalises these spellings of 127.0.0.1; they must not slip through.
  ["http://2130706433/", "private_ip"],
  ["http://0x7f.0.0.1/", "private_ip"],
  ["http://0177.0.0.1/", "private_ip"],
  ["http://127.1/", "private_ip"],
  ["https://intranet.example.com/", "private_ip"],
  ["https://a.b.corp.example/", "private_ip"],
  // IPv4-mapped public address is public.
  ["http://[::ffff:8.8.8.8]/", null],
  // dns_failed / blocked from the host map
  ["https://nx.example.com/", "dns_failed"],
  ["https://mixed.example.com/", "dns_failed"],
  ["https://evil.example.com/", "blocked"],
  // blocked_hostname
  ["http://localhost/", "blocked_hostname"],
  ["http://LOCALHOST/", "blocked_hostname"],
  ["http://localhost./", "blocked_hostname"],
  ["http://api.localhost/", "blocked_hostname"],
  ["http://metadata.google.internal/computeMetadata/v1/", "blocked_hostname"],
  ["http://db.internal/", "blocked_hostname"],
  ["http://printer.local/", "blocked_hostname"],
  // host rules come before the port rule: the host is the more useful thing to report
  ["http://localhost:3000/", "blocked_hostname"],
  // invalid_protocol
  ["ftp://example.com/file", "invalid_protocol"],
  ["file:///etc/passwd", "invalid_protocol"],
  ["gopher://example.com/", "invalid_protocol"],
  ["javascript:alert(1)", "invalid_protocol"],
  ["mailto:someone@example.com", "invalid_protocol"],
  ["ws://example.com/", "invalid_protocol"],
  // invalid_port
  ["https://example.com:22/", "invalid_port"],
  ["http://example.com:8000/", "invalid_port"],
  ["https://example.com:65535/", "invalid_port"],
  // malformed_url
  ["www.example.com", "malformed_url"],
  ["example.com", "malformed_url"],
  ["example.com/path", "malformed_url"],
  ["www.example.com:80/x", "malformed_url"],
  ["localhost:8080", "malformed_url"],
  ["", "malformed_url"],
  ["http://", "malformed_url"],
  ["https://exa mple.com/", "malformed_url"],
  ["http://[::1/", "malformed_url"],
  ["//example.com/x", "malformed_url"],
  ["http://example.com:99999/", "malformed_url"],
];

describe("emulator ssrf: classifyUrl", () => {
  for (const [url, expected] of CASES) {
    it(`${JSON.stringify(url)} → ${expected ?? "accepted"}`, () => {
      assert.equal(classifyUrl(url, HOSTS), expected);
    });
  }

  it("treats unknown names as public when there is no host map", () => {
    assert.equal(classifyUrl("https://intranet.example.com/"), null);
  });

  it("has a human message for every reason", () => {
    const reasons: BlockedReason[] = [
      "private_ip",
      "dns_failed",
      "blocked_hostname",
      "invalid_protocol",
      "invalid_port",
      "malformed_url",
      "blocked",
    ];
    for (const reason of reasons) assert.ok(BLOCKED_REASON_MESSAGES[reason].length > 10, reason);
    assert.equal(BLOCKED_REASON_MESSAGES.private_ip, "URL resolved to a private or internal IP.");
    assert.equal(BLOCKED_REASON_MESSAGES.invalid_protocol, "Only http and https URLs are accepted.");
  });
});

describe("emulator ssrf: the host map stands in for DNS", () => {
  it("matches names without their trailing dots, in any case, and subdomains of a *. key", () => {
    assert.equal(classifyUrl("https://intranet.example.com./", HOSTS), "private_ip");
    assert.equal(classifyUrl("https://INTRANET.example.com/", HOSTS), "private_ip");
    assert.equal(classifyUrl("https://x.y.corp.example../", HOSTS), "private_ip");
    assert.equal(classifyUrl("https://nx.example.com:8080/", HOSTS), "dns_failed");
    // host rules come before the port rule
    assert.equal(classifyUrl("https://nx.example.com:22/", HOSTS), "dns_failed");
    assert.equal(classifyUrl("https://public.example.com:22/", HOSTS), "invalid_port");
  });

  it("never consults the map for an IP literal or a blocked name", () => {
    const all: HostMap = { "8.8.8.8": "private", localhost: "public", "[::1]": "public" };
    assert.equal(classifyUrl("https://8.8.8.8/", all), null);
    assert.equal(classifyUrl("http://localhost/", all), "blocked_hostname");
    assert.equal(classifyUrl("http://[::1]/", all), "private_ip");
  });
});

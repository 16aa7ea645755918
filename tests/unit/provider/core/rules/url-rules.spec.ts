import * as assert from "node:assert/strict";
import {
  analyzeRequestUrl,
  checkRequestUrl,
  classifyIp,
  parseWebUrl,
  rawUrlProblem,
  requestUrlWarning,
} from "../../../../../provider/core/rules/url-rules";

describe("url rules", () => {
  // The 17 URLs that passed check and were blocked by the emulator after the create.
  const GIVEN: [string, string | undefined][] = [
    ["http://localhost./", "blocked_hostname"],
    ["http://foo.localhost./", "blocked_hostname"],
    ["http://metadata.google.internal./", "blocked_hostname"],
    ["http://printer.local./", "blocked_hostname"],
    ["http://internal/", "blocked_hostname"],
    ["http://local/", "blocked_hostname"],
    ["http://224.0.0.1/", "private_ip"],
    ["http://240.0.0.1/", "private_ip"],
    ["http://255.255.255.255/", "private_ip"],
    ["http://[::127.0.0.1]/", "private_ip"],
    ["http://[64:ff9b::127.0.0.1]/", "private_ip"],
    ["http://[64:ff9b::a9fe:a9fe]/", "private_ip"],
    ["http://[ff02::1]/", "private_ip"],
    ["http://example.com:0/", "invalid_port"],
    // ports the API may refuse: a warning, not a failure (see requestUrlWarning)
    ["http://example.com:22/", undefined],
    ["http://example.com:6379/", undefined],
    ["\u0001https://example.com/", "malformed_url"],
  ];
  for (const [url, reason] of GIVEN) {
    it(`${JSON.stringify(url)} → ${reason ?? "ok, with a warning"}`, () => {
      assert.equal(checkRequestUrl(url)?.reason, reason);
      if (reason === undefined) assert.match(requestUrlWarning(url) ?? "", /invalid_port/);
    });
  }

  it("judges the host as the WHATWG parser normalises it, without trailing dots", () => {
    const a = analyzeRequestUrl("HTTPS://B\u00dcCHER.Example.:8443/x");
    assert.ok(!a.problem);
    assert.equal(a.host, "xn--bcher-kva.example");
    assert.equal(a.port, "8443");
    assert.equal(a.isIp, false);
    const ip = analyzeRequestUrl("http://0x08.8.0x0808/");
    assert.ok(!ip.problem);
    assert.equal(ip.host, "8.8.8.8");
    assert.equal(ip.isIp, true);
    assert.equal(analyzeRequestUrl("http://[2606:4700:4700:0:0:0:0:1111]:80/").problem, undefined);
  });

  it("refuses what parsers forgive in the raw string, naming the kind of character only", () => {
    assert.match(rawUrlProblem("\u0001https://e.example/")?.message ?? "", /control character/);
    assert.match(rawUrlProblem("https://e.example/\u00a0")?.message ?? "", /whitespace/);
    assert.match(rawUrlProblem("https://e.example/\u200b")?.message ?? "", /invisible/);
    assert.match(rawUrlProblem("https://e.example/\ud800")?.message ?? "", /surrogate/);
    assert.match(rawUrlProblem("https://e.example\\@10.0.0.1/")?.message ?? "", /backslash/);
    assert.match(rawUrlProblem("")?.message ?? "", /is empty/);
    assert.equal(rawUrlProblem("https://e.example/\u00fc\ud83d\ude00"), undefined);
  });

  it("asks for http:// or https:// and the host, as written", () => {
    for (const raw of ["http:e.example", "http:/e.example", "http:///e.example", "https:\\\\e.example"]) {
      const r = parseWebUrl(raw);
      assert.ok("problem" in r && r.problem.reason === "malformed_url", raw);
    }
    const ok = parseWebUrl("https://e.example/a");
    assert.ok("url" in ok && ok.url.hostname === "e.example");
  });

  it("messages never hold the URL or a part of it", () => {
    const urls = [
      "example.com/cb?token=SECRET-TOKEN-789",
      "http://10.9.8.7/cb?token=SECRET-TOKEN-1",
      "http://[fd12:3456::1]/cb?token=SECRET-TOKEN-2",
      "http://secret-host.internal/cb?token=SECRET-TOKEN-3",
      "gopher://secret-host.example/?token=SECRET-TOKEN-4",
      "http://secret-host.example:0/?token=SECRET-TOKEN-5",
      "http://secret-host.example/ ?token=SECRET-TOKEN-6",
      "http:secret-host.example/?token=SECRET-TOKEN-7",
      "http://secret-host.example:99999/?token=SECRET-TOKEN-8",
    ];
    for (const url of urls) {
      const p = checkRequestUrl(url);
      assert.ok(p, url);
      for (const part of ["SECRET", "secret-host", "10.9.8.7", "fd12", "gopher", "token"]) {
        assert.ok(!p.message.includes(part), `${p.message} holds ${part}`);
      }
    }
    const w = requestUrlWarning("https://secret-host.example:6379/?token=SECRET-TOKEN-9") ?? "";
    assert.ok(w.length > 0 && !w.includes("SECRET") && !w.includes("secret-host") && !w.includes("6379"));
  });

  it("classifies addresses by the IANA special-purpose registries (ipaddr.js)", () => {
    assert.deepEqual(classifyIp("169.254.169.254"), { public: false, kind: "cloud metadata" });
    assert.deepEqual(classifyIp("fd00:ec2::254"), { public: false, kind: "cloud metadata" });
    assert.deepEqual(classifyIp("172.32.0.1"), { public: true, kind: "public" });
    assert.deepEqual(classifyIp("::"), { public: false, kind: "unspecified" });
    assert.deepEqual(classifyIp("::ffff:8.8.8.8"), { public: true, kind: "public" });
    assert.deepEqual(classifyIp("::ffff:10.0.0.1"), {
      public: false,
      kind: "private",
      embeddedIn: "an IPv4-mapped IPv6 address",
    });
    assert.equal(classifyIp("::127.0.0.1").embeddedIn, "a deprecated IPv4-compatible IPv6 address");
    assert.equal(classifyIp("64:ff9b::7f00:1").kind, "loopback");
    assert.equal(classifyIp("64:ff9b:1::808:808").kind, "local-use NAT64");
    assert.equal(classifyIp("2002:a00:1::").kind, "private");
    // Teredo: the client's address is stored inverted
    assert.equal(classifyIp("2001:0:4136:e378:8000:63bf:80ff:fffe").kind, "loopback");
    assert.equal(classifyIp("2001:0:4136:e378:8000:63bf:f7f7:f7f7").public, true);
    assert.equal(classifyIp("100.64.0.1").kind, "carrier-grade NAT");
    assert.equal(classifyIp("198.18.0.1").public, false);
    // globally reachable special ranges (AS112, AMT) are public
    assert.equal(classifyIp("192.31.196.1").public, true);
    assert.equal(classifyIp("2001:3::1").public, true);
    assert.deepEqual(classifyIp("not an address"), { public: false, kind: "unparseable" });
  });

  it("warns only about ports outside the web ports", () => {
    assert.equal(requestUrlWarning("https://e.example:8443/"), undefined);
    assert.equal(requestUrlWarning("https://e.example/"), undefined);
    assert.equal(requestUrlWarning("http://e.example:443/"), undefined);
    assert.match(requestUrlWarning("https://e.example:8000/") ?? "", /80, 443, 8080, 8443/);
    assert.equal(requestUrlWarning("ftp://e.example:21/"), undefined);
  });
});

import * as assert from "node:assert/strict";
import { checkRequestUrl, classifyIp } from "../../../provider/url-rules";

describe("url rules", () => {
  const cases: [string, string | undefined][] = [
    ["https://example.com/a?b=1", undefined],
    ["http://8.8.8.8/", undefined],
    ["http://[2001:db8::1]/", undefined],
    ["ftp://example.com/file", "invalid_protocol"],
    ["file:///etc/passwd", "invalid_protocol"],
    ["www.example.com", "malformed_url"],
    ["https://", "malformed_url"],
    [" https://example.com", "malformed_url"],
    ["", "malformed_url"],
    ["http://192.168.1.1/admin", "private_ip"],
    ["http://10.0.0.1/", "private_ip"],
    ["http://172.16.5.4/", "private_ip"],
    ["http://127.0.0.1:8080/", "private_ip"],
    ["http://169.254.169.254/latest/meta-data", "private_ip"],
    ["http://[::1]/", "private_ip"],
    ["http://[fe80::1]/", "private_ip"],
    ["http://[fd12:3456::1]/", "private_ip"],
    ["http://[::ffff:10.1.2.3]/", "private_ip"],
    ["http://0.0.0.0/", "private_ip"],
    ["http://100.64.0.1/", "private_ip"],
    ["http://localhost:3000/", "blocked_hostname"],
    ["http://api.localhost/", "blocked_hostname"],
    ["http://metadata.google.internal/", "blocked_hostname"],
    ["http://printer.local/", "blocked_hostname"],
  ];
  for (const [url, reason] of cases) {
    it(`${JSON.stringify(url)} → ${reason ?? "ok"}`, () => {
      assert.equal(checkRequestUrl(url)?.reason, reason);
    });
  }

  it("classifies addresses", () => {
    assert.equal(classifyIp("169.254.169.254"), "metadata");
    assert.equal(classifyIp("fd00:ec2::254"), "metadata");
    assert.equal(classifyIp("172.32.0.1"), "public");
    assert.equal(classifyIp("::"), "unspecified");
    assert.equal(classifyIp("::ffff:8.8.8.8"), "public");
  });
});

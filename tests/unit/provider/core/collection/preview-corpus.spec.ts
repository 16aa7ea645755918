import * as assert from "node:assert/strict";
import { prepareRequests } from "../../../../../emulator/request-list";
import { classifyUrl } from "../../../../../emulator/ssrf";
import { checkCollection } from "../../../../../provider/core/collection/check";
import { requestsWarnings } from "../../../../../provider/core/rules/collection-rules";
import { checkRequestUrl, requestKey } from "../../../../../provider/core/rules/url-rules";
import { BAD, type BadCase, GOOD_ARGS, GOOD_URLS, OK, WARNED_URLS } from "./preview-corpus";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:Collection::corpus";
const BASE = { __urn: URN, name: "corpus", requests: [OK] };

/** Words of the rules' own messages (`add https:// or http://`), which a value may happen to equal. */
const RULE_WORDS = new Set(["http://", "https://", "requests"]);

/** Every string of at least 6 characters in the case's arguments (the values no message may hold). */
function valuesOf(args: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === "string" && v.length >= 6 && !RULE_WORDS.has(v)) out.push(v);
  };
  for (const v of Object.values(args)) {
    add(v);
    if (!Array.isArray(v)) continue;
    for (const r of v) {
      if (typeof r === "object" && r !== null) for (const f of Object.values(r)) add(f);
      else add(r);
    }
  }
  return out;
}

/** The host of a URL as written, when it parses: a message must not name it either. */
function hostOf(raw: string): string | undefined {
  try {
    const host = new URL(raw).hostname.replace(/^\[|\]$/g, "").replace(/\.+$/, "");
    // the blocked-name message lists these names as the rule, whatever the URL
    return host.length >= 5 && !["localhost", "local", "internal", "metadata"].includes(host)
      ? host
      : undefined;
  } catch {
    return undefined;
  }
}

/** The URL of a case's second request, when it has one. */
function urlOf(c: BadCase): string | undefined {
  const requests = c.args.requests;
  if (!Array.isArray(requests)) return undefined;
  const r = requests[1] as { url?: unknown } | undefined;
  return typeof r?.url === "string" ? r.url : undefined;
}

describe("preview corpus: each bad input fails check with its property path and rule code", () => {
  it(`tries at least 150 distinct bad inputs (${BAD.length})`, () => {
    assert.ok(BAD.length >= 150, String(BAD.length));
    const names = new Set(BAD.map((c) => c.what));
    assert.equal(names.size, BAD.length, "two cases share a description");
  });

  for (const c of BAD) {
    it(`${c.what} → ${c.path} (${c.code})`, () => {
      const { failures } = checkCollection({ ...BASE, ...c.args }, c.olds ?? {});
      assert.deepEqual(
        failures.map((f) => f.property).sort(),
        [c.path, ...(c.alsoAt ?? [])].sort(),
        JSON.stringify(failures),
      );
      const f = failures.find((x) => x.property === c.path);
      assert.equal(f?.code, c.code, JSON.stringify(f));
      // the reason names the problem, never the value (a URL may carry a token, its host is private)
      for (const x of failures) {
        for (const value of valuesOf(c.args)) assert.ok(!x.reason.includes(value), x.reason);
        const url = urlOf(c);
        const host = url === undefined ? undefined : hostOf(url);
        if (host !== undefined) assert.ok(!x.reason.includes(host), `${x.reason} names ${host}`);
      }
    });
  }
});

describe("preview corpus: good inputs pass (no rule is broader than the API's)", () => {
  it(`has good URLs and other good inputs (${GOOD_URLS.length} + ${GOOD_ARGS.length})`, () => {
    assert.ok(GOOD_URLS.length >= 50 && GOOD_ARGS.length >= 10);
  });
  for (const url of GOOD_URLS) {
    it(`url ${JSON.stringify(url.length > 60 ? `${url.slice(0, 57)}...` : url)} passes, without a warning`, () => {
      const requests = [{ url }];
      assert.deepEqual(checkCollection({ ...BASE, requests }).failures, []);
      assert.deepEqual(requestsWarnings(requests), []);
    });
  }
  for (const { what, args } of GOOD_ARGS) {
    it(`${what} passes`, () => {
      assert.deepEqual(checkCollection({ ...BASE, ...args }).failures, []);
    });
  }
});

describe("preview corpus: ports the API may refuse pass with a warning", () => {
  for (const url of WARNED_URLS) {
    it(`url ${JSON.stringify(url)} passes; the warning names requests[0].url, not the URL`, () => {
      const requests = [OK, { url }];
      assert.deepEqual(checkCollection({ ...BASE, requests }).failures, []);
      const warnings = requestsWarnings(requests);
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.path, "requests[1].url");
      assert.equal(warnings[0]?.code, "invalid_port");
      assert.match(warnings[0]?.message ?? "", /port other than 80, 443, 8080, 8443/);
      const port = new URL(url).port;
      assert.ok(!warnings[0]?.message.includes(`:${port}`) && !warnings[0]?.message.includes(url));
    });
  }
  it("no warning for web ports, an absent port, or a URL that fails anyway", () => {
    assert.deepEqual(
      requestsWarnings([
        { url: "https://e.example:8443/" },
        { url: "https://e.example/" },
        { url: "http://localhost:22/" },
        { url: "http://e.example:0/" },
        "not a request",
        { url: 3 },
      ]),
      [],
    );
  });
});

describe("preview corpus: the emulator's SSRF verdict and check's agree on every URL", () => {
  // Disagreements allowed, each with its reason: the emulator plays the API's undocumented port
  // rule strictly (invalid_port), `check` only warns about it (see provider/core/rules/url-rules.ts).
  const ALLOWED = new Map(WARNED_URLS.map((u) => [u, { check: null, emulator: "invalid_port" }]));
  const urls = [
    ...new Set([...BAD.map(urlOf).filter((u): u is string => u !== undefined), ...GOOD_URLS, ...WARNED_URLS]),
  ];
  const verdicts = urls.map((url) => ({
    url,
    check: checkRequestUrl(url)?.reason ?? null,
    emulator: classifyUrl(url),
  }));
  const agree = verdicts.filter((v) => v.check === v.emulator).length;

  it(`${urls.length} URLs: ${agree} agree, ${urls.length - agree} differ only as documented`, () => {
    assert.ok(urls.length >= 200, String(urls.length));
    const undocumented = verdicts.filter((v) => {
      if (v.check === v.emulator) return false;
      const allowed = ALLOWED.get(v.url);
      return allowed?.check !== v.check || allowed?.emulator !== v.emulator;
    });
    assert.deepEqual(undocumented, []);
    // and the allow-list holds nothing that no longer differs
    for (const url of ALLOWED.keys()) {
      assert.ok(
        verdicts.some((v) => v.url === url && v.check !== v.emulator),
        url,
      );
    }
  });
});

describe("duplicate detection: an unambiguous key for (url, custom_id)", () => {
  it("no url and custom_id run together into another pair's key", () => {
    const pairs: [string, string | undefined][] = [
      ["https://a.example/x\u0000y", "z"],
      ["https://a.example/x", "y\u0000z"],
      ["\u0001https://a.example/x", undefined],
      ["https://a.example/x", undefined],
      ["https://a.example/x", ""],
      ["https://a.example/x", "null"],
      ['https://a.example/x","', "z"],
      ["https://a.example/x", '","z'],
    ];
    const keys = pairs.map(([u, c]) => requestKey(u, c));
    assert.equal(new Set(keys).size, pairs.length, keys.join("\n"));
    assert.equal(requestKey("u", undefined), requestKey("u", null));
  });

  it("the emulator de-duplicates by the same key: the NUL pair is not a duplicate, an exact repeat is", () => {
    const nul = prepareRequests([
      { url: "https://a.example/x", custom_id: "y\u0000z" },
      { url: "https://a.example/x\u0000y", custom_id: "z" },
      { url: "https://a.example/x", custom_id: "y\u0000z" },
      { url: "https://a.example/x", custom_id: "y" },
    ]);
    assert.equal(nul.duplicatesSkipped, 1);
    assert.deepEqual(
      nul.blocked.map((b) => [b.index, b.reason]),
      [[1, "malformed_url"]],
    );
    assert.equal(nul.accepted.length, 2);
  });
});

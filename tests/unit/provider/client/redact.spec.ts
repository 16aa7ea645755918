import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { describeDetail, parseDetail } from "../../../../provider/client/errors";
import {
  createRedactor,
  MIN_RUN,
  REDACTED,
  redact,
  redactError,
  redactValue,
} from "../../../../provider/client/redact";

// Built at run time: the repository must hold nothing that looks like a live key.
const KEY = "sk_" + "live_" + "plainKEY9f8e7d6c";

/** `s` with every UTF-16 unit as `\uXXXX` (hex in `upper` or lower case), as JSON escapes it. */
const unicodeEscaped = (s: string, upper = false) =>
  s
    .split("")
    .map((c) => {
      const h = c.charCodeAt(0).toString(16).padStart(4, "0");
      return `\\u${upper ? h.toUpperCase() : h}`;
    })
    .join("");
/** Every byte of the UTF-8 encoding as `%XX`. */
const percentAll = (s: string, upper = true) =>
  [...Buffer.from(s, "utf8")]
    .map((b) => {
      const h = b.toString(16).padStart(2, "0");
      return `%${upper ? h.toUpperCase() : h}`;
    })
    .join("");
/** Every character as an HTML numeric reference, decimal or hex. */
const htmlNumeric = (s: string, hex: boolean) =>
  [...s].map((c) => (hex ? `&#x${c.codePointAt(0)?.toString(16)};` : `&#${c.codePointAt(0)};`)).join("");
/** The minimal HTML escape of a template engine. */
const htmlMinimal = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
/** JSON string content, with `/` escaped as PHP and some encoders do. */
const jsonContent = (s: string) => JSON.stringify(s).slice(1, -1).replace(/\//g, "\\/");
/** Form encoding: `+` for a space. */
const formEncoded = (s: string) => new URLSearchParams({ k: s }).toString().slice(2);

/** The base64 characters of `s` that every encoding at byte alignment `align` shares (see redact.ts). */
function base64Core(s: string, align: number, url = false): string {
  const bytes = Buffer.from(s, "utf8");
  const b64 = Buffer.concat([Buffer.alloc(align, 0x41), bytes]).toString(url ? "base64url" : "base64");
  return b64.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6));
}

/** Encoders whose output for a text contains the output for each of its substrings. */
const CHARWISE: Record<string, (s: string) => string> = {
  raw: (s) => s,
  json: jsonContent,
  "\\u lower": (s) => unicodeEscaped(s),
  "\\u upper": (s) => unicodeEscaped(s, true),
  encodeURIComponent: (s) => encodeURIComponent(s),
  "percent upper": (s) => percentAll(s),
  "percent lower": (s) => percentAll(s, false),
  form: formEncoded,
  "html minimal": htmlMinimal,
  "html decimal": (s) => htmlNumeric(s, false),
  "html hex": (s) => htmlNumeric(s, true),
  "hex lower": (s) => Buffer.from(s).toString("hex"),
  "hex upper": (s) => Buffer.from(s).toString("hex").toUpperCase(),
  "json of percent": (s) => jsonContent(percentAll(s)),
  "html of json \\u": (s) => htmlMinimal(JSON.stringify(unicodeEscaped(s))),
  "percent of html": (s) => encodeURIComponent(htmlNumeric(s, true)),
};

/** Every way `key`'s windows of MIN_RUN characters may appear in text encoded by `encoding`. */
function leaks(out: string, key: string, encoding: string): string[] {
  const found: string[] = [];
  const run = Math.min(MIN_RUN, key.length);
  for (let i = 0; i + run <= key.length; i++) {
    const w = key.slice(i, i + run);
    const forms = encoding.startsWith("base64")
      ? [0, 1, 2].map((a) => base64Core(w, a, encoding === "base64url"))
      : [(CHARWISE[encoding] as (s: string) => string)(w)];
    for (const f of forms) if (f.length > 0 && out.includes(f)) found.push(f);
  }
  return found;
}

/** Encodes `s` embedded in `around` by `encoding`; base64 encodes the whole text, as a header would. */
function embed(encoding: string, before: string, s: string, after: string, align: number): string {
  if (encoding.startsWith("base64")) {
    const pad = "x".repeat(align);
    return `${before}${Buffer.from(pad + s + after).toString(encoding === "base64url" ? "base64url" : "base64")}`;
  }
  return before + (CHARWISE[encoding] as (s: string) => string)(s) + after;
}

const ENCODINGS = [...Object.keys(CHARWISE), "base64", "base64url"];

describe("redaction: no run of 8 characters of the key, in any encoding", () => {
  describe("the issue's inputs", () => {
    it("a FastAPI detail list that echoes the key JSON-escaped", () => {
      const body = `{"detail":[{"loc":["header","authorization"],"msg":"invalid token","input":"Bearer ${unicodeEscaped(KEY)}"}]}`;
      const out = redact(body, [KEY]);
      assert.equal(
        out,
        `{"detail":[{"loc":["header","authorization"],"msg":"invalid token","input":"Bearer ${REDACTED}"}]}`,
      );
      // Still JSON, and what a message shows holds nothing of the key.
      const detail = parseDetail(out);
      assert.ok(Array.isArray(detail));
      assert.equal(JSON.stringify(detail).includes(KEY.slice(0, 8)), false);
    });

    it("a FastAPI detail object that echoes the key (JSON-escaped with \\/ and \\u)", () => {
      const key = "ab/cd/" + "ef-KEY-9876";
      const body = JSON.stringify({ detail: { token: key, hint: "check it" } }).replace(/\//g, "\\/");
      const out = redact(body, [key]);
      assert.ok(!out.includes("ef-KEY-9"), out);
      assert.equal(describeDetail(parseDetail(out)), `{"token":"${REDACTED}","hint":"check it"}`);
    });

    it("the key URL-encoded, in a query string and form-encoded", () => {
      const key = "sp key/with+odd&chars=" + "99887766";
      assert.equal(
        redact(`GET /cb?token=${encodeURIComponent(key)}&x=1`, [key]),
        `GET /cb?token=${REDACTED}&x=1`,
      );
      assert.equal(redact(`token=${formEncoded(key)}`, [key]), `token=${REDACTED}`);
    });

    it("near the 500-character cut: redacted before the cut, so no 18 of 26 characters are left", () => {
      const body = `${"E".repeat(482)}Bearer ${KEY} and more text after it`;
      const shown = parseDetail(redact(body, [KEY]));
      assert.equal(typeof shown, "string");
      assert.ok(!(shown as string).includes(KEY.slice(0, 8)), shown as string);
      // Without the rule of runs, the cut leaves a prefix of the key that a whole-key search misses.
      const cutFirst = parseDetail(body) as string;
      assert.ok(cutFirst.includes(KEY.slice(0, 11)) && !cutFirst.includes(KEY));
      assert.ok(!redact(cutFirst, [KEY]).includes(KEY.slice(0, 8)));
    });

    it("a part of the key (8 characters and more) is redacted; 7 are not", () => {
      assert.equal(redact(`x ${KEY.slice(5, 13)} y`, [KEY]), `x ${REDACTED} y`);
      assert.equal(redact(`x ${KEY.slice(5, 12)} y`, [KEY]), `x ${KEY.slice(5, 12)} y`);
    });

    it("the key in a Basic credential and a Bearer header, base64-encoded", () => {
      const basic = `Authorization: Basic ${Buffer.from(`user:${KEY}`).toString("base64")}`;
      assert.ok(!redact(basic, [KEY]).includes(base64Core(KEY.slice(0, 8), 2)));
      for (const prefix of ["", "a", "ab", "abc"]) {
        const b64 = Buffer.from(`${prefix}${KEY}`).toString("base64");
        const out = redact(`echo ${b64} end`, [KEY]);
        assert.match(out, /^echo .*\[REDACTED\].* end$/);
        assert.ok(out.length < 30, `${prefix}: ${out}`);
      }
    });
  });

  describe("what is kept", () => {
    it("text without the key is returned unchanged", () => {
      const text =
        'PUT /v1/async/collections/0b7a6c2e-1f3d-4e5a-9b8c-7d6e5f4a3b2c failed with 503: {"detail":"injected fault"} ' +
        "&amp; %41%42 \\u0041 QmVhcmVy 0123456789abcdef";
      assert.equal(redact(text, [KEY]), text);
    });

    it("secrets shorter than 4 characters are ignored; shorter than 8, redacted whole", () => {
      assert.equal(redact("a k b", ["k"]), "a k b");
      assert.equal(redact("id abcde, abcd", ["abcde"]), `id ${REDACTED}, abcd`);
      assert.equal(createRedactor([undefined, ""])("x"), "x");
    });

    it("text over characters outside the key's is never changed (property)", () => {
      fc.assert(
        fc.property(
          fc.string({ unit: fc.constantFrom(..."xyz .,:;!?()"), maxLength: 300 }),
          fc.string({
            unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWabcdefghijklmnopqrstuvw0123456789_-"),
            minLength: 8,
            maxLength: 48,
          }),
          (text, key) => redact(text, [key]) === text,
        ),
      );
    });
  });

  describe("properties: random keys, random surroundings, every encoding", () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 8,
      maxLength: 64,
    });
    const unicodeKey = fc.string({ unit: "grapheme", minLength: 8, maxLength: 24 });
    const around = fc.string({ unit: "binary", maxLength: 80 });

    for (const encoding of ENCODINGS) {
      it(`${encoding}: any run of 8+ characters of a printable-ASCII key`, () => {
        fc.assert(
          fc.property(
            printable,
            fc.nat(),
            fc.nat(),
            around,
            around,
            fc.integer({ min: 0, max: 2 }),
            (key, from, len, before, after, align) => {
              const start = from % (key.length - MIN_RUN + 1);
              const run = key.slice(start, start + MIN_RUN + (len % (key.length - start - MIN_RUN + 1)));
              const text = embed(encoding, before, run, after, align);
              const out = redact(text, [key]);
              assert.deepEqual(
                leaks(out, key, encoding),
                [],
                `${JSON.stringify(text)} → ${JSON.stringify(out)}`,
              );
            },
          ),
          { numRuns: 150 },
        );
      });
    }

    for (const encoding of ["raw", "json", "\\u lower", "percent upper", "html hex", "base64", "hex lower"]) {
      it(`${encoding}: a whole key of any Unicode characters`, () => {
        fc.assert(
          fc.property(
            unicodeKey,
            around,
            around,
            fc.integer({ min: 0, max: 2 }),
            (key, before, after, align) => {
              fc.pre([...key].length >= MIN_RUN);
              const out = redact(embed(encoding, before, key, after, align), [key]);
              assert.deepEqual(leaks(out, key, encoding), []);
            },
          ),
          { numRuns: 100 },
        );
      });
    }

    it("several echoes in several encodings in one text, then cut anywhere: nothing leaks", () => {
      fc.assert(
        fc.property(
          printable,
          fc.array(fc.constantFrom(...ENCODINGS), { minLength: 1, maxLength: 5 }),
          fc.nat(),
          (key, encodings, cut) => {
            const text = encodings.map((e, i) => embed(e, `[${i}] `, key, " ", i % 3)).join("\n");
            const out = redact(text, [key]).slice(0, cut % (text.length + 1));
            for (const e of encodings) assert.deepEqual(leaks(out, key, e), [], `${e}: ${out}`);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe("values and errors", () => {
    it("redactValue walks arrays and objects, keys included, and cuts cycles", () => {
      const cyclic: Record<string, unknown> = {
        [`k-${KEY}`]: [`v ${KEY}`, 5, null, { deep: unicodeEscaped(KEY) }],
      };
      cyclic.self = cyclic;
      const out = redactValue(cyclic, createRedactor([KEY]));
      assert.deepEqual(out, {
        [`k-${REDACTED}`]: [`v ${REDACTED}`, 5, null, { deep: REDACTED }],
        self: "[Circular]",
      });
    });

    it("redactError keeps name and code, redacts message and stack, drops other fields, and follows causes", () => {
      const inner = Object.assign(new Error(`bad header ${KEY}`), { code: "UND_ERR_X", data: `raw ${KEY}` });
      const outer = new Error(`socket: ${encodeURIComponent(KEY)}`, { cause: inner });
      const safe = redactError(outer, createRedactor([KEY])) as Error & { cause: Error & { code: string } };
      assert.equal(safe.message, `socket: ${REDACTED}`);
      assert.equal(safe.cause.message, `bad header ${REDACTED}`);
      assert.equal(safe.cause.code, "UND_ERR_X");
      assert.equal((safe.cause as unknown as { data?: string }).data, undefined);
      const all = JSON.stringify({
        m: safe.message,
        s: safe.stack,
        c: safe.cause.message,
        cs: safe.cause.stack,
      });
      assert.ok(!all.includes(KEY.slice(0, 8)), all);
    });
  });
});

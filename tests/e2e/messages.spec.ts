import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import { TEST_KEY } from "../helpers/emulator";
import type { CliResult, TestStack } from "../helpers/pulumi";

const COLLECTION = "pulumi-nodejs:dynamic/scrapingpros:Collection";
const STACK = "pulumi:pulumi:Stack";
/** The stack's scope: the first resource a program registers, where a bad setting fails preview. */
const STACK_SCOPE = "pulumi-nodejs:dynamic/scrapingpros:StackScope";

/** One diagnostic as `--json` reports it: the resource it is attached to, and its text. */
interface Diagnostic {
  urn: string;
  severity: string;
  message: string;
}

/** The diagnostics of a `preview --json` (one document) or `up/refresh --json` (one event per line). */
function diagnostics(r: CliResult): Diagnostic[] {
  try {
    return ((JSON.parse(r.stdout) as { diagnostics?: Diagnostic[] }).diagnostics ?? []).map(clean);
  } catch {
    const out: Diagnostic[] = [];
    for (const line of r.stdout.split("\n")) {
      if (!line.includes('"diagnosticEvent"')) continue;
      const d = (JSON.parse(line) as { diagnosticEvent: Diagnostic }).diagnosticEvent;
      out.push(clean({ urn: d.urn ?? "", severity: d.severity, message: d.message }));
    }
    return out;
  }
}

const clean = (d: Diagnostic): Diagnostic => ({ ...d, urn: d.urn ?? "", message: d.message.trim() });

/** The messages attached to the resource of `type` and logical `name` (the stack: `name` omitted). */
function on(diags: Diagnostic[], type: string, name?: string): string[] {
  return diags
    .filter((d) => d.urn.includes(`::${type}::`) && (name === undefined || d.urn.endsWith(`::${name}`)))
    .map((d) => d.message);
}

/** Asserts that exactly one of `messages` matches each pattern. */
function hasOne(messages: string[], ...patterns: RegExp[]): void {
  for (const p of patterns) {
    assert.equal(
      messages.filter((m) => p.test(m)).length,
      1,
      `expected one message matching ${p} in:\n${messages.join("\n")}`,
    );
  }
}

const OK = { url: "https://example.com/ok" };

describe("e2e: messages say what happened, to which resource and setting, and what to do", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h), { args: ["dev"] });

  const previewJson = (extraEnv: NodeJS.ProcessEnv = {}) => stack.run(["preview", "--json"], extraEnv);
  const noStackTrace = (r: CliResult) => {
    const all = r.stdout + r.stderr;
    assert.doesNotMatch(all, /\.ts:\d+/, "a stack frame into a .ts file");
    assert.doesNotMatch(all, /node_modules[\\/]pulumi-scrapingpros/, "a path into the package");
    assert.doesNotMatch(all, /\n\s+at /, "a stack frame");
  };

  it("typos in declarations: near misses warn on the collection; unknown top-level keys fail check, however args were built", async () => {
    // The program passes each JSON object as it is: not a fresh object literal.
    stack.setProgram({
      typos: {
        name: "typos",
        requests: [
          OK,
          {
            url: "https://example.com/1",
            customId: "sku-1",
            Browser: true,
            callback_url: "https://h.example.com",
          },
        ],
        callback_url: "https://hooks.example.com/x",
        adopt_existing: true,
      },
    });
    const before = emu.requests().length;
    const r = await previewJson();
    assert.notEqual(r.code, 0);
    const mine = on(diagnostics(r), COLLECTION, "typos");
    hasOne(
      mine,
      /^warning: requests\[1\]\.customId: unknown field; did you mean custom_id\? It is sent to the API as written/,
      /^warning: requests\[1\]\.Browser: unknown field; did you mean browser\?/,
      /^warning: requests\[1\]\.callback_url: callbackUrl is a property of the Collection, not of a request; move it next to `requests`/,
      /resource 'typos': property callback_url .* is not a Collection property; did you mean callbackUrl\?/,
      /resource 'typos': property adopt_existing .* is not a Collection property; did you mean adoptExisting\?/,
    );
    assert.deepEqual(on(diagnostics(r), STACK), []);
    assert.equal(emu.requests().length, before, "check calls nothing");
  });

  it("retries: no line per attempt, one line on the collection that recovered; a replay is a note, not a warning", async () => {
    const both = { one: { name: "one", requests: [OK] }, two: { name: "two", requests: [OK] } };
    stack.setProgram(both);
    emu.addFault({ method: "POST", path: "/v1/async/collections", times: 2, action: "status", status: 503 });
    const r = await stack.run(["up", "--yes", "--skip-preview", "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const all = diagnostics(r);
    // Each retry is a detail of its collection, shown only with --debug.
    const retries = all.filter((d) => /retrying in/.test(d.message));
    assert.ok(retries.length >= 2);
    assert.ok(retries.every((d) => d.severity === "debug" && d.urn.includes(`::${COLLECTION}::`)));
    const diags = all.filter((d) => d.severity !== "debug");
    assert.deepEqual(on(diags, STACK), [], "nothing on the stack");
    const recovered = [...on(diags, COLLECTION, "one"), ...on(diags, COLLECTION, "two")];
    // Both POSTs may have met the faults (in either order); each collection gets at most one line.
    assert.ok(recovered.length >= 1 && recovered.length <= 2, recovered.join("\n"));
    for (const m of recovered) {
      assert.match(
        m,
        /^create succeeded after [23] attempts \(retried after 503( ×2)?\); run with --debug to see each retry$/,
      );
    }
    assert.ok(diags.filter((d) => /succeeded after/.test(d.message)).every((d) => d.severity === "info"));

    // A lost answer: the retry is replayed by the API, which is reported as a note on the collection.
    emu.addFault({ method: "POST", path: "/v1/async/collections", times: 1, action: "drop-after-commit" });
    stack.setProgram({ ...both, three: { name: "three", requests: [OK] } });
    const replayed = await stack.run(["up", "--yes", "--skip-preview", "--json"]);
    assert.equal(replayed.code, 0, replayed.stdout + replayed.stderr);
    const three = diagnostics(replayed).filter((d) => d.urn.endsWith("::three") && d.severity !== "debug");
    assert.deepEqual(
      three.map((d) => [d.severity, d.message.replace(/[\w-]{36}/, "<id>")]),
      [
        [
          "info",
          "collection <id> (three): the API replayed an earlier create; re-applied the declared requests",
        ],
        [
          "info",
          "create succeeded after 2 attempts (retried after network); run with --debug to see each retry",
        ],
      ],
    );
    stack.setProgram(both);
  });

  it("a replacement warns at preview that the old collection stays in the account", async () => {
    const [one] = emu.collections().filter((c) => c.name === "one");
    stack.setProgram({
      one: { name: "one", requests: [OK], callbackUrl: "https://hooks.example.com/new" },
      two: { name: "two", requests: [OK] },
    });
    const r = await previewJson();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    hasOne(
      on(diagnostics(r), COLLECTION, "one"),
      new RegExp(
        `^warning: callbackUrl changes, so this collection is replaced: a new one is created and the current one \\(${one?.id}, one\\) stays in your ScrapingPros account, because the API has no delete$`,
      ),
    );
    stack.setProgram({ one: { name: "one", requests: [OK] }, two: { name: "two", requests: [OK] } });
  });

  it("settings: an unknown scrapingpros:* key fails preview naming the known keys, and sends nothing anywhere", async () => {
    await stack.ok(["config", "set", "scrapingpros:baseURL", emu.url]);
    const before = emu.requests().length;
    const r = await previewJson();
    await stack.ok(["config", "rm", "scrapingpros:baseURL"]);
    assert.notEqual(r.code, 0);
    hasOne(
      on(diagnostics(r), STACK_SCOPE),
      /unknown setting scrapingpros:baseURL in the stack config: did you mean scrapingpros:baseUrl\? Run `pulumi config rm scrapingpros:baseURL` and `pulumi config set scrapingpros:baseUrl <value>`\. The provider reads scrapingpros:apiKey, scrapingpros:baseUrl, scrapingpros:maxRetries, scrapingpros:timeoutMs, scrapingpros:deadlineMs/,
    );
    assert.equal(emu.requests().length, before);
    noStackTrace(r);
  });

  it("settings: a base URL without a scheme names the setting, its source and the expected form", async () => {
    const hostPort = emu.url.replace(/^http:\/\//, "");
    await stack.ok(["config", "set", "scrapingpros:baseUrl", hostPort]);
    const fromConfig = await previewJson();
    // The environment variable, when the stack config has none.
    await stack.ok(["config", "rm", "scrapingpros:baseUrl"]);
    const fromEnv = await previewJson({ SCRAPINGPROS_BASE_URL: hostPort });
    await stack.ok(["config", "set", "scrapingpros:baseUrl", emu.url]);
    for (const [r, source] of [
      [fromConfig, "stack config scrapingpros:baseUrl"],
      [fromEnv, "environment variable SCRAPINGPROS_BASE_URL"],
    ] as const) {
      assert.notEqual(r.code, 0);
      hasOne(
        on(diagnostics(r), STACK_SCOPE),
        new RegExp(
          `${source} is "${hostPort.replace(/\./g, "\\.")}": it has no scheme \\(add http:// or https://\\); expected an absolute http\\(s\\) URL such as https://api\\.scrapingpros\\.com`,
        ),
      );
      noStackTrace(r);
    }
  });

  it("settings: an API key stored without --secret is a warning on the stack, with the fix", async () => {
    await stack.ok(["config", "set", "scrapingpros:apiKey", TEST_KEY]);
    const r = await previewJson();
    await stack.ok(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    hasOne(
      on(diagnostics(r), STACK),
      /^warning: scrapingpros:apiKey is stored in plain text in Pulumi\.dev\.yaml and in `pulumi stack export`: make it a secret with `pulumi config set --secret scrapingpros:apiKey <key>`/,
    );
    const secret = await previewJson();
    assert.deepEqual(
      on(diagnostics(secret), STACK).filter((m) => /plain text/.test(m)),
      [],
    );
  });

  it("a refused key says where the key came from and how to set it", async () => {
    await stack.ok(["config", "set", "--secret", "scrapingpros:apiKey", "sp-wrong-key-0000"]);
    stack.setProgram({
      one: { name: "one", requests: [OK, { url: "https://example.com/2" }] },
      two: { name: "two", requests: [OK] },
    });
    const r = await stack.run(["up", "--yes", "--skip-preview", "--json"]);
    await stack.ok(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
    assert.notEqual(r.code, 0);
    hasOne(
      on(diagnostics(r), COLLECTION, "one"),
      /the ScrapingPros API refused the API key from stack config scrapingpros:apiKey \(401: .*\) at http:\/\/127\.0\.0\.1:\d+; set a valid key with `pulumi config set --secret scrapingpros:apiKey <key>`/,
    );
    noStackTrace(r);
  });

  it("a hung API: the error says the attempts, the call's deadline and the settings that change them", async () => {
    await stack.ok(["config", "set", "scrapingpros:timeoutMs", "300"]);
    await stack.ok(["config", "set", "scrapingpros:deadlineMs", "1000"]);
    emu.addFault({
      method: "PUT",
      path: "/v1/async/collections/*",
      times: 4,
      action: "delay",
      delayMs: 1500,
    });
    const r = await stack.run(["up", "--yes", "--skip-preview", "--json"]);
    assert.notEqual(r.code, 0);
    hasOne(
      on(diagnostics(r), COLLECTION, "one"),
      /PUT \/v1\/async\/collections\/[\w-]+: timed out, no answer from the API after \d attempts? within the call's deadline of 1000 ms \(stack config scrapingpros:deadlineMs\); each attempt may take 300 ms \(stack config scrapingpros:timeoutMs\), retries: at most 3 \(stack config scrapingpros:maxRetries\)\. Check that http:\/\/127\.0\.0\.1:\d+ is up; if it is only slow, raise scrapingpros:deadlineMs and scrapingpros:timeoutMs/,
    );
    await stack.ok(["config", "rm", "scrapingpros:timeoutMs"]);
    await stack.ok(["config", "rm", "scrapingpros:deadlineMs"]);
  });

  it("diffs and outputs show no bookkeeping, and times as ISO 8601", async () => {
    // An auto-named collection (its state records that) next to the others; then a change to show a diff.
    stack.setProgram({
      one: { name: "one", requests: [OK] },
      two: { name: "two", requests: [OK] },
      auto: { requests: [OK] },
    });
    await stack.up();
    await stack.refresh();
    stack.setProgram({
      one: { name: "one", requests: [OK] },
      two: { name: "two", requests: [OK] },
      auto: { requests: [OK, { url: "https://example.com/more" }] },
    });
    const r = await stack.ok(["up", "--yes", "--diff"]);
    assert.match(r.stdout, /~ requests/);
    assert.doesNotMatch(r.stdout, /schemaVersion|autoNamed|e\+09/);
    const [auto] = (await stack.collections()).filter((c) => c.urn.endsWith("::auto"));
    assert.match(String(auto?.outputs.createdAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(auto?.outputs.__autoNamed, true);
    stack.setProgram({ one: { name: "one", requests: [OK] }, two: { name: "two", requests: [OK] } });
    await stack.up();
  });

  it("refresh uses the settings saved by the last up: the error points at --run-program, which works", async () => {
    // An up against a dead address saves that base URL in the state (nothing changes, no call).
    const dead = "http://127.0.0.1:9";
    await stack.ok(["config", "set", "scrapingpros:baseUrl", dead]);
    await stack.ok(["config", "set", "scrapingpros:maxRetries", "0"]);
    await stack.ok(["config", "set", "scrapingpros:deadlineMs", "1500"]);
    stack.setProgram({ one: { name: "one", requests: [OK] }, two: { name: "two", requests: [OK] } });
    await stack.run(["up", "--yes", "--skip-preview"]);
    // The user fixes the base URL; a plain refresh still reads the dead one from the state.
    await stack.ok(["config", "set", "scrapingpros:baseUrl", emu.url]);
    const r = await stack.run(["refresh", "--yes", "--skip-preview", "--json"]);
    assert.notEqual(r.code, 0);
    hasOne(
      on(diagnostics(r), COLLECTION, "two"),
      /could not reach the ScrapingPros API at http:\/\/127\.0\.0\.1:9 \(stack config scrapingpros:baseUrl\) after 1 attempt: .*Check scrapingpros:baseUrl \(or SCRAPINGPROS_BASE_URL\) and the network\. `pulumi refresh` uses the provider settings saved in the state by the last `pulumi up`, not the current stack config or environment: after changing scrapingpros:apiKey or scrapingpros:baseUrl, run `pulumi refresh --run-program` \(or `pulumi up`\) instead; see "Changing settings" in the README/,
    );
    noStackTrace(r);
    const fixed = await stack.run(["refresh", "--yes", "--skip-preview", "--run-program"]);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  });
});

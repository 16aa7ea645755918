import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { MISSING_KEY_MESSAGE } from "../../provider/core/config";
import { keyForms, useStack } from "../helpers/e2e";
import { TEST_KEY } from "../helpers/emulator";
import { changesOf, type TestStack } from "../helpers/pulumi";
import { leaks } from "../helpers/secret-forms";

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("e2e: API key from the environment (S6)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h), { args: ["envkey", "env"] });

  it("deploys with SCRAPINGPROS_API_KEY, and the state holds the key in no form, even decrypted", async () => {
    stack.setProgram({ envkey: { name: "envkey", requests: [{ url: "https://example.com" }] } });
    await stack.up();
    assert.equal(emu.collections().length, 1);
    assert.deepEqual(changesOf(await stack.preview()), {});
    const all = [await stack.exportText(), await stack.exportText(true), ...stack.transcript].join("\n");
    assert.deepEqual(keyForms(TEST_KEY, all), []);
  });

  it("without any key, preview fails saying how to set it, and up creates and calls nothing", async () => {
    delete stack.env.SCRAPINGPROS_API_KEY;
    const before = emu.requests().length;
    stack.setProgram({
      envkey: { name: "envkey", requests: [{ url: "https://example.com" }] },
      other: { name: "other", requests: [] },
    });
    const preview = await stack.run(["preview"]);
    assert.notEqual(preview.code, 0, "preview must fail, not report +1 to create");
    assert.match(preview.stdout + preview.stderr, new RegExp(literal(MISSING_KEY_MESSAGE)));
    const r = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /pulumi config set --secret scrapingpros:apiKey/);
    assert.equal(emu.requests().length, before);
    assert.deepEqual(
      (await stack.collections()).map((c) => c.urn.split("::").pop()),
      ["envkey"],
    );
  });

  it("without any key, a new stack gets nothing, not even its scope; a lookup fails the same way", async () => {
    await stack.ok(["stack", "init", "fresh"]);
    try {
      await stack.ok(["config", "set", "scrapingpros:baseUrl", emu.url]);
      const before = emu.requests().length;
      for (const args of [["preview"], ["up", "--yes", "--skip-preview"], ["up", "--yes"]]) {
        const r = await stack.run(args);
        assert.notEqual(r.code, 0, args.join(" "));
        assert.match(r.stdout + r.stderr, new RegExp(literal(MISSING_KEY_MESSAGE)), args.join(" "));
      }
      const state = JSON.parse(await stack.exportText()) as {
        deployment: { resources?: { type: string }[] };
      };
      assert.deepEqual(
        (state.deployment.resources ?? []).map((r) => r.type).filter((t) => t.includes("scrapingpros")),
        [],
      );
      // A program whose first call is a lookup fails at preview too, before any call.
      const index = path.join(stack.projectDir, "index.js");
      const program = fs.readFileSync(index, "utf8");
      fs.writeFileSync(
        index,
        'const sp = require("pulumi-scrapingpros");\nexports.c = sp.getCollection({ id: "c-1" }).then((c) => c.name);\n',
      );
      try {
        const r = await stack.run(["preview"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stdout + r.stderr, new RegExp(literal(MISSING_KEY_MESSAGE)));
      } finally {
        fs.writeFileSync(index, program);
      }
      assert.equal(emu.requests().length, before);
    } finally {
      // `stack rm` leaves no stack selected
      await stack.ok(["stack", "rm", "fresh", "--yes", "--force"]);
      await stack.ok(["stack", "select", "envkey"]);
    }
  });

  it("refresh after the collection is gone from the account removes it from the stack", async () => {
    stack.env.SCRAPINGPROS_API_KEY = TEST_KEY;
    stack.setProgram({ envkey: { name: "envkey", requests: [{ url: "https://example.com" }] } });
    assert.equal((await stack.collections()).length, 1);
    emu.reset(); // the account no longer has it
    const changes = await stack.refresh();
    assert.equal(changes.delete, 1);
    assert.deepEqual(await stack.collections(), []);
    assert.deepEqual(changesOf(await stack.preview()), { create: 1 });
  });

  it("without a key, refresh fails saying how to set it and changes nothing; destroy still works (it calls no API)", async () => {
    stack.env.SCRAPINGPROS_API_KEY = TEST_KEY;
    stack.setProgram({ envkey: { name: "envkey", requests: [{ url: "https://example.com" }] } });
    await stack.up();
    delete stack.env.SCRAPINGPROS_API_KEY;
    const before = emu.requests().length;
    const refresh = await stack.run(["refresh", "--yes", "--skip-preview"]);
    assert.notEqual(refresh.code, 0);
    assert.match(refresh.stdout + refresh.stderr, new RegExp(literal(MISSING_KEY_MESSAGE)));
    assert.equal((await stack.collections()).length, 1, "the failed refresh dropped nothing");
    const destroy = await stack.run(["destroy", "--yes", "--skip-preview"]);
    assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
    assert.match(destroy.stdout, /was removed from the stack but still exists in ScrapingPros/);
    assert.deepEqual(await stack.collections(), []);
    assert.equal(emu.requests().length, before);
    stack.env.SCRAPINGPROS_API_KEY = TEST_KEY;
  });

  describe("a credential in the base URL is refused, and printed and stored nowhere", () => {
    // Built at run time, so that no committed string looks like a live key.
    const CREDENTIAL = ["SPK", "live", "9f8e7d6c5b4a"].join("_");
    beforeEach(() => {
      stack.env.SCRAPINGPROS_API_KEY = TEST_KEY;
      stack.setProgram({ envkey: { name: "envkey", requests: [{ url: "https://example.com" }] } });
    });

    it("in the stack config, plain or secret: preview and up fail before anything is registered", async () => {
      for (const secret of [false, true]) {
        const hostPort = emu.url.replace(/^http:\/\//, "");
        await stack.ok([
          "config",
          "set",
          ...(secret ? ["--secret"] : []),
          "scrapingpros:baseUrl",
          `http://user:${CREDENTIAL}@${hostPort}`,
        ]);
        const before = emu.requests().length;
        const outputs: string[] = [];
        for (const args of [["preview"], ["up", "--yes", "--skip-preview"]]) {
          const r = await stack.run(args);
          outputs.push(r.stdout, r.stderr);
          assert.notEqual(r.code, 0);
          assert.match(
            r.stdout + r.stderr,
            new RegExp(
              `stack config scrapingpros:baseUrl is "http://\\*\\*\\*@${literal(hostPort)}": it carries a user name or password`,
            ),
          );
        }
        assert.equal(emu.requests().length, before);
        outputs.push(await stack.exportText());
        assert.deepEqual(leaks([CREDENTIAL], outputs.join("\n")), [], `secret: ${secret}`);
        await stack.ok(["config", "set", "scrapingpros:baseUrl", emu.url]);
      }
    });

    it("in the environment (the issue's input): the error names the variable and the problems, not the key", async () => {
      await stack.ok(["config", "rm", "scrapingpros:baseUrl"]);
      try {
        const r = await stack.run(["preview"], {
          SCRAPINGPROS_BASE_URL: `htps://user:${CREDENTIAL}@api.scrapingpros.com`,
        });
        assert.notEqual(r.code, 0);
        assert.match(
          r.stdout + r.stderr,
          /environment variable SCRAPINGPROS_BASE_URL is "htps:\/\/\*\*\*@api\.scrapingpros\.com": it uses htps, not http or https; and it carries a user name or password/,
        );
        assert.deepEqual(leaks([CREDENTIAL], r.stdout + r.stderr + (await stack.exportText())), []);
      } finally {
        await stack.ok(["config", "set", "scrapingpros:baseUrl", emu.url]);
      }
    });

    it("the key pasted into another setting is not echoed", async () => {
      await stack.ok(["config", "set", "scrapingpros:timeoutMs", TEST_KEY]);
      try {
        const r = await stack.run(["preview"]);
        assert.notEqual(r.code, 0);
        assert.match(
          r.stdout + r.stderr,
          /stack config scrapingpros:timeoutMs is a value of \d+ characters, not shown because it could be a credential: it must be a non-negative number of milliseconds/,
        );
        assert.deepEqual(keyForms(TEST_KEY, r.stdout + r.stderr), []);
      } finally {
        await stack.ok(["config", "rm", "scrapingpros:timeoutMs"]);
      }
    });
  });
});

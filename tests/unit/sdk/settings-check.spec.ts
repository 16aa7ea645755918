import * as assert from "node:assert/strict";
import { apiKeyIsPlainText, baseUrlCredentialError, plainKeyWarning } from "../../../sdk/settings-check";

describe("settings checks of the program", () => {
  it("an API key in the stack config that is not a secret is plain text; a secret or no key is not", () => {
    const secret = (keys: string[]) => (k: string) => keys.includes(k);
    assert.equal(apiKeyIsPlainText({ "scrapingpros:apiKey": "k" }, secret([])), true);
    assert.equal(apiKeyIsPlainText({ "scrapingpros:apiKey": "k" }, secret(["scrapingpros:apiKey"])), false);
    assert.equal(apiKeyIsPlainText({}, secret([])), false);
  });

  it("the warning names the stack's file, stack export, and both fixes", () => {
    assert.equal(
      plainKeyWarning("prod"),
      "scrapingpros:apiKey is stored in plain text in Pulumi.prod.yaml and in `pulumi stack export`: make it a " +
        "secret with `pulumi config set --secret scrapingpros:apiKey <key>` (and rotate the key if that file was " +
        "shared or committed), or drop it and set SCRAPINGPROS_API_KEY in the environment",
    );
  });
});

describe("settings checks of the program: a credential in the stack config's base URL", () => {
  const KEY = ["SPK", "live", "9f8e7d6c5b4a"].join("_");

  it("is refused before anything is registered, naming the setting and not the credential", () => {
    const m = baseUrlCredentialError({ "scrapingpros:baseUrl": `http://user:${KEY}@127.0.0.1:8787` });
    assert.ok(m);
    assert.match(
      m,
      /^stack config scrapingpros:baseUrl is "http:\/\/\*\*\*@127\.0\.0\.1:8787": it carries a user name or password/,
    );
    assert.ok(!m.includes(KEY));
  });

  it("leaves every other base URL, good or bad, to the provider (which reports it on the resource)", () => {
    assert.equal(baseUrlCredentialError({ "scrapingpros:baseUrl": "http://127.0.0.1:8787" }), undefined);
    assert.equal(baseUrlCredentialError({ "scrapingpros:baseUrl": "127.0.0.1:8787" }), undefined);
    assert.equal(baseUrlCredentialError({}), undefined);
  });
});

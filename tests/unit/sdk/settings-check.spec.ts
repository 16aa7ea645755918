import * as assert from "node:assert/strict";
import { apiKeyIsPlainText, plainKeyWarning } from "../../../sdk/settings-check";

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

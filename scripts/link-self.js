#!/usr/bin/env node
/**
 * Makes this package resolvable by its own name from this checkout: node_modules/pulumi-scrapingpros
 * becomes a link to the package root. Pulumi programs in this repository (the root demo, the
 * examples, the end-to-end test projects) then load it exactly as a user's program loads the
 * installed package, and so does the dynamic-provider process, whose serialized provider is
 * `require("pulumi-scrapingpros/provider")`. Run by `npm run prepare` (so by `npm ci`), and again by
 * the demo and the end-to-end tests, because `npm install <pkg>` prunes the link.
 */
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** Creates or repairs the link; does nothing when it is already right. */
function linkSelf() {
  const link = path.join(ROOT, "node_modules", "pulumi-scrapingpros");
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    if (fs.lstatSync(link).isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(ROOT)) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    // no link yet
  }
  fs.symlinkSync("..", link, "dir");
}

module.exports = { linkSelf };

if (require.main === module) linkSelf();

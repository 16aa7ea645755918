#!/usr/bin/env node
/**
 * Makes this package resolvable by its own name from this checkout: node_modules/pulumi-scrapingpros
 * becomes a link to the package root. Pulumi programs in this repository (the root demo, the
 * examples, the end-to-end test projects) then load it exactly as a user's program loads the
 * installed package, and so does the dynamic-provider process, whose serialized provider is
 * `require("pulumi-scrapingpros/provider")`. Run by `npm run prepare` (so by `npm ci`).
 */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-scrapingpros");
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  const st = fs.lstatSync(link);
  if (st.isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(root)) process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // no link yet
}
fs.symlinkSync("..", link, "dir");

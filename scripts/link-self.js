#!/usr/bin/env node
/**
 * Makes this package resolvable by its own name from this checkout: node_modules/pulumi-scrapingpros
 * becomes a link to the package root. Pulumi programs in this repository (the root demo, the
 * examples, the end-to-end test projects) then load it exactly as a user's program loads the
 * installed package, and so does the dynamic-provider process, whose serialized provider is
 * `require("pulumi-scrapingpros/provider")`. Its bins get shims in node_modules/.bin, as npm links
 * an installed package's, so `npx pulumi-scrapingpros validate` works in the examples' folders (npm
 * looks for a bin in every node_modules/.bin up the tree). Run by `npm run prepare` (so by `npm ci`),
 * and again by the demo and the end-to-end tests, because `npm install <pkg>` prunes the links.
 */
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** Creates or repairs the links; does nothing when they are already right. */
function linkSelf() {
  const modules = path.join(ROOT, "node_modules");
  const link = path.join(modules, "pulumi-scrapingpros");
  fs.mkdirSync(modules, { recursive: true });
  try {
    if (!(fs.lstatSync(link).isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(ROOT))) {
      fs.rmSync(link, { recursive: true, force: true });
    }
  } catch {
    // no link yet
  }
  if (!fs.existsSync(link)) fs.symlinkSync("..", link, "dir");
  const { bin = {} } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  for (const [name, file] of Object.entries(bin)) {
    // A shim, not npm's symbolic link: `npm run build` rewrites the bin without its executable
    // bit (npm sets it on install), and a shim runs it with node either way.
    const shim = path.join(modules, ".bin", name);
    const text = `#!/bin/sh\nexec node "$(dirname "$0")/../pulumi-scrapingpros/${file}" "$@"\n`;
    fs.mkdirSync(path.dirname(shim), { recursive: true });
    try {
      if (fs.lstatSync(shim).isSymbolicLink() || fs.readFileSync(shim, "utf8") !== text) fs.rmSync(shim);
    } catch {
      // no shim yet
    }
    if (!fs.existsSync(shim)) fs.writeFileSync(shim, text);
    fs.chmodSync(shim, 0o755);
  }
}

module.exports = { linkSelf };

if (require.main === module) linkSelf();

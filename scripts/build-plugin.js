#!/usr/bin/env node
/**
 * @file Builds the native resource plugin `scrapingpros` (run by `npm run build`, after tsc):
 *
 *   dist/plugin/scrapingpros/                          the plugin's folder, as Pulumi installs it:
 *     pulumi-resource-scrapingpros                     the executable the engine starts: a POSIX sh
 *                                                      launcher that checks `node` on PATH and its
 *                                                      version, then `exec`s it on the bundle
 *     pulumi-resource-scrapingpros.cjs                 provider/native/main.ts and everything it
 *                                                      imports (@pulumi/pulumi, gRPC, ...), one file
 *   dist/plugin/pulumi-resource-scrapingpros-v<version>.tar.gz
 *                                                      those two files at the archive's root, for
 *                                                      `pulumi plugin install resource scrapingpros
 *                                                      <version> --file <tarball>`
 *   dist/plugin/manifest.json                          version, tarball name and each file's size,
 *                                                      mode and SHA-256, which `pulumi-scrapingpros
 *                                                      plugin install` compares with an installed copy
 *
 * The plugin needs Node.js and nothing else: no `node_modules` (the tarball may hold no symbolic
 * link out of itself, and the plugin cache is not beside any project). The bundle is CommonJS with a
 * `.cjs` name, so a `package.json` with `"type": "module"` above the plugin cache cannot change how
 * Node loads it. The minimum Node.js version comes from `engines.node` of package.json.
 *
 * Minified without renaming (`minifyWhitespace`, `minifySyntax`, `keepNames`): a third smaller than
 * plain, and stack traces and error class names (`new.target.name`) stay those of the sources.
 * The tarball is written by node-tar with fixed modes (0755 launcher, 0644 bundle), a fixed mtime
 * and no owner: the same sources give the same bytes on every machine (GNU and BSD `tar` differ in
 * flags and in what metadata they store).
 *
 * Usage: node scripts/build-plugin.js [--quiet]   (prints what it built, with sizes and the time)
 * Library: require("./scripts/build-plugin.js").buildPlugin({ quiet, out }) → Promise<manifest>
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const PLUGIN_NAME = "scrapingpros";
const LAUNCHER = `pulumi-resource-${PLUGIN_NAME}`;
const BUNDLE = `${LAUNCHER}.cjs`;
/** Fixed so the tarball's bytes depend only on the files' contents. */
const MTIME = new Date("2000-01-01T00:00:00Z");

/** The lowest Node.js version of `engines.node` (">=20.18.1" → [20, 18, 1]). */
function minimumNode(range) {
  const m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(String(range).trim());
  if (!m) throw new Error(`engines.node of package.json must read ">=X.Y.Z", not ${JSON.stringify(range)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The launcher: POSIX sh, no other command than `node` (so it works with a PATH of only node). */
function launcherScript(version, [major, minor, patch]) {
  const min = `${major}.${minor}.${patch}`;
  const say = (text) => `printf '%s\\n' "${LAUNCHER}: ${text}" >&2`;
  return `#!/bin/sh
# The scrapingpros resource provider plugin (pulumi-scrapingpros ${version}), started by the Pulumi
# engine with its address as the argument. Runs the bundle beside this file with the node on PATH.
case "$0" in
  */*) plugin_dir=\${0%/*} ;;
  *) plugin_dir=. ;;
esac
if ! command -v node >/dev/null 2>&1; then
  ${say(`the scrapingpros plugin needs Node.js >= ${min}, and there is no node on PATH; install Node.js (https://nodejs.org) or put its bin folder on the PATH pulumi runs with`)}
  exit 1
fi
node_version=$(node --version 2>/dev/null)
v=\${node_version#v}
major=\${v%%.*}
rest=\${v#*.}
minor=\${rest%%.*}
patch=\${rest#*.}
patch=\${patch%%[!0-9]*}
case "$major.$minor.$patch" in
  *[!0-9.]* | .* | *..* | *.) too_old=unknown ;;
  *)
    if [ "$major" -gt ${major} ] || { [ "$major" -eq ${major} ] && { [ "$minor" -gt ${minor} ] || { [ "$minor" -eq ${minor} ] && [ "$patch" -ge ${patch} ]; }; }; }; then
      too_old=no
    else
      too_old=yes
    fi
    ;;
esac
if [ "$too_old" != no ]; then
  ${say(`the scrapingpros plugin needs Node.js >= ${min}; the node on PATH ($(command -v node)) is \${node_version:-of an unknown version}`)}
  exit 1
fi
exec node "$plugin_dir/${BUNDLE}" "$@"
`;
}

const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/**
 * Builds the plugin folder, the tarball and the manifest into `out` (default dist/plugin/, emptied
 * first); returns the manifest.
 */
async function buildPlugin({ quiet = false, out = path.join(ROOT, "dist", "plugin") } = {}) {
  const started = process.hrtime.bigint();
  const esbuild = require("esbuild");
  const tar = require("tar");
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const folder = path.join(out, PLUGIN_NAME);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });

  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, "provider", "native", "main.ts")],
    outfile: path.join(folder, BUNDLE),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: false,
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: "none",
    // The bundle runs with no package around it: the version and the schema go inside.
    define: {
      SCRAPINGPROS_BUNDLED_VERSION: JSON.stringify(pkg.version),
      SCRAPINGPROS_BUNDLED_SCHEMA: JSON.stringify(
        fs.readFileSync(path.join(ROOT, "schema", "provider.json"), "utf8"),
      ),
    },
    logLevel: "silent",
  });
  // A warning (a require that cannot be bundled, a missing file) fails the build: the plugin must
  // run with no node_modules.
  if (result.warnings.length > 0) {
    throw new Error(
      `esbuild warned, so the bundle may need node_modules:\n${result.warnings.map((w) => w.text).join("\n")}`,
    );
  }
  fs.chmodSync(path.join(folder, BUNDLE), 0o644);
  fs.writeFileSync(path.join(folder, LAUNCHER), launcherScript(pkg.version, minimumNode(pkg.engines?.node)));
  fs.chmodSync(path.join(folder, LAUNCHER), 0o755);

  const tarball = `${LAUNCHER}-v${pkg.version}.tar.gz`;
  await tar.c(
    { gzip: { level: 9 }, file: path.join(out, tarball), cwd: folder, portable: true, mtime: MTIME },
    [LAUNCHER, BUNDLE],
  );

  const manifest = {
    name: PLUGIN_NAME,
    kind: "resource",
    version: pkg.version,
    tarball,
    tarballSha256: sha256(path.join(out, tarball)),
    files: Object.fromEntries(
      [LAUNCHER, BUNDLE].map((f) => {
        const file = path.join(folder, f);
        const st = fs.statSync(file);
        return [f, { size: st.size, mode: (st.mode & 0o777).toString(8), sha256: sha256(file) }];
      }),
    ),
  };
  fs.writeFileSync(path.join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  if (!quiet) {
    const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
    const kB = (n) => `${(n / 1000).toFixed(0)} kB`;
    process.stdout.write(
      `build-plugin: ${path.relative(ROOT, folder)}/ (${LAUNCHER}, ${BUNDLE} ${kB(manifest.files[BUNDLE].size)}) ` +
        `and ${path.relative(ROOT, path.join(out, tarball))} (${kB(fs.statSync(path.join(out, tarball)).size)}) in ${ms} ms\n`,
    );
  }
  return manifest;
}

module.exports = { buildPlugin, launcherScript, minimumNode, PLUGIN_NAME, LAUNCHER, BUNDLE };

if (require.main === module) {
  buildPlugin({ quiet: process.argv.includes("--quiet") }).catch((e) => {
    process.stderr.write(`build-plugin: ${e.stack || e}\n`);
    process.exitCode = 1;
  });
}

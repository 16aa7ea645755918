/**
 * Packages as users get them, for the upgrade and state-layout tests: built from a commit of this
 * repository or from the work tree, packed with `npm pack`, unpacked. The unpacked package gets a
 * `node_modules` link to this repository's, so it loads the same `@pulumi/pulumi` as the project
 * that `UserProject.usePackage` points at it.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");

/**
 * The environment of a package manager run by a test: this process's, without what `npm run`
 * adds for its scripts (which would make npm treat this repository as the project).
 */
export function installEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(lifecycle|package|command|execpath|node_execpath)/i.test(k)) continue;
    if (/^npm_config_(local_prefix|global_prefix|prefix)$/i.test(k) || k === "INIT_CWD") continue;
    env[k] = v;
  }
  return env;
}

/** `npm pack` of `src` into `dir` (scripts skipped: `src` is built already); returns the tarball. */
export function pack(src: string, dir: string): string {
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
    cwd: src,
    encoding: "utf8",
    env: installEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [report] = JSON.parse(out) as { filename: string }[];
  assert.ok(report, `npm pack in ${src} reported nothing`);
  return path.join(dir, report.filename);
}

/** Unpacks `tarball` into `dir`/package, links this repository's node_modules into it; returns it. */
function unpack(tarball: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", dir]);
  const pkg = path.join(dir, "package");
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(pkg, "node_modules"), "dir");
  return pkg;
}

/** Packs this work tree's build (`npm run build` first) into `dir` and unpacks it; returns the package folder. */
export function packCurrent(dir: string): string {
  return unpack(pack(REPO, dir), path.join(dir, "current"));
}

/**
 * Builds `commit` into `dir`, packs it with
 * `npm pack` and unpacks the tarball; returns the unpacked package's folder.
 */
export function buildAndPack(commit: string, dir: string): string {
  const src = path.join(dir, "src");
  fs.mkdirSync(src, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", commit], {
    cwd: REPO,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", src], { input: archive });
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(src, "node_modules"), "dir");
  const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: src, stdio: "pipe" });
  return unpack(pack(src, dir), path.join(dir, "unpacked"));
}

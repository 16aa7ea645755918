import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

interface EnsureResult {
  binDir: string;
  pulumi: string;
  version: string;
  source: string;
}
interface EnsureModule {
  ensurePulumi(options?: { quiet?: boolean; ignorePath?: boolean }): EnsureResult;
  pinnedVersion(): string;
  parseVersion(text: string): string | undefined;
  compareVersions(a: string, b: string): number;
  findOnPath(name: string, searchPath?: string): string | undefined;
  shimScript(): string;
}

// Plain CommonJS script without type declarations.
const ensure = require("../../scripts/ensure-pulumi.js") as EnsureModule;

describe("scripts/ensure-pulumi.js", () => {
  let tmp: string;
  let savedPath: string | undefined;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ensure-pulumi-"));
    savedPath = process.env.PATH;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function fakeExecutable(name: string, body: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  }

  it("reads the pinned version from the wrapper module's go.mod", () => {
    assert.match(ensure.pinnedVersion(), /^3\.\d+\.\d+$/);
  });

  it("parses and compares versions", () => {
    assert.equal(ensure.parseVersion("v3.274.1\n"), "3.274.1");
    assert.equal(ensure.parseVersion("warning: x\nv3.181.0-alpha.1"), "3.181.0");
    assert.equal(ensure.parseVersion("no version"), undefined);
    assert.ok(ensure.compareVersions("3.274.1", "3.181.0") > 0);
    assert.ok(ensure.compareVersions("3.99.0", "3.181.0") < 0);
    assert.equal(ensure.compareVersions("3.181.0", "3.181.0"), 0);
  });

  it("finds only executable files on a PATH", () => {
    fs.writeFileSync(path.join(tmp, "not-exec"), "x", { mode: 0o644 });
    const exe = fakeExecutable("is-exec", "true");
    assert.equal(ensure.findOnPath("is-exec", `/nonexistent${path.delimiter}${tmp}`), exe);
    assert.equal(ensure.findOnPath("not-exec", tmp), undefined);
  });

  it("uses a recent pulumi from PATH when the Node.js language host is beside it", () => {
    const pulumi = fakeExecutable("pulumi", 'echo "v3.300.2"');
    fakeExecutable("pulumi-language-nodejs", "exit 0");
    process.env.PATH = tmp;
    const r = ensure.ensurePulumi({ quiet: true });
    assert.deepEqual(r, { binDir: tmp, pulumi, version: "3.300.2", source: "path" });
  });

  it("writes a dynamic provider shim that forwards its arguments to node", () => {
    const shim = ensure.shimScript();
    assert.match(shim, /^#!\/bin\/sh\n/);
    assert.match(shim, /require\.resolve\('@pulumi\/pulumi\/cmd\/dynamic-provider'\)/);
    assert.match(shim, /exec node "\$script" "\$@"/);
  });
});

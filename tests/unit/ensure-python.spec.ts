import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

interface EnsureResult {
  python: string;
  venv: string;
  source: "cached" | "built";
  versions: Record<string, string>;
}
interface EnsureModule {
  ensurePython(options?: {
    quiet?: boolean;
    toolsDir?: string;
    requirements?: string;
    progress?: boolean;
  }): EnsureResult;
  parseRequirements(text: string): Map<string, string>;
  normalizeName(name: string): string;
  findPython(): { python: string; version: string };
  inputsHash(requirementsText: string, base: { python: string; version: string }): string;
}

// Plain CommonJS script without type declarations.
const ensure = require("../../scripts/ensure-python.js") as EnsureModule;
const REQUIREMENTS = path.resolve(__dirname, "..", "..", "scripts", "python-tools", "requirements.txt");

describe("scripts/ensure-python.js", () => {
  let tmp: string;
  let savedPython: string | undefined;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ensure-python-"));
    savedPython = process.env.SP_PYTHON;
  });
  afterEach(() => {
    if (savedPython === undefined) delete process.env.SP_PYTHON;
    else process.env.SP_PYTHON = savedPython;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A stand-in python: reports `version`, and fails `-m venv` as a Python without its venv module does. */
  function fakePython(version: string): string {
    const file = path.join(tmp, "fake-python");
    fs.writeFileSync(
      file,
      `#!/bin/sh\ncase "$1" in\n  -c) echo ${version} ;;\n  -m) echo "ensurepip is not available" >&2; exit 1 ;;\nesac\n`,
      { mode: 0o755 },
    );
    return file;
  }

  it("pins every package of the committed requirements, the tools and pulumi 3.272.0 among them", () => {
    const pins = ensure.parseRequirements(fs.readFileSync(REQUIREMENTS, "utf8"));
    assert.equal(pins.get("pulumi"), "3.272.0");
    for (const tool of ["build", "setuptools", "mypy"]) assert.ok(pins.has(tool), tool);
    // What pulumi pulls in is pinned too (a fresh machine resolves to the same set).
    for (const dep of ["grpcio", "protobuf", "dill", "pyyaml", "semver", "typing-extensions"])
      assert.ok(pins.has(dep), dep);
  });

  it("reads name==version pins, skips comments, and refuses ranges, options and duplicates by line", () => {
    const pins = ensure.parseRequirements(
      "# tools\nmypy==2.4.1  # checker\n\nPyYAML==6.0.4\ntyping_extensions==4.16.0\n",
    );
    assert.deepEqual(
      [...pins],
      [
        ["mypy", "2.4.1"],
        ["pyyaml", "6.0.4"],
        ["typing-extensions", "4.16.0"],
      ],
    );
    assert.throws(() => ensure.parseRequirements("pulumi>=3.0\n"), /line 1: "pulumi>=3.0" is not a pin/);
    assert.throws(
      () => ensure.parseRequirements("a==1\n--index-url x\n"),
      /line 2: "--index-url x" is not a pin/,
    );
    assert.throws(
      () => ensure.parseRequirements("typing_extensions==1\ntyping-extensions==2\n"),
      /line 2: typing-extensions is pinned twice/,
    );
    assert.equal(ensure.normalizeName("Typing__Extensions.x"), "typing-extensions-x");
  });

  it("uses SP_PYTHON when set, and refuses a Python older than 3.11", () => {
    process.env.SP_PYTHON = fakePython("3.11.9");
    assert.deepEqual(ensure.findPython(), { python: process.env.SP_PYTHON, version: "3.11.9" });
    process.env.SP_PYTHON = fakePython("3.10.14");
    assert.throws(
      () => ensure.findPython(),
      /no Python >= 3\.11\.0 found \(SP_PYTHON=.*fake-python.*3\.10\.14/,
    );
  });

  it("reuses an environment whose stamp matches the requirements and the Python, without running pip", () => {
    process.env.SP_PYTHON = fakePython("3.11.9");
    const base = ensure.findPython();
    const requirements = path.join(tmp, "requirements.txt");
    fs.writeFileSync(requirements, "pulumi==3.272.0\nbuild==1.6.1\nsetuptools==84.2.1\nmypy==2.4.1\n");
    const tools = path.join(tmp, "tools");
    fs.mkdirSync(path.join(tools, "venv", "bin"), { recursive: true });
    fs.writeFileSync(path.join(tools, "venv", "bin", "python"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const versions = { pulumi: "3.272.0", build: "1.6.1", setuptools: "84.2.1", mypy: "2.4.1" };
    const hash = ensure.inputsHash(fs.readFileSync(requirements, "utf8"), base);
    fs.writeFileSync(path.join(tools, ".stamp.json"), JSON.stringify({ hash, versions }));
    const r = ensure.ensurePython({ quiet: true, toolsDir: tools, requirements, progress: false });
    assert.deepEqual(r, {
      python: path.join(tools, "venv", "bin", "python"),
      venv: path.join(tools, "venv"),
      source: "cached",
      versions,
    });

    // Another pin, or another Python, is another hash: the environment is made anew.
    assert.notEqual(ensure.inputsHash("pulumi==3.271.0\n", base), hash);
    assert.notEqual(
      ensure.inputsHash(fs.readFileSync(requirements, "utf8"), { ...base, version: "3.12.1" }),
      hash,
    );
  });

  it("remakes a stale environment: the stamp goes first, and a Python without venv fails with the fix", () => {
    process.env.SP_PYTHON = fakePython("3.11.9");
    const requirements = path.join(tmp, "requirements.txt");
    fs.writeFileSync(requirements, "pulumi==3.272.0\nbuild==1.6.1\nsetuptools==84.2.1\nmypy==2.4.1\n");
    const tools = path.join(tmp, "tools");
    fs.mkdirSync(tools);
    fs.writeFileSync(path.join(tools, ".stamp.json"), JSON.stringify({ hash: "an older set" }));
    assert.throws(
      () => ensure.ensurePython({ quiet: true, toolsDir: tools, requirements, progress: false }),
      /-m venv --clear .* failed \(exit 1\):\nensurepip is not available\n\(on Debian and Ubuntu, install python3-venv\)/,
    );
    assert.equal(
      fs.existsSync(path.join(tools, ".stamp.json")),
      false,
      "no stamp vouches for a half-made environment",
    );
    assert.equal(fs.existsSync(path.join(tools, ".build.lock")), false, "the lock is released");
  });

  it("refuses a requirements file that does not pin one of the tools", () => {
    const requirements = path.join(tmp, "requirements.txt");
    fs.writeFileSync(requirements, "pulumi==3.272.0\nbuild==1.6.1\nsetuptools==84.2.1\n");
    assert.throws(
      () =>
        ensure.ensurePython({
          quiet: true,
          toolsDir: path.join(tmp, "tools"),
          requirements,
          progress: false,
        }),
      /requirements\.txt does not pin mypy/,
    );
  });
});

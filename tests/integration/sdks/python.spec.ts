/**
 * The generated Python SDK, sdk/python (package `pulumi_scrapingpros`), as users get it: an sdist and a
 * wheel built locally with `build` (--no-isolation, against the pinned setuptools), installed into a fresh
 * virtual environment with its dependencies from PyPI, carrying the schema's docstrings; and
 * type-checked with mypy, with a typed program that uses every class and function
 * (tests/fixtures/sdks/python/program.py).
 *
 * The tools come from scripts/ensure-python.js (.tools/python/venv: pulumi 3.272.0, build, setuptools,
 * mypy), made the first time in about 15 s with pip's cache empty, then reused.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  listTree,
  ok,
  PYTHON_FIXTURES,
  packageVersion,
  pythonTools,
  run,
  SCHEMA_FILE,
  SDK_PYTHON,
  squash,
} from "../../helpers/sdks";

interface Described {
  description?: string;
}
interface Schema {
  provider: Described & { inputProperties: Record<string, Described> };
  resources: Record<
    string,
    Described & { inputProperties: Record<string, Described>; properties: Record<string, Described> }
  >;
  functions: Record<
    string,
    Described & {
      inputs: { properties: Record<string, Described> };
      outputs: { properties: Record<string, Described> };
    }
  >;
}

/** What the installed package says about itself, read by a Python script in the fresh environment. */
interface Introspection {
  version: string;
  requires: string[];
  plugin: unknown;
  pulumi: string;
  pulumiSatisfies: boolean;
  utilitiesVersion: string;
  baseUrl: string;
  names: string[];
  classes: Record<string, { overloads: string[]; properties: Record<string, string> }>;
  functions: Record<string, string>;
  results: Record<string, Record<string, string>>;
}

const INTROSPECT = `
import importlib, importlib.metadata as md, importlib.resources as res, inspect, json, typing
from packaging.requirements import Requirement
import pulumi_scrapingpros as sp

def props(cls):
    return {v.fget._pulumi_name: v.__doc__ or "" for _, v in inspect.getmembers(cls)
            if isinstance(v, property) and hasattr(v.fget, "_pulumi_name")}

requires = md.requires("pulumi_scrapingpros") or []
pulumi_req = [Requirement(r) for r in requires if Requirement(r).name == "pulumi"][0]
names = []
for m in ["collection", "collection_run", "provider", "get_collection", "get_run", "list_collections", "_enums", "_inputs", "outputs"]:
    names += importlib.import_module("pulumi_scrapingpros." + m).__all__
print(json.dumps({
    "version": md.version("pulumi_scrapingpros"),
    "requires": requires,
    "plugin": json.loads(res.files("pulumi_scrapingpros").joinpath("pulumi-plugin.json").read_text()),
    "pulumi": md.version("pulumi"),
    "pulumiSatisfies": pulumi_req.specifier.contains(md.version("pulumi")),
    "utilitiesVersion": sp._utilities.get_version(),
    "baseUrl": sp.config.base_url,
    "names": names,
    "classes": {c.__name__: {"overloads": [o.__doc__ or "" for o in typing.get_overloads(c.__init__)], "properties": props(c)}
                for c in [sp.Collection, sp.CollectionRun, sp.Provider]},
    "functions": {f.__name__: f.__doc__ or "" for f in [sp.get_collection, sp.get_collection_output, sp.list_collections,
                  sp.list_collections_output, sp.get_run, sp.get_run_output]},
    "results": {c.__name__: props(c) for c in [sp.GetCollectionResult, sp.ListCollectionsResult, sp.GetRunResult]},
}))
`;

describe("generated Python SDK: wheel, sdist, docstrings, mypy", function () {
  // The first run makes the tools' environment and installs the wheel's dependencies from PyPI.
  this.timeout(15 * 60_000);
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Schema;
  const version = packageVersion();
  let tmp: string;
  let python: string;
  let wheel: string;
  let sdist: string;

  before(() => {
    python = pythonTools().python;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-sdk-python-"));
    // Built from a copy: setuptools writes build/ and *.egg-info/ beside the sources.
    const src = path.join(tmp, "src");
    fs.cpSync(SDK_PYTHON, src, { recursive: true });
    const built = ok(
      "python -m build",
      run(python, ["-m", "build", "--no-isolation", "--outdir", path.join(tmp, "dist"), src], { cwd: tmp }),
    );
    process.stderr.write(`      (built the sdist and the wheel in ${built.seconds.toFixed(1)} s)\n`);
    wheel = path.join(tmp, "dist", `pulumi_scrapingpros-${version}-py3-none-any.whl`);
    sdist = path.join(tmp, "dist", `pulumi_scrapingpros-${version}.tar.gz`);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The members of the wheel and the sdist. */
  function members(): { wheel: string[]; sdist: string[] } {
    const code =
      "import json, sys, tarfile, zipfile; " +
      "print(json.dumps({'wheel': zipfile.ZipFile(sys.argv[1]).namelist(), 'sdist': tarfile.open(sys.argv[2]).getnames()}))";
    return JSON.parse(ok("listing the archives", run(python, ["-c", code, wheel, sdist])).stdout);
  }

  it(`builds an sdist and a wheel of pulumi_scrapingpros ${version} holding every module, py.typed and pulumi-plugin.json`, () => {
    assert.deepEqual(
      fs.readdirSync(path.join(tmp, "dist")).sort(),
      [path.basename(sdist), path.basename(wheel)].sort(),
    );
    const m = members();
    const sources = listTree(path.join(SDK_PYTHON, "pulumi_scrapingpros"))
      .filter((f) => f !== "README.md")
      .map((f) => `pulumi_scrapingpros/${f}`);
    assert.ok(
      sources.includes("pulumi_scrapingpros/py.typed") &&
        sources.includes("pulumi_scrapingpros/config/__init__.pyi"),
    );
    assert.deepEqual(
      m.wheel.filter((f) => !f.includes(".dist-info/")).sort(),
      sources,
      "the wheel holds exactly the package",
    );
    const root = `pulumi_scrapingpros-${version}/`;
    for (const f of [...sources, "pyproject.toml", "README.md"])
      assert.ok(m.sdist.includes(root + f), `sdist: ${f}`);
  });

  it("installs into a fresh virtual environment from PyPI, needing pulumi and nothing of ours", () => {
    const venv = path.join(tmp, "fresh");
    ok("python -m venv", run(python, ["-m", "venv", venv]));
    const freshPython = path.join(venv, "bin", "python");
    const install = ok(
      "pip install <wheel>",
      run(freshPython, [
        "-m",
        "pip",
        "install",
        "--no-input",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        wheel,
      ]),
    );
    process.stderr.write(
      `      (installed the wheel and its dependencies in ${install.seconds.toFixed(1)} s)\n`,
    );
    const info = JSON.parse(
      ok("introspection", run(freshPython, ["-c", INTROSPECT], { cwd: tmp })).stdout,
    ) as Introspection;
    assert.equal(info.version, version);
    assert.equal(info.utilitiesVersion, version);
    assert.deepEqual(info.plugin, { resource: true, name: "scrapingpros", version });
    // pulumi (at the floor codegen/python's code needs) and what that code imports itself; nothing we write.
    assert.deepEqual(info.requires.map((r) => r.split(/[<>=!~;\s]/)[0]).sort(), [
      "packaging",
      "pulumi",
      "semver",
      "typing-extensions",
    ]);
    assert.ok(info.requires.includes("pulumi<4.0.0,>=3.269.0"), info.requires.join(", "));
    assert.ok(info.pulumiSatisfies, `pulumi ${info.pulumi} installed`);
    // Settings read at run time fall back to the schema's defaults.
    assert.equal(info.baseUrl, "https://api.scrapingpros.com");

    const expectDoc = (where: string, doc: string | undefined, description: string | undefined) => {
      assert.ok(description, `${where}: the schema describes it`);
      assert.ok(
        squash(doc ?? "").includes(squash(description)),
        `${where}: the docstring carries the schema's description\n  docstring: ${squash(doc ?? "(none)")}\n  schema: ${squash(description)}`,
      );
    };
    const resources: [string, Schema["resources"][string] | undefined][] = [
      ["Collection", schema.resources["scrapingpros:index:Collection"]],
      ["CollectionRun", schema.resources["scrapingpros:index:CollectionRun"]],
    ];
    let checked = 0;
    for (const [name, spec] of resources) {
      assert.ok(spec);
      const cls = info.classes[name];
      assert.ok(cls && cls.overloads.length === 2, `${name} has its two constructor overloads`);
      for (const [i, doc] of cls.overloads.entries())
        expectDoc(`${name}.__init__ overload ${i}`, doc, spec.description);
      for (const [prop, p] of Object.entries(spec.inputProperties)) {
        expectDoc(`${name}(${prop}=…)`, cls.overloads[0], p.description);
        checked++;
      }
      for (const [prop, p] of Object.entries(spec.properties)) {
        expectDoc(`${name}.${prop}`, cls.properties[prop], p.description);
        checked++;
      }
    }
    const provider = info.classes.Provider;
    assert.ok(provider && provider.overloads.length === 2);
    for (const doc of provider.overloads) expectDoc("Provider.__init__", doc, schema.provider.description);
    for (const [prop, p] of Object.entries(schema.provider.inputProperties)) {
      expectDoc(`Provider(${prop}=…)`, provider.overloads[0], p.description);
      checked++;
    }
    const functions: [string, string, string][] = [
      ["get_collection", "scrapingpros:index:getCollection", "GetCollectionResult"],
      ["list_collections", "scrapingpros:index:listCollections", "ListCollectionsResult"],
      ["get_run", "scrapingpros:index:getRun", "GetRunResult"],
    ];
    for (const [fn, token, result] of functions) {
      const spec = schema.functions[token];
      assert.ok(spec);
      for (const form of [fn, `${fn}_output`]) {
        expectDoc(form, info.functions[form], spec.description);
        for (const [input, p] of Object.entries(spec.inputs.properties)) {
          expectDoc(`${form}(${input}=…)`, info.functions[form], p.description);
          checked++;
        }
      }
      for (const [output, p] of Object.entries(spec.outputs.properties)) {
        expectDoc(`${result}.${output}`, info.results[result]?.[output], p.description);
        checked++;
      }
    }
    assert.ok(checked > 50, `${checked} property docstrings checked`);

    // The typed program uses every public class and function of the package.
    const source = fs.readFileSync(path.join(PYTHON_FIXTURES, "program.py"), "utf8");
    const unused = info.names
      .filter((n) => !n.startsWith("Awaitable"))
      .filter((n) => !new RegExp(`\\bscrapingpros\\.(outputs\\.)?${n}\\b`).test(source));
    assert.ok(info.names.length >= 20, info.names.join(", "));
    assert.deepEqual(unused, [], "names program.py does not use");
  });

  /** mypy with the fixtures' settings over the given files, the committed SDK importable. */
  function mypy(files: string[]) {
    return run(
      python,
      [
        "-m",
        "mypy",
        "--config-file",
        path.join(PYTHON_FIXTURES, "mypy.ini"),
        "--cache-dir",
        path.join(tmp, "mypy-cache"),
        "--no-color-output",
        ...files,
      ],
      { env: { ...process.env, MYPYPATH: SDK_PYTHON } },
    );
  }

  it("mypy: the generated package, the typed program and the inline runner check clean", () => {
    const r = mypy([
      path.join(SDK_PYTHON, "pulumi_scrapingpros"),
      path.join(PYTHON_FIXTURES, "program.py"),
      path.join(PYTHON_FIXTURES, "inline.py"),
    ]);
    process.stderr.write(`      (mypy in ${r.seconds.toFixed(1)} s)\n`);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Success: no issues found in 15 source files$/m);
  });

  it("mypy: a program that misuses the SDK fails, each misuse named", () => {
    const program = fs
      .readFileSync(path.join(PYTHON_FIXTURES, "program.py"), "utf8")
      .replace(
        'callback_url="https://hooks.example.com/scrapingpros",',
        'callbak_url="https://hooks.example.com/x",',
      )
      .replace("wait=scrapingpros.CollectionRunWait.COMPLETED,", 'wait="always",')
      .replace('"use_proxy": "any",', '"use_proxy": 3,')
      .concat("\n\ndef untyped(x):\n    return scrapingpros.get_collection(id=x)\n");
    const dir = path.join(tmp, "misuse");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "program.py"), program);
    const r = mypy([path.join(dir, "program.py")]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    for (const expected of [
      /Unexpected keyword argument "callbak_url" for overloaded function "Collection"; did you mean "callback_url"\?/,
      /No overload variant of "CollectionRun" matches argument types/,
      /Incompatible types \(expression has type "int", TypedDict item "use_proxy" has type/,
      /Function is missing a type annotation {2}\[no-untyped-def\]/,
    ]) {
      assert.match(r.stdout, expected);
    }
  });
});

import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TSCONFIG } from "../../helpers/user-project";

const REPO = path.resolve(__dirname, "..", "..", "..");
const TSC = path.join(REPO, "node_modules", "typescript", "bin", "tsc");

// One vocabulary in the public types, checked by compiling a user's program against the shipped
// declarations: every time is an ISO 8601 string or null, every optional URL is `string | undefined`,
// and requests have the declared request type. A type that drifts fails to compile.
const HEAD = `import type * as pulumi from "@pulumi/pulumi";
import type {
  Collection,
  CollectionFileRequest,
  CollectionInfo,
  CollectionRun,
  RunInfo,
  ScrapeRequest,
  ScrapeRequestArgs,
} from "pulumi-scrapingpros";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Value<O> = O extends pulumi.Output<infer T> ? T : never;
export function same<A, B>(_proof: Equal<A, B>): void {}
`;

const VOCABULARY = `${HEAD}
// Times: ISO 8601 UTC strings, or null when unknown.
same<Value<Collection["createdAt"]>, string | null>(true);
same<Value<Collection["updatedAt"]>, string | null>(true);
same<Value<CollectionRun["createdAt"]>, string | null>(true);
same<CollectionInfo["createdAt"], string | null>(true);
same<CollectionInfo["updatedAt"], string | null>(true);
same<RunInfo["createdAt"], string | null>(true);
// Optional URLs: undefined when not set.
same<Value<Collection["callbackUrl"]>, string | undefined>(true);
same<Value<CollectionRun["callbackUrl"]>, string | undefined>(true);
same<RunInfo["callbackUrl"], string | undefined>(true);
// Requests: the declared request type, the same as a collection file's.
same<Value<Collection["requests"]>, ScrapeRequest[]>(true);
same<ScrapeRequest, CollectionFileRequest>(true);
export const unwrapped: ScrapeRequest = {} as pulumi.Unwrap<ScrapeRequestArgs>;
// The counters the API may omit stay null, on the resource and the lookup alike.
same<Value<CollectionRun["successRequests"]>, RunInfo["successRequests"]>(true);
same<Value<CollectionRun["callbackStatus"]>, RunInfo["callbackStatus"]>(true);
`;

/** dist/ is what users compile against: rebuilt when a source is newer than it. */
function ensureFreshDeclarations(): void {
  const built = path.join(REPO, "dist", "sdk", "index.d.ts");
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const newest = ["sdk", "provider"]
    .flatMap((d) =>
      fs
        .readdirSync(path.join(REPO, d), { recursive: true, encoding: "utf8" })
        .map((f) => path.join(REPO, d, f)),
    )
    .filter((f) => f.endsWith(".ts"))
    .reduce((max, f) => Math.max(max, fs.statSync(f).mtimeMs), 0);
  if (newest > builtAt) {
    execFileSync(process.execPath, [TSC, "-p", path.join(REPO, "tsconfig.build.json")], { cwd: REPO });
  }
}

describe("packaging: one vocabulary in the public types (compiled against dist/)", function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    ensureFreshDeclarations();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-vocabulary-"));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "user-project", "private": true }\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** tsc's diagnostics for `source` in Pulumi's TypeScript template settings ("" when it compiles). */
  function compile(source: string): string {
    fs.writeFileSync(path.join(dir, "index.ts"), source);
    const tsconfig = {
      ...TSCONFIG,
      compilerOptions: { ...TSCONFIG.compilerOptions, noEmit: true, types: ["node"] },
    };
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    try {
      execFileSync(process.execPath, [TSC, "-p", dir, "--pretty", "false"], { cwd: dir, encoding: "utf8" });
      return "";
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? e);
    }
  }

  it("times, optional URLs and requests have one type on resources and lookups", () => {
    assert.equal(compile(VOCABULARY), "");
  });

  it("a drifted type fails to compile (the check can fail)", () => {
    const drifted = `${HEAD}
same<Value<CollectionRun["createdAt"]>, number | null>(true);
same<RunInfo["callbackUrl"], string | null>(true);
same<CollectionInfo["createdAt"], number | null>(true);
`;
    const errors = compile(drifted)
      .split("\n")
      .filter((l) => /error TS/.test(l));
    assert.deepEqual(
      errors.map((l) => l.replace(/^.*index\.ts\((\d+),\d+\).*$/, "$1")),
      // Each of the three wrong claims, and nothing else.
      drifted
        .split("\n")
        .map((line, i) => (line.startsWith("same<") && i >= HEAD.split("\n").length - 1 ? String(i + 1) : ""))
        .filter(Boolean),
      errors.join("\n"),
    );
  });
});

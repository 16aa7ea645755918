/**
 * Every earlier state layout is read by this version. Each fixture in
 * tests/fixtures/state-layouts/ is the exported state of a real deployment by the package built
 * and packed from the commit that introduced that layout, with the journal of the emulator it ran
 * against (tests/fixtures/state-layouts/capture.ts made them and says how). Here the state is
 * imported into a new stack, the emulator restarted from the journal, and the same program run
 * with this version, packed with `npm pack`: a preview changes nothing and calls nothing (only
 * the per-stack scope is new to the oldest layout), `up` makes no call, and refresh only reads.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LAYOUTS } from "../fixtures/state-layouts/capture";
import { startTestEmulator } from "../helpers/emulator";
import { packCurrent } from "../helpers/packages";
import { changesOf } from "../helpers/pulumi";
import { apiCallsSince, UserProject } from "../helpers/user-project";

const REPO = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(REPO, "tests", "fixtures", "state-layouts");
const STACK_SCOPE_TYPE = "pulumi-nodejs:dynamic/scrapingpros:StackScope";

describe("e2e: state written by each earlier layout", function () {
  this.timeout(300_000);
  let work: string;
  let current: string;

  before(() => {
    assert.ok(fs.existsSync(path.join(REPO, "dist", "sdk", "index.js")), "run `npm run build` first");
    work = fs.mkdtempSync(path.join(os.tmpdir(), "sp-layouts-"));
    current = packCurrent(work);
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("has a fixture for every layout listed", () => {
    const dirs = fs
      .readdirSync(FIXTURES, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    assert.deepEqual(
      dirs,
      LAYOUTS.map((l) => l.name),
    );
  });

  for (const layout of LAYOUTS) {
    it(`${layout.name} (${layout.commit.slice(0, 7)}: ${layout.change})`, async () => {
      const fixture = path.join(FIXTURES, layout.name);
      const journal = path.join(work, `${layout.name}.journal`);
      fs.copyFileSync(path.join(fixture, "emulator.journal"), journal);
      const emu = await startTestEmulator({ dataPath: journal });
      const project = new UserProject();
      try {
        const account = () => JSON.stringify(emu.collections());
        const before = account();
        assert.ok(emu.collections().length >= 3, "the journal restored the collections");
        project.usePackage(current);
        await project.initAgainst(emu);
        await project.ok(["stack", "import", "--file", path.join(fixture, "state.json")]);
        project.writeProgram(fs.readFileSync(path.join(fixture, "program.txt"), "utf8"));
        const recorded = await project.collectionsByName();
        assert.equal(Object.keys(recorded).length, 3);

        let mark = emu.requests().length;
        const preview = await project.previewReport();
        const hadScope = (await project.resources()).some((r) => r.type === STACK_SCOPE_TYPE);
        assert.deepEqual(
          preview.changes.map((s) => `${s.op} ${s.type}`),
          hadScope ? [] : [`create ${STACK_SCOPE_TYPE}`],
        );
        assert.deepEqual(apiCallsSince(emu, mark), [], "preview called the API");

        mark = emu.requests().length;
        await project.up();
        assert.deepEqual(apiCallsSince(emu, mark), [], "up called the API");
        assert.deepEqual(await project.collectionsByName(), recorded);
        await project.expectNoChanges();

        mark = emu.requests().length;
        assert.deepEqual(changesOf(await project.refresh()), {});
        const calls = apiCallsSince(emu, mark);
        // The three collections are read through one list call (a read that reaches the provider
        // alone, before the others, makes its own GET).
        assert.ok(calls.includes("GET /v1/async/collections") && calls.length <= 2, calls.join(", "));
        assert.deepEqual(
          calls.filter((c) => !c.startsWith("GET ")),
          [],
          "refresh only reads",
        );
        await project.expectNoChanges();
        assert.equal(account(), before, "the account is unchanged");

        const program = fs.readFileSync(path.join(fixture, "program.txt"), "utf8");
        if (/const run = new CollectionRun\(/.test(program)) {
          // A run the deployment leaves unchanged keeps its stored outputs (epoch seconds, a null
          // URL); the program still reads the documented types: an ISO time, an undefined URL.
          project.writeProgram(
            `${program}\nexport const runCreatedAt = run.createdAt;\nexport const runCallbackUrl = run.callbackUrl.apply((u) => (u === undefined ? "undefined" : u));\n`,
          );
          mark = emu.requests().length;
          await project.up();
          assert.deepEqual(apiCallsSince(emu, mark), [], "up called the API");
          const stored = (await project.resources()).find((r) => r.type.endsWith(":CollectionRun"));
          assert.equal(typeof stored?.outputs.createdAt, "number", "the state keeps epoch seconds");
          assert.equal(stored?.outputs.callbackUrl, null);
          const o = JSON.parse((await project.ok(["stack", "output", "--json"])).stdout);
          assert.equal(o.runCreatedAt, new Date((stored?.outputs.createdAt as number) * 1000).toISOString());
          assert.equal(o.runCallbackUrl, "undefined");
        }
      } finally {
        project.dispose();
        emu.release();
        await emu.stop();
      }
    });
  }
});

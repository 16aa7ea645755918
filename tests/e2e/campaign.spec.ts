/**
 * A seeded slice of the fault campaign (`npm run campaign`). Ten deployments of
 * randomly edited programs under random faults (CLI killed before or after the API commits, or right
 * after it answers; a dropped answer; 5xx and 429 bursts; the emulator killed and restarted), each
 * followed by what a user does next, then checked against the emulator's own store. The stages slice
 * (three stacks at once) runs twice, its state in a folder and in a PostgreSQL server.
 */
import * as assert from "node:assert/strict";
import { type DeploymentRecord, runCampaign } from "../../campaign/campaign";
import { runStagesCampaign, type StageBackend } from "../../campaign/stages";

/** Lines of the records that diverged, for the failure message. */
const diverged = (records: DeploymentRecord[]): string =>
  records
    .filter((r) => r.divergences.length > 0)
    .map((r) => `#${r.index} ${r.fault} ${JSON.stringify(r.edits)}: ${r.divergences.join(" ; ")}`)
    .join("\n");

describe("e2e: fault campaign", () => {
  it("seed 8, 10 deployments on 2 workers: no duplicate, no divergence, no process left, every rerun converged", async function () {
    // A bound against hangs, not a speed target (that is the benchmark's): a loaded machine needs more.
    this.timeout(1_200_000);
    const lines: string[] = [];
    const result = await runCampaign({ deployments: 10, seed: 8, workers: 2, log: (l) => lines.push(l) });
    assert.equal(result.records.length, 10);
    assert.equal(result.duplicates, 0, `${result.table}\n${diverged(result.records)}`);
    assert.equal(result.divergences, 0, `${result.table}\n${diverged(result.records)}`);
    assert.equal(result.leftover, 0, lines.join("\n"));
    // The slice exercises faults, not only quiet deployments.
    assert.ok(
      result.records.filter((r) => r.fault !== "none" && r.triggered).length >= 5,
      `${result.table}\n${lines.join("\n")}`,
    );
  });

  it("the checks see what changed behind the stack's back: a duplicate and a divergence", async function () {
    this.timeout(120_000);
    const result = await runCampaign({
      deployments: 1,
      seed: 8,
      beforeCheck: async ({ url, apiKey }) => {
        const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
        const [first] = (await (await fetch(`${url}/__emulator/collections`)).json()) as { id: string }[];
        assert.ok(first, "the deployment created a collection");
        // Someone else's create (never in the stack) and an edit of a deployed collection.
        const created = await fetch(`${url}/v1/async/collections`, {
          method: "POST",
          headers,
          body: JSON.stringify({ name: "intruder", requests: [] }),
        });
        assert.equal(created.status, 201);
        const edited = await fetch(`${url}/v1/async/collections/${first.id}`, {
          method: "PUT",
          headers,
          body: JSON.stringify({ requests: [{ url: "https://example.com/edited-elsewhere" }] }),
        });
        assert.equal(edited.status, 200);
      },
    });
    assert.equal(result.duplicates, 1);
    const [record] = result.records;
    assert.ok(
      record?.divergences.some((d) => /requests .*edited-elsewhere/.test(d)),
      diverged(result.records),
    );
    assert.ok(
      record?.divergences.some((d) => /duplicate: .*intruder/.test(d)),
      diverged(result.records),
    );
  });

  /**
   * The stages slice: seed 2, 2 deployments; the first creates the three stages, the second kills one
   * stage's CLI mid-update. The same seed gives the same edits and faults on either backend.
   */
  async function stagesSlice(backend: StageBackend): Promise<void> {
    const lines: string[] = [];
    const result = await runStagesCampaign({
      deployments: 2,
      seed: 2,
      rateLimit: "1/1",
      faults: ["kill-held-update", "kill-after-update"],
      backend,
      log: (l) => lines.push(l),
    });
    const why = `${result.table}\n${lines.join("\n")}`;
    assert.equal(result.backend, backend);
    assert.equal(result.records.length, 2);
    assert.equal(result.duplicates, 0, why);
    assert.equal(result.divergences, 0, why);
    assert.equal(result.leftover, 0, why);
    // The slice meets the account's limit and kills one stage's CLI mid-deployment, which leaves its
    // lock in the backend: the rerun meets it and runs `pulumi cancel`.
    assert.ok(result.records.reduce((a, r) => a + r.throttled, 0) > 0, why);
    const killed = result.records.filter((r) => r.fault.startsWith("kill") && r.triggered);
    assert.equal(killed.length, 1, why);
    assert.ok((killed[0]?.reruns ?? 0) > 0 && (killed[0]?.cancels ?? 0) > 0, why);
  }

  it("stages, seed 2, 2 deployments: dev, staging and prod at once against one rate-limited account, a stage killed (item 5)", async function () {
    this.timeout(1_200_000);
    await stagesSlice("file");
  });

  it("stages on PostgreSQL, the same slice: the three stacks' state in one table of a shared backend", async function () {
    this.timeout(1_200_000);
    await stagesSlice("postgres");
  });
});

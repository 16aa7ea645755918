/**
 * The engine-floor bench's pure parts (bench/engine-floor.ts): the native provider's YAML program,
 * the tables and their targets, and how its CPU samples tell the native plugin's process apart.
 */
import * as assert from "node:assert/strict";
import YAML from "yaml";
import {
  type EngineFloorResult,
  engineFloorCpuTable,
  engineFloorTable,
  nativeYamlProject,
  noopYamlProject,
  type Operation,
  type ProviderMeasurement,
} from "../../bench/engine-floor";
import { kindOf } from "../helpers/processes";

const times = (
  create: number,
  preview: number,
  update: number,
  refresh: number,
): Record<Operation, number> => ({
  create,
  preview,
  update,
  refresh,
});
const cpu = (kind: string, ms: number) => ({
  create: { cli: ms, [kind]: ms },
  preview: { cli: ms, [kind]: ms },
  update: { cli: ms, [kind]: ms },
  refresh: { cli: ms, [kind]: ms },
});

function measurement(t: Record<Operation, number>, kind: string, stored = 10): ProviderMeasurement {
  return { times: t, cpu: cpu(kind, 1000), providerPeakRssBytes: 100 * 1024 * 1024, stored, refreshCalls: 1 };
}

function result(dynamicPreview: number, nativePreview: number, nativeStored = 10): EngineFloorResult {
  return {
    count: 10,
    requestsPerCollection: 5,
    floor: times(10_000, 10_000, 10_000, 2_000),
    floorCpu: cpu("program", 500),
    providers: {
      dynamic: measurement(times(9_000, dynamicPreview, 9_000, 3_000), "dynamic-provider"),
      native: measurement(times(8_000, nativePreview, 8_000, 2_000), "native-provider", nativeStored),
    },
  };
}

/** The table's row whose first cell is `first`, split into its cells. */
function row(table: string, first: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `no row "${first}" in\n${table}`);
  return line
    .split("|")
    .slice(1, -1)
    .map((c) => c.trim());
}

describe("bench/engine-floor", () => {
  describe("nativeYamlProject", () => {
    it("declares the same collections as the dynamic program, as a Pulumi YAML project", () => {
      const project = YAML.parse(nativeYamlProject(3, 2, 2)) as {
        runtime: string;
        resources: Record<string, { type: string; properties: { name: string; requests: unknown[] } }>;
      };
      assert.equal(project.runtime, "yaml");
      assert.deepEqual(Object.keys(project.resources), ["c0", "c1", "c2"]);
      assert.deepEqual(project.resources.c2, {
        type: "scrapingpros:Collection",
        properties: {
          name: "bench-2",
          requests: [
            { url: "https://example.com/bench/2/0/v2", custom_id: "2-0" },
            { url: "https://example.com/bench/2/1/v2", custom_id: "2-1" },
          ],
        },
      });
    });

    it("has a floor of its own: the same declarations as no-op resources of a YAML program", () => {
      const native = YAML.parse(nativeYamlProject(3, 2, 1)) as {
        resources: Record<string, { type: string; properties: unknown }>;
      };
      const floor = YAML.parse(noopYamlProject(3, 2, 1)) as typeof native;
      assert.deepEqual(Object.keys(floor.resources), Object.keys(native.resources));
      for (const [name, r] of Object.entries(floor.resources)) {
        assert.equal(r.type, "spnoop:Noop");
        assert.deepEqual(r.properties, native.resources[name]?.properties);
      }
    });

    it("changes every request list between versions and nothing else", () => {
      const v1 = YAML.parse(nativeYamlProject(4, 1, 1)) as { resources: Record<string, unknown> };
      const v2 = YAML.parse(nativeYamlProject(4, 1, 2)) as { resources: Record<string, unknown> };
      for (const name of Object.keys(v1.resources)) {
        assert.notDeepEqual(v1.resources[name], v2.resources[name], name);
      }
      assert.equal(nativeYamlProject(4, 1, 1), nativeYamlProject(4, 1, 1));
    });
  });

  describe("engineFloorTable", () => {
    it("gives each provider its own targets against the floor, and native ÷ dynamic directly", () => {
      // Native preview 1.05x the floor (≤ 1.10x met), 0.95x dynamic's (≤ 1.00x met).
      const table = engineFloorTable([result(11_000, 10_500)]);
      const dynamic = row(table, "dynamic");
      assert.match(dynamic[3] as string, /11\.0 s \/ 10\.0 s = 1\.10x \(target ≤ 1\.30x: met\)/);
      const native = row(table, "native");
      assert.match(native[2] as string, /8\.0 s \/ 10\.0 s = 0\.80x \(target ≤ 1\.00x: met\)/);
      assert.match(native[3] as string, /10\.5 s \/ 10\.0 s = 1\.05x \(target ≤ 1\.10x: met\)/);
      assert.match(native[5] as string, /2\.0 s \/ 2\.0 s = 1\.00x, 1 calls/);
      const direct = row(table, "native ÷ dynamic");
      assert.match(direct[3] as string, /10\.5 s \/ 11\.0 s = 0\.95x \(target ≤ 1\.00x: met\)/);
      assert.match(
        direct[2] as string,
        /^8\.0 s \/ 9\.0 s = 0\.89x$/,
        "only the preview has a direct target",
      );
    });

    it("says NOT met when the native preview is over 1.1x the floor or slower than the dynamic one", () => {
      const table = engineFloorTable([result(11_000, 11_500)]);
      assert.match(row(table, "native")[3] as string, /1\.15x \(target ≤ 1\.10x: NOT met\)/);
      assert.match(row(table, "native ÷ dynamic")[3] as string, /1\.05x \(target ≤ 1\.00x: NOT met\)/);
    });

    it("flags a provider whose emulator does not hold one collection per resource", () => {
      const table = engineFloorTable([result(11_000, 10_000, 9)]);
      assert.match(row(table, "native")[6] as string, /WRONG: 9 collections stored/);
      assert.doesNotMatch(row(table, "dynamic")[6] as string, /WRONG/);
    });

    it("gives the native provider's ratios against the YAML floor too, with the same targets", () => {
      const r = result(11_000, 10_500);
      r.yamlFloor = times(4_000, 10_000, 8_000, 2_000);
      const row1 = row(engineFloorTable([r]), "native ÷ YAML floor");
      assert.match(row1[2] as string, /8\.0 s \/ 4\.0 s = 2\.00x \(target ≤ 1\.00x: NOT met\)/);
      assert.match(row1[3] as string, /10\.5 s \/ 10\.0 s = 1\.05x \(target ≤ 1\.10x: met\)/);
      assert.match(row1[4] as string, /8\.0 s \/ 8\.0 s = 1\.00x \(target ≤ 1\.00x: met\)/);
      assert.ok(!engineFloorTable([result(11_000, 10_500)]).includes("YAML floor"), "no row without it");
    });

    it("leaves the direct row out when only one provider ran", () => {
      const r = result(11_000, 10_000);
      delete r.providers.native;
      const table = engineFloorTable([r]);
      assert.ok(!table.includes("| native"), table);
      row(table, "dynamic");
    });
  });

  describe("engineFloorCpuTable", () => {
    it("gives each process kind's CPU for dynamic / native / floor, leaving out kinds none used", () => {
      const table = engineFloorCpuTable([result(11_000, 10_000)]);
      const header = table.split("\n")[0] as string;
      assert.match(header, /wall s \(dynamic \/ native \/ floor\)/);
      assert.match(header, /native-provider CPU s/);
      assert.doesNotMatch(header, /yaml-host/);
      const preview = table.split("\n").find((l) => l.startsWith("| 10 | preview |")) as string;
      assert.match(preview, /\| 11\.0 \/ 10\.0 \/ 10\.0 \|/);
      assert.match(preview, /\| 1\.0 \/ 1\.0 \/ 0\.5 \|/, "the CLI's CPU of each");
    });
  });

  describe("kindOf", () => {
    it("tells the native plugin's node process from its launcher script", () => {
      const dir = "/home/u/.pulumi/plugins/resource-scrapingpros-v0.1.0";
      assert.equal(
        kindOf({ pid: 1, ppid: 0, cmdline: `node ${dir}/pulumi-resource-scrapingpros.cjs 127.0.0.1:40000` }),
        "native-provider",
      );
      assert.equal(
        kindOf({ pid: 1, ppid: 0, cmdline: `/bin/sh ${dir}/pulumi-resource-scrapingpros 127.0.0.1:40000` }),
        "launcher",
      );
    });
  });
});

/**
 * A value the program marks secret stays secret everywhere. A TypeScript program
 * as users write it (`pulumi.secret(...)` in a request URL, a request header, a name, a collection's
 * and a run's `callbackUrl`), deployed by the real CLI against the emulator: each secret token
 * appears in no output of `preview --diff`, `preview --json`, `up`, `up --debug`, `refresh`, `stack output --json`,
 * `stack export` or `destroy`, nor in any file of the stack's backend, in any encoding (plain,
 * JSON-escaped, URL-encoded, base64, hex); the blocked-URL error still names `requests[1].url` and
 * the reason. The provider's side is in tests/integration/provider/dynamic/secret-inputs.spec.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { closeTestClients, startTestEmulator, testClient } from "../helpers/emulator";
import type { CliResult } from "../helpers/pulumi";
import { leaks } from "../helpers/secret-forms";
import { type StateResource, UserProject } from "../helpers/user-project";

const TOKEN = "SECRET-TOKEN-123";
const NAME = "payroll-SECRETNAME-42";
const COOKIE = "COOKIE-SECRET-789";
const ADOPT_CB = "CB-SECRET-456";
const HOOK_CB = "HOOK-SECRET-852";
const RUN_CB = "RUN-SECRET-654";
const EDITED = "SECRET-TOKEN-999";
const LOCAL = "LOCAL-TOKEN-321";
const SECRETS = [TOKEN, NAME, COOKIE, ADOPT_CB, HOOK_CB, RUN_CB, EDITED, LOCAL];

/** Pulumi's marker of a secret in an exported deployment. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const program = (blockedToken: string, extra = "") => `import * as pulumi from "@pulumi/pulumi";
import { Collection, CollectionRun } from "pulumi-scrapingpros";

// The emulator cannot resolve nx.example (dns_failed): only the API knows, so the create is partial.
const blocked = new Collection("blocked", {
  name: "blocked",
  requests: [
    { url: "https://example.com/ok" },
    { url: pulumi.secret("https://nx.example/cb?token=${blockedToken}") },
  ],
});
const named = new Collection("named", {
  name: pulumi.secret("${NAME}"),
  requests: [{ url: "https://example.com/named" }],
});
const cookie = new Collection("cookie", {
  name: "cookie",
  requests: [{ url: "https://example.com/c", headers: { Cookie: pulumi.secret("session=${COOKIE}") } }],
});
const adopted = new Collection("adopted", {
  name: "adopt-me",
  adoptExisting: true,
  callbackUrl: pulumi.secret("http://127.0.0.1:9/hook?token=${ADOPT_CB}"),
  requests: [{ url: "https://example.com/a" }],
});
const hooked = new Collection("hooked", {
  name: "hooked",
  callbackUrl: pulumi.secret("http://127.0.0.1:9/hooked?token=${HOOK_CB}"),
  requests: [{ url: "https://example.com/h" }],
});
// No webhook of its own: the run reports its collection's, which is secret.
const inherited = new CollectionRun("inherited", { collectionId: hooked.id, wait: "none", triggers: 1 });
const ownHook = new CollectionRun("own-hook", {
  collectionId: cookie.id,
  wait: "none",
  triggers: 1,
  callbackUrl: pulumi.secret("http://127.0.0.1:9/run?token=${RUN_CB}"),
});
${extra}
export const blockedUrls = blocked.blockedUrls;
export const blockedCount = blocked.requestCount;
export const namedName = named.name;
export const cookieRequests = cookie.requests;
export const adoptedCallback = adopted.callbackUrl;
export const inheritedCallback = inherited.callbackUrl;
export const ownCallback = ownHook.callbackUrl;
`;

/**
 * `text` without the RPC trace @pulumi/pulumi itself writes at debug level in every program
 * (`debug: RegisterResource RPC finished: …; resp: <the engine's response>`, its continuation lines
 * starting with `,`): the response holds every output of the resource, secret ones decrypted,
 * for any provider (sdk/nodejs/runtime/resource.ts upstream). That trace is the SDK's, not this
 * package's; everything else `--debug` prints must hold no secret.
 */
function withoutSdkRpcTrace(text: string): string {
  const out: string[] = [];
  let inTrace = false;
  for (const line of text.split("\n")) {
    if (/^\s*debug: (RegisterResource|ReadResource|RegisterResourceOutputs) RPC finished:/.test(line)) {
      inTrace = true;
      continue;
    }
    if (inTrace && /^\s*,/.test(line)) continue;
    inTrace = false;
    out.push(line);
  }
  return out.join("\n");
}

describe("e2e: secret inputs stay secret everywhere", () => {
  let emu: RunningEmulator;
  let project: UserProject;
  /** Everything the CLI printed in the commands whose output must hold no secret. */
  const printed: string[] = [];

  const run = async (args: string[]): Promise<CliResult> => {
    const r = await project.run(args);
    const text = `${r.stdout}\n${r.stderr}`;
    printed.push(`$ pulumi ${args.join(" ")}\n${args.includes("--debug") ? withoutSdkRpcTrace(text) : text}`);
    return r;
  };
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await run(args);
    assert.equal(r.code, 0, `pulumi ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  /** Every file of the stack's file backend (checkpoints, backups, history), as text. */
  const backendFiles = (): string =>
    fs
      .readdirSync(path.join(project.dir, "state"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "latin1"))
      .join("\n");

  const resource = async (name: string): Promise<StateResource> => {
    const r = (await project.resources()).find((x) => x.urn.endsWith(`::${name}`));
    assert.ok(r, `no ${name} in the state`);
    return r;
  };
  /** Exported state (no --show-secrets) of one resource: its stored JSON. */
  const exported = async (
    name: string,
  ): Promise<{
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    initErrors?: string[];
  }> => {
    const text = (await ok(["stack", "export"])).stdout;
    const found = (
      JSON.parse(text) as { deployment: { resources: (StateResource & { initErrors?: string[] })[] } }
    ).deployment.resources.find((x) => x.urn.endsWith(`::${name}`));
    assert.ok(found, `no ${name} in the export`);
    return found;
  };
  /** A value of `stack export --show-secrets`: a secret there is `{ <sig>, plaintext: "<JSON>" }`. */
  const revealed = (v: unknown): unknown =>
    typeof v === "object" && v !== null && "plaintext" in v && Object.values(v).includes(SECRET_SIG)
      ? JSON.parse(String((v as { plaintext: unknown }).plaintext))
      : v;
  const isEncrypted = (v: unknown) =>
    typeof v === "object" && v !== null && Object.values(v).includes(SECRET_SIG) && "ciphertext" in v;

  before(async () => {
    emu = await startTestEmulator({ hosts: { "nx.example": "dns_failed" } });
    project = new UserProject({ project: "secret-inputs" });
    await project.initAgainst(emu);
    // an existing collection, for adoptExisting to adopt (its webhook cannot be read back)
    await testClient(emu).client.collections.create({ name: "adopt-me", requests: [] });
    project.writeProgram(program(TOKEN));
  });
  after(async () => {
    await closeTestClients();
    project?.dispose();
    emu.release();
    await emu.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state !== "passed") return;
    if (process.env.SP_DUMP) fs.writeFileSync(process.env.SP_DUMP, printed.join("\n"));
    assert.deepEqual(leaks(SECRETS, printed.join("\n")), [], "a secret in the CLI's output");
    assert.deepEqual(leaks(SECRETS, backendFiles()), [], "a secret in the backend's files");
  });

  it("preview --diff, up and up --debug: the blocked URL is named by its path and reason; every secret stays secret", async () => {
    const preview = await ok(["preview", "--diff"]);
    assert.match(preview.stdout, /\+ 9 to create/); // with the stack and its scope

    // --continue-on-error: the other resources are created although the blocked one fails
    const up = await run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    assert.notEqual(up.code, 0);
    assert.match(up.stdout + up.stderr, /requests\[1\]\.url blocked \(dns_failed\)/);
    assert.match(up.stdout + up.stderr, /collection \S+ \(blocked\) was saved, but the API refused 1 URL/);
    assert.match(
      up.stdout + up.stderr,
      /adopted an existing collection by name .*declared callbackUrl \(a secret, not shown\)/,
    );
    assert.equal(emu.collections().length, 5);

    // again, with every detail: the PUT is blocked again
    const debug = await run(["up", "--yes", "--skip-preview", "--continue-on-error", "--debug"]);
    assert.notEqual(debug.code, 0);
    assert.match(debug.stdout + debug.stderr, /requests\[1\]\.url blocked \(dns_failed\)/);
    assert.ok((debug.stdout + debug.stderr).length > (up.stdout + up.stderr).length, "--debug printed more");
  });

  it("stack export: every value derived from a secret is encrypted, initErrors name the path and reason", async () => {
    const blocked = await exported("blocked");
    for (const key of ["requests", "blockedUrls"]) assert.ok(isEncrypted(blocked.outputs[key]), key);
    assert.ok(isEncrypted(blocked.inputs.requests));
    assert.equal(blocked.outputs.requestCount, 1, "counts reveal no value and stay readable");
    assert.ok(
      blocked.initErrors?.some((e) => /^requests\[1\]\.url blocked \(dns_failed\)/.test(e)),
      String(blocked.initErrors),
    );
    assert.ok(isEncrypted((await exported("named")).outputs.name));
    assert.ok(isEncrypted((await exported("cookie")).outputs.requests));
    assert.ok(isEncrypted((await exported("adopted")).outputs.callbackUrl));
    assert.ok(isEncrypted((await exported("hooked")).outputs.callbackUrl));
    assert.ok(
      isEncrypted((await exported("inherited")).outputs.callbackUrl),
      "the collection's webhook, reported by its run",
    );
    const own = await exported("own-hook");
    assert.ok(isEncrypted(own.outputs.callbackUrl));
    assert.ok(isEncrypted(own.outputs.declaredCallbackUrl));

    // decrypted, the values are the real ones: nothing was lost by keeping them secret
    const decrypted = (await project.resources()).map((r) => JSON.stringify(r.outputs)).join("\n");
    for (const secret of [TOKEN, NAME, COOKIE, ADOPT_CB, HOOK_CB, RUN_CB])
      assert.ok(decrypted.includes(secret), secret);
    const blockedUrls = revealed((await resource("blocked")).outputs.blockedUrls) as {
      index: number;
      url: string;
      reason: string;
    }[];
    assert.deepEqual(
      blockedUrls.map((b) => [b.index, b.url, b.reason]),
      [[1, `https://nx.example/cb?token=${TOKEN}`, "dns_failed"]],
    );
    assert.equal(
      revealed((await resource("inherited")).outputs.callbackUrl),
      `http://127.0.0.1:9/hooked?token=${HOOK_CB}`,
    );
  });

  it("stack output --json shows [secret]; refresh keeps every secret encrypted", async () => {
    const outputs = JSON.parse((await ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
    for (const key of [
      "namedName",
      "cookieRequests",
      "adoptedCallback",
      "inheritedCallback",
      "ownCallback",
    ]) {
      assert.equal(outputs[key], "[secret]", key);
    }
    if ("blockedUrls" in outputs) assert.equal(outputs.blockedUrls, "[secret]");

    // the machine-readable preview (old and new state of every step) masks them too
    const preview = JSON.parse((await ok(["preview", "--json"])).stdout) as { steps?: unknown[] };
    assert.ok((preview.steps ?? []).length > 0);
    const refresh = await ok(["refresh", "--yes", "--skip-preview"]);
    assert.doesNotMatch(refresh.stdout, /error/i);
    assert.ok(isEncrypted((await exported("blocked")).outputs.blockedUrls));
    assert.ok(isEncrypted((await exported("named")).outputs.name));
    assert.ok(isEncrypted((await exported("inherited")).outputs.callbackUrl));
    assert.ok(isEncrypted((await exported("own-hook")).outputs.declaredCallbackUrl));
  });

  it("preview --diff of an edited secret, and the issue's own input (http://localhost./cb?token=…): named by path and reason, never printed", async () => {
    const local = `
const local = new Collection("local", {
  name: "local",
  requests: [{ url: "https://example.com/ok" }, { url: pulumi.secret("http://localhost./cb?token=${LOCAL}") }],
});
export const localBlocked = local.blockedUrls;`;
    project.writeProgram(program(EDITED));
    const diff = await ok(["preview", "--diff"]);
    assert.match(diff.stdout, /requests\s*:\s*\[secret\]/);
    // The input is refused at preview by the URL rules of check (the engine shows the value
    // of a secret as `{<nil>}`), and `up` stops at the same check: the path and the reason, no token.
    project.writeProgram(program(EDITED, local));
    for (const command of [
      ["preview", "--diff"],
      ["up", "--yes", "--skip-preview"],
    ]) {
      const r = await run(command);
      const said = `${command.join(" ")} (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-3000)}`;
      assert.notEqual(r.code, 0, said);
      assert.match(r.stdout + r.stderr, /requests\[1\]\.url[^\n]*blocked_hostname/, said);
    }
  });

  it("destroy names the collections it leaves in the account, a secret name excepted", async () => {
    const r = await ok(["destroy", "--yes", "--skip-preview"]);
    assert.match(r.stdout + r.stderr, /collection \S+ \(blocked\) was removed from the stack/);
    assert.match(r.stdout + r.stderr, /collection \S+ was removed from the stack but still exists/);
  });
});

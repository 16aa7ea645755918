import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { request as undiciRequest } from "undici";
import {
  createWebhookVerifier,
  signWebhookPayload,
  type VerifiedWebhook,
  verifyWebhook,
  type WebhookHeaders,
  WebhookVerificationError,
} from "../../../sdk/webhooks";

// The verifier inside a REAL node:http server, fed by real clients (node:http, fetch, undici, a raw
// socket): header lines arrive as servers deliver them, not as a test would write them.

const NEW_SECRET = "whsec-http-new-71d2";
const OLD_SECRET = "whsec-http-old-0a9f";
const BODY =
  '{"event": "run.completed", "run_id": "r-http", "collection_id": "c-http", "status": "completed", "total_requests": 1, "success_requests": 1, "failed_requests": 0}';
/** An environment variable nobody sets: the README snippet's `process.env.WEBHOOK_SECRET!` when unset. */
const UNSET = "SP_WEBHOOK_SECRET_NEVER_SET_91c4";

type Outcome = string; // "ok:<run_id>" or the refusal reason

/** What each way of reading the request gives, per server-side form. */
interface Verdicts {
  "req.headers": Outcome;
  "req.headersDistinct": Outcome;
  "req.rawHeaders": Outcome;
  "WHATWG Request": Outcome;
}

function outcome(fn: () => VerifiedWebhook): Outcome {
  try {
    return `ok:${fn().event.run_id}`;
  } catch (e) {
    if (e instanceof WebhookVerificationError) return e.reason;
    throw e;
  }
}

interface Server {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Server> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A receiver that only knows the new secret, verifying each request in four server-side forms. */
async function startVerdictServer(): Promise<Server> {
  const verify = createWebhookVerifier({ secret: NEW_SECRET });
  return listen(async (req, res) => {
    const rawBody = await readBody(req);
    // What a fetch-style framework (Hono, Next.js route handlers) builds from node's request.
    const fetchHeaders = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      fetchHeaders.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: "POST",
      headers: fetchHeaders,
      body: rawBody,
    });
    const requestBody = new Uint8Array(await request.arrayBuffer());
    const verdicts: Verdicts = {
      "req.headers": outcome(() => verify({ rawBody, headers: req.headers })),
      "req.headersDistinct": outcome(() => verify({ rawBody, headers: req.headersDistinct })),
      "req.rawHeaders": outcome(() => verify({ rawBody, headers: req.rawHeaders })),
      "WHATWG Request": outcome(() => verify({ rawBody: requestBody, headers: request.headers })),
    };
    const json = JSON.stringify(verdicts);
    res
      .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) })
      .end(json);
  });
}

const now = () => String(Math.floor(Date.now() / 1000));
const sign = (secret: string, ts: string, body = BODY) => signWebhookPayload(secret, ts, body);

/** Sends exactly these header lines (name case and order kept) over a raw socket. */
function rawPost(url: string, lines: [string, string][], body = BODY): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    let response = "";
    socket.on("data", (c) => {
      response += c.toString("utf8");
    });
    socket.on("end", () => resolve(response.slice(response.indexOf("\r\n\r\n") + 4)));
    socket.on("error", reject);
    const head = [
      "POST /hook HTTP/1.1",
      "Host: 127.0.0.1",
      "Connection: close",
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...lines.map(([k, v]) => `${k}: ${v}`),
    ];
    socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  });
}

function nodePost(url: string, headers: http.OutgoingHttpHeaders, body = BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const ALL_OK: Verdicts = {
  "req.headers": "ok:r-http",
  "req.headersDistinct": "ok:r-http",
  "req.rawHeaders": "ok:r-http",
  "WHATWG Request": "ok:r-http",
};
const all = (reason: string): Verdicts => ({
  "req.headers": reason,
  "req.headersDistinct": reason,
  "req.rawHeaders": reason,
  "WHATWG Request": reason,
});

describe("verifyWebhook in a real node:http server, posted to by real clients", () => {
  let server: Server;
  before(async () => {
    server = await startVerdictServer();
  });
  after(() => server.close());

  it("two X-SP-Signature lines from node:http (a rotation: old secret first) verify in every server-side form", async () => {
    const ts = now();
    const got = await nodePost(server.url, {
      "X-SP-Signature": [sign(OLD_SECRET, ts), sign(NEW_SECRET, ts)],
      "X-SP-Timestamp": ts,
    });
    assert.deepEqual(JSON.parse(got), ALL_OK);
    // And with the new one first.
    const got2 = await nodePost(server.url, {
      "x-sp-signature": [sign(NEW_SECRET, ts), sign(OLD_SECRET, ts)],
      "x-sp-timestamp": ts,
    });
    assert.deepEqual(JSON.parse(got2), ALL_OK);
  });

  it("fetch's Headers joins two appended signatures into one 'a, b' line; it verifies", async () => {
    const ts = now();
    const headers = new Headers({ "X-SP-Timestamp": ts });
    headers.append("X-SP-Signature", sign(OLD_SECRET, ts));
    headers.append("x-sp-signature", sign(NEW_SECRET, ts));
    const res = await fetch(server.url, { method: "POST", headers, body: BODY });
    assert.deepEqual(await res.json(), ALL_OK);
    // A WHATWG Request posted with fetch, as a sender built on fetch would.
    const req = new Request(server.url, { method: "POST", headers, body: BODY });
    assert.deepEqual(await (await fetch(req)).json(), ALL_OK);
  });

  it("undici with two header lines in different case verifies", async () => {
    const ts = now();
    const res = await undiciRequest(server.url, {
      method: "POST",
      headers: [
        "X-SP-SIGNATURE",
        sign(OLD_SECRET, ts),
        "x-sp-signature",
        sign(NEW_SECRET, ts),
        "x-Sp-Timestamp",
        ts,
      ],
      body: BODY,
    });
    assert.deepEqual(await res.body.json(), ALL_OK);
  });

  it("raw header lines: odd name case, a comma-joined list with and without spaces, tabs around values", async () => {
    const ts = now();
    const [oldSig, newSig] = [sign(OLD_SECRET, ts), sign(NEW_SECRET, ts)];
    for (const lines of [
      [
        ["x-Sp-SIGNATURE", oldSig],
        ["X-SP-signature", newSig],
        ["X-SP-TIMESTAMP", ts],
      ],
      [
        ["X-SP-Signature", `${oldSig},${newSig}`],
        ["X-SP-Timestamp", ts],
      ],
      [
        ["X-SP-Signature", `${oldSig} , ${newSig}`],
        ["X-SP-Timestamp", `\t${ts} `],
      ],
      [
        ["X-SP-Signature", `${newSig},`],
        ["X-SP-Signature", ""],
        ["X-SP-Timestamp", ts],
      ],
    ] as [string, string][][]) {
      assert.deepEqual(
        JSON.parse(await rawPost(server.url, lines)),
        ALL_OK,
        JSON.stringify(lines.map(([k]) => k)),
      );
    }
  });

  it("refuses, in every form, only the old secret's signature, two timestamps, and a tampered body", async () => {
    const ts = now();
    assert.deepEqual(
      JSON.parse(
        await nodePost(server.url, { "X-SP-Signature": sign(OLD_SECRET, ts), "X-SP-Timestamp": ts }),
      ),
      all("bad_signature"),
    );
    assert.deepEqual(
      JSON.parse(
        await rawPost(server.url, [
          ["X-SP-Signature", sign(NEW_SECRET, ts)],
          ["X-SP-Timestamp", ts],
          ["X-SP-Timestamp", String(Number(ts) - 1000)],
        ]),
      ),
      all("malformed_timestamp"),
    );
    assert.deepEqual(
      JSON.parse(
        await nodePost(
          server.url,
          { "X-SP-Signature": sign(NEW_SECRET, ts), "X-SP-Timestamp": ts },
          BODY.replace('"success_requests": 1', '"success_requests": 2'),
        ),
      ),
      all("bad_signature"),
    );
    assert.deepEqual(JSON.parse(await nodePost(server.url, { "X-SP-Timestamp": ts })), all("missing_header"));
  });
});

describe("verifyWebhook with an unset secret (the README snippet before this fix, `!` included) keeps the receiver alive", () => {
  it("answers 500 invalid_configuration to each delivery instead of dying on a TypeError", async () => {
    assert.equal(process.env[UNSET], undefined);
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener("uncaughtException", onUncaught);
    // The README's "Verifying webhooks" snippet, as a user pastes it into a node:http handler.
    const server = await listen(async (req, res) => {
      const rawBody = await readBody(req);
      try {
        // The snippet users copied before this fix, `!` included.
        const event = verifyWebhook({ rawBody, headers: req.headers, secret: process.env[UNSET]! });
        res.writeHead(200).end(event.run_id);
      } catch (e) {
        if (e instanceof WebhookVerificationError) res.writeHead(e.status).end(e.reason);
        else throw e;
      }
    });
    try {
      const ts = now();
      for (let i = 0; i < 2; i++) {
        const res = await fetch(server.url, {
          method: "POST",
          headers: { "x-sp-signature": sign(NEW_SECRET, ts), "x-sp-timestamp": ts },
          body: BODY,
        });
        assert.equal(res.status, 500);
        assert.equal(await res.text(), "invalid_configuration");
      }
      assert.deepEqual(uncaught, []);
    } finally {
      process.removeListener("uncaughtException", onUncaught);
      await server.close();
    }
  });

  it("createWebhookVerifier refuses the unset secret when the receiver starts, before any delivery", () => {
    assert.throws(
      () => createWebhookVerifier({ secret: process.env[UNSET] as string }),
      (e: unknown) =>
        e instanceof WebhookVerificationError &&
        e.reason === "invalid_configuration" &&
        /^invalid webhook verifier configuration: secret: is undefined/.test(e.message),
    );
  });

  it("accepts headers as every WebhookHeaders form compiles (type check of the public union)", () => {
    const forms: WebhookHeaders[] = [
      {} as http.IncomingHttpHeaders,
      {} as NodeJS.Dict<string[]>,
      [] as string[],
      new Headers(),
      new Map<string, string>(),
      [["x", "y"]] as [string, string][],
    ];
    assert.equal(forms.length, 6);
  });
});

describe("the README's webhook snippet, as users copy it", () => {
  const REPO = path.resolve(__dirname, "..", "..", "..");
  const SDK = path.join(REPO, "sdk", "webhooks");
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Verifying webhooks"));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const [startup = "", perRequest = ""] = snippet.split(/^(?=\/\/ Per request)/m);
  const imports =
    startup
      .match(/^import .*$/gm)
      ?.join("\n")
      .replaceAll('"pulumi-scrapingpros"', JSON.stringify(SDK)) ?? "";
  const startupBody = startup.replace(/^import .*$/gm, "");

  it("type-checks under strict TypeScript, with process.env.WEBHOOK_SECRET and no `!`", () => {
    assert.match(snippet, /createWebhookVerifier\(\{ secret: process\.env\.WEBHOOK_SECRET \}\)/);
    assert.ok(!snippet.includes("WEBHOOK_SECRET!"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-readme-snippet-"));
    try {
      const file = path.join(dir, "snippet.ts");
      fs.writeFileSync(
        file,
        `import type * as http from "node:http";\n${imports}\n` +
          "declare const rawBody: Buffer;\ndeclare const req: http.IncomingMessage;\ndeclare const res: http.ServerResponse;\n" +
          `${startupBody}\n${perRequest}\n`,
      );
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [path.join(REPO, "node_modules", "@types")],
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file?.fileName === file)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      assert.deepEqual(problems, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The snippet as a program: its startup part runs once, its per-request part per delivery. */
  function loadSnippet(): (rawBody: Buffer, req: http.IncomingMessage, res: http.ServerResponse) => void {
    const source =
      `${imports}\nexport function startup() {\n${startupBody}\n` +
      `return (rawBody: any, req: any, res: any) => {\n${perRequest}\n};\n}\n`;
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
    const exports: { startup?: () => ReturnType<typeof loadSnippet> } = {};
    new Function("exports", "require", js)(exports, require);
    return (exports.startup as () => ReturnType<typeof loadSnippet>)();
  }

  it("with WEBHOOK_SECRET unset, stops at startup with a WebhookConfigurationError naming secret", () => {
    const saved = process.env.WEBHOOK_SECRET;
    delete process.env.WEBHOOK_SECRET;
    try {
      assert.throws(
        () => loadSnippet(),
        (e: unknown) =>
          e instanceof WebhookVerificationError &&
          e.name === "WebhookConfigurationError" &&
          e.status === 500 &&
          /secret: is undefined/.test(e.message),
      );
    } finally {
      if (saved !== undefined) process.env.WEBHOOK_SECRET = saved;
    }
  });

  it("with WEBHOOK_SECRET set, accepts a rotated delivery and answers forgeries with the error's status", async () => {
    const saved = process.env.WEBHOOK_SECRET;
    process.env.WEBHOOK_SECRET = NEW_SECRET;
    let server: Server | undefined;
    try {
      const handle = loadSnippet();
      server = await listen(async (req, res) => {
        handle(await readBody(req), req, res);
        if (!res.headersSent) res.writeHead(204).end();
      });
      const ts = now();
      const post = async (headers: http.OutgoingHttpHeaders, body = BODY) => {
        const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
          const r = http.request(server?.url ?? "", { method: "POST", headers, agent: false }, resolve);
          r.on("error", reject);
          r.end(body);
        });
        let text = "";
        for await (const chunk of res) text += chunk;
        return `${res.statusCode} ${text}`.trim();
      };
      assert.equal(
        await post({ "X-SP-Signature": [sign(OLD_SECRET, ts), sign(NEW_SECRET, ts)], "X-SP-Timestamp": ts }),
        "204",
      );
      assert.equal(
        await post({ "X-SP-Signature": sign(OLD_SECRET, ts), "X-SP-Timestamp": ts }),
        "401 bad_signature",
      );
      assert.equal(
        await post({ "X-SP-Signature": sign(NEW_SECRET, ts), "X-SP-Timestamp": ts }, `${BODY} `),
        "401 bad_signature",
      );
      assert.equal(
        await post({ "X-SP-Signature": sign(NEW_SECRET, ts, "[]"), "X-SP-Timestamp": ts }, "[]"),
        "400 malformed_body",
      );
    } finally {
      if (saved === undefined) delete process.env.WEBHOOK_SECRET;
      else process.env.WEBHOOK_SECRET = saved;
      await server?.close();
    }
  });
});

/**
 * The native plugin as a process of its own, started from the sources (`provider/native/main.ts`
 * with ts-node) as the engine starts it: with an engine address as its argument, its port read from
 * its first line of output. The "engine" is a gRPC server that records the plugin's `Log` calls and
 * answers nothing else: it stands for the engine's log only, for tests of what the plugin sends over
 * gRPC (tests/integration/provider/native/grpc-shim.spec.ts). Pulumi's behaviour is tested with the
 * real CLI (tests/e2e/native-plugin.spec.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

const REPO = path.resolve(__dirname, "..", "..");

/** One `Log` call the plugin made. */
export interface LoggedMessage {
  /** The engine's severity number (`LogSeverity`: DEBUG 0, INFO 1, WARNING 2, ERROR 3). */
  severity: number;
  message: string;
  urn: string;
}

/** A running plugin process and a client of its ResourceProvider service. */
export interface PluginProcess {
  /** A client of the plugin's gRPC server. */
  client: providerRpc.ResourceProviderClient;
  /** The messages the plugin sent to the engine's log, in order. */
  logs: LoggedMessage[];
  /** What the plugin wrote to stderr. */
  stderr(): string;
  /** Calls `method` of the client with `request` and resolves with its response. */
  call<Res>(method: keyof providerRpc.IResourceProviderClient, request: unknown): Promise<Res>;
  /** Stops the plugin (SIGTERM, then SIGKILL) and the engine's stand-in. */
  stop(): Promise<void>;
}

/**
 * Starts the plugin from the sources with `env` (PATH is added), and an engine stand-in that
 * records `Log` calls.
 */
export async function startPluginProcess(env: NodeJS.ProcessEnv = {}): Promise<PluginProcess> {
  const logs: LoggedMessage[] = [];
  const engine = new grpc.Server();
  engine.addService(engineRpc.EngineService, {
    log: (call: grpc.ServerUnaryCall<enginePb.LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) => {
      logs.push({
        severity: call.request.getSeverity(),
        message: call.request.getMessage(),
        urn: call.request.getUrn(),
      });
      callback(null, new Empty());
    },
  });
  const enginePort = await new Promise<number>((resolve, reject) =>
    engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );

  const child: ChildProcess = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(REPO, "provider", "native", "main.ts"),
      `127.0.0.1:${enginePort}`,
    ],
    { cwd: REPO, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = /^(\d+)\r?\n/.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.once("exit", (code) =>
      reject(new Error(`the plugin exited ${code} before it listened:\n${stderr}`)),
    );
  });
  const client = new providerRpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  return {
    client,
    logs,
    stderr: () => stderr,
    call: <Res>(method: keyof providerRpc.IResourceProviderClient, request: unknown) =>
      new Promise<Res>((resolve, reject) => {
        const fn = client[method] as unknown as (
          req: unknown,
          cb: (e: grpc.ServiceError | null, res: Res) => void,
        ) => unknown;
        fn.call(client, request, (e, res) => (e ? reject(e) : resolve(res)));
      }),
    stop: async () => {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      engine.forceShutdown();
    },
  };
}

/**
 * Messages from the provider to the person running `pulumi`, attached to the resource they concern.
 *
 * `pulumi.log.*` does not reach the engine from a Node.js dynamic provider (pulumi/pulumi#6065,
 * #18249): the dynamic-provider host is started with the engine's address as its first argument but
 * does not connect to it, so `pulumi.log` falls back to stderr, and the engine shows a plugin's
 * stderr under `pulumi:pulumi:Stack`. Native providers log through the engine's `Log` RPC, whose
 * request carries a URN; this module does the same, with the address the host was given and the
 * gRPC stubs that ship with `@pulumi/pulumi`. Outside the dynamic-provider process (tests, a plain
 * script), or if the engine cannot be reached, it writes to stderr as before.
 */
import * as path from "node:path";
import { type MessageSink, type Severity, stderrSink } from "../core/message-sink";
import { isDynamicProviderProcess } from "./engine-watchdog";

/**
 * The engine's address as the dynamic-provider host received it: its first argument that is not
 * one of the logging flags the engine passes to plugins (`--logtostderr`, `-v=N`, `--tracing <url>`).
 */
export function engineAddressFromArgv(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--logtostderr" || a.startsWith("-v=")) continue;
    if (a === "--tracing") {
      i++;
      continue;
    }
    return a;
  }
  return undefined;
}

/**
 * A sink that sends messages to the engine at `address` with their URN, falling back to
 * {@link stderrSink} when the stubs cannot be loaded or a call fails.
 */
export function engineSink(address: string): MessageSink {
  let client: import("@pulumi/pulumi/proto/engine_grpc_pb").EngineClient;
  let pb: typeof import("@pulumi/pulumi/proto/engine_pb");
  try {
    // The stubs and the gRPC library @pulumi/pulumi itself uses, resolved from its own location.
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(
      require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }),
    ) as typeof import("@grpc/grpc-js");
    const rpc =
      require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
    pb = require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
    client = new rpc.EngineClient(address, grpc.credentials.createInsecure());
  } catch {
    return stderrSink;
  }
  const levels: Record<Severity, number> = {
    debug: pb.LogSeverity.DEBUG,
    info: pb.LogSeverity.INFO,
    warning: pb.LogSeverity.WARNING,
    error: pb.LogSeverity.ERROR,
  };
  return (severity, message, urn) =>
    new Promise<void>((resolve) => {
      const req = new pb.LogRequest();
      req.setSeverity(levels[severity] as import("@pulumi/pulumi/proto/engine_pb").LogSeverity);
      req.setMessage(message);
      req.setUrn(urn ?? "");
      client.log(req, (err) => {
        if (err) void stderrSink(severity, message, urn).then(resolve);
        else resolve();
      });
    });
}

let defaultSink: MessageSink | undefined;

/** The sink of this process: the engine in the dynamic-provider process, stderr elsewhere. */
export function processSink(): MessageSink {
  if (defaultSink) return defaultSink;
  const address = isDynamicProviderProcess() ? engineAddressFromArgv(process.argv) : undefined;
  defaultSink = address ? engineSink(address) : stderrSink;
  return defaultSink;
}

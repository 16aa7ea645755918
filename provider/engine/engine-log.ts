/**
 * Messages from the provider to the person running `pulumi`, attached to the resource they concern.
 *
 * `pulumi.log.*` does not reach the engine from a Node.js dynamic provider (pulumi/pulumi#6065,
 * #18249): the dynamic-provider host is started with the engine's address as its first argument but
 * does not connect to it, so `pulumi.log` falls back to stderr, and the engine shows a plugin's
 * stderr under `pulumi:pulumi:Stack`. Native providers log through the engine's `Log` RPC, whose
 * request carries a URN; this module does the same, with the address the process was given (the
 * dynamic-provider host's first argument, `process-sink.ts`; the native plugin's, `native/main.ts`)
 * and the gRPC stubs of `@pulumi/pulumi`. If the engine cannot be reached, it writes to stderr.
 */
import { type MessageSink, type Severity, stderrSink } from "../core/message-sink";

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
 * The gRPC library and the engine's stubs a {@link engineSink} talks through.
 * @internal
 */
export interface EngineStubs {
  /** `@grpc/grpc-js`, the copy `@pulumi/pulumi` uses. */
  grpc: typeof import("@grpc/grpc-js");
  /** `@pulumi/pulumi/proto/engine_grpc_pb`. */
  rpc: typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
  /** `@pulumi/pulumi/proto/engine_pb`. */
  pb: typeof import("@pulumi/pulumi/proto/engine_pb");
}

/**
 * A sink that sends messages to the engine at `address` with their URN, falling back to
 * {@link stderrSink} when the stubs cannot be loaded or a call fails.
 * @param stubs Loads the gRPC library and stubs to use (`process-sink.ts`: those of the program's
 *   `@pulumi/pulumi`; the plugin's bundle: its own).
 * @internal
 */
export function engineSink(address: string, stubs: () => EngineStubs): MessageSink {
  let client: import("@pulumi/pulumi/proto/engine_grpc_pb").EngineClient;
  let pb: typeof import("@pulumi/pulumi/proto/engine_pb");
  try {
    const loaded = stubs();
    pb = loaded.pb;
    client = new loaded.rpc.EngineClient(address, loaded.grpc.credentials.createInsecure());
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

/**
 * The message sink of the dynamic-provider process: the engine's log (`engine-log.ts`), reached
 * through the gRPC stubs of the `@pulumi/pulumi` the program's `node_modules` holds; stderr in any
 * other process (tests, a plain script).
 */
import * as path from "node:path";
import { type MessageSink, stderrSink } from "../core/message-sink";
import { type EngineStubs, engineAddressFromArgv, engineSink } from "./engine-log";
import { isDynamicProviderProcess } from "./engine-watchdog";

/**
 * The stubs as `@pulumi/pulumi` resolves them from its own location: what the dynamic-provider
 * process has (the program's `node_modules`). A bundled plugin passes its own (`native/main.ts`).
 * @internal
 */
export function stubsOfPulumi(): EngineStubs {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  return {
    grpc: require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof import("@grpc/grpc-js"),
    rpc: require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb"),
    pb: require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb"),
  };
}

let defaultSink: MessageSink | undefined;

/** The sink of this process: the engine in the dynamic-provider process, stderr elsewhere. */
export function processSink(): MessageSink {
  if (defaultSink) return defaultSink;
  const address = isDynamicProviderProcess() ? engineAddressFromArgv(process.argv) : undefined;
  defaultSink = address ? engineSink(address, stubsOfPulumi) : stderrSink;
  return defaultSink;
}

/**
 * The process entry of the native `scrapingpros` resource plugin. `scripts/build-plugin.js` bundles
 * it with everything it imports into one file that the plugin's launcher, `pulumi-resource-scrapingpros`,
 * runs with `node`; the engine passes its address as the argument.
 */
import * as grpc from "@grpc/grpc-js";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import { stderrSink } from "../core/message-sink";
import { engineAddressFromArgv, engineSink } from "../engine/engine-log";
import { startEngineWatchdog } from "../engine/engine-watchdog";
import { serveNativeProvider } from "./grpc-shim";
import { createNativeProvider } from "./provider";

// The engine starts each plugin in a process group of its own and does not signal it when the CLI is
// killed; the gRPC server would keep this process alive forever. The launcher `exec`s node, so the
// engine is this process's parent and the watchdog sees it go.
startEngineWatchdog({ force: true });

// Messages go to the engine's log with the resource's URN, as the dynamic provider's do; the stubs
// are the bundle's own (there is no node_modules to resolve them from).
const address = engineAddressFromArgv(process.argv);
const sink = address ? engineSink(address, () => ({ grpc, rpc: engineRpc, pb: enginePb })) : stderrSink;

serveNativeProvider(createNativeProvider({ sink }), process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

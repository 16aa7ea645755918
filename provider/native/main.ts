/**
 * The process entry of the native `scrapingpros` resource plugin. `scripts/build-plugin.js` bundles
 * it with everything it imports into one file that the plugin's launcher, `pulumi-resource-scrapingpros`,
 * runs with `node`; the engine passes its address as the argument.
 */
import { main } from "@pulumi/pulumi/provider";
import { startEngineWatchdog } from "../engine/engine-watchdog";
import { createNativeProvider } from "./provider";

// The engine starts each plugin in a process group of its own and does not signal it when the CLI is
// killed; the gRPC server would keep this process alive forever. The launcher `exec`s node, so the
// engine is this process's parent and the watchdog sees it go.
startEngineWatchdog({ force: true });

void main(createNativeProvider(), process.argv.slice(2));

import * as pulumi from "@pulumi/pulumi";
import { Collection, CollectionRun } from "pulumi-scrapingpros";

// The receiver (receiver.ts) must be running: its URL is this stack's `receiverUrl` config.
const config = new pulumi.Config();
const receiverUrl = config.require("receiverUrl");

const tours = new Collection("tours", {
  name: "webhook-receiver-tours",
  requests: [{ url: "https://example.com/tours/1" }, { url: "https://example.com/tours/2" }],
});

// One run; change `runTrigger` to start another. The run's webhook goes to the receiver.
const run = new CollectionRun("tours-run", {
  collectionId: tours.id,
  triggers: [config.get("runTrigger") ?? "1"],
  callbackUrl: receiverUrl,
  timeoutSeconds: 300,
});

export const collectionId = tours.id;
export const runId = run.runId;
export const status = run.status;
export const successRequests = run.successRequests;
export const callbackUrl = run.callbackUrl;

export * from "./collection";

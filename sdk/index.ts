export * from "./collection";
export { STACK_SCOPE_TYPE, StackScope } from "./stack-scope";

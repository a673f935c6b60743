/**
 * Intercepting Python frames from TypeScript.
 *
 * @module
 */

export { Dynamo, type DynamoOptions, type FrameCallback, standardLibraryPaths } from "./dynamo.ts";
export { Frame } from "./frame.ts";
export { askAgain, Decision, patch, skip, type SkipOptions } from "./decision.ts";

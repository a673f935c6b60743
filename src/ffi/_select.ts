/**
 * Picks the adapter for the running runtime: the only runtime check in the library.
 *
 * @module
 */

import type { Runtime } from "./_runtime.ts";

async function selectRuntime(): Promise<Runtime> {
  if ("Bun" in globalThis) return (await import("./_bun.ts")).runtime;
  if ("Deno" in globalThis) return (await import("./_deno.ts")).runtime;
  throw new Error("pyframe runs on Deno or Bun; this runtime is neither (no `Deno` or `Bun` global)");
}

export const runtime: Runtime = await selectRuntime();

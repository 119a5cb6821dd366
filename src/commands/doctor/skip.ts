// Skipping a check whose precondition is missing. Its own module so that state.ts (whose getters
// skip) and registry.ts (which reports skips) do not import each other.

/** Thrown by a check (or a state getter) when a precondition is missing: the check is skipped with this reason. */
export class SkipCheck extends Error {}

export function skip(reason: string): never {
  throw new SkipCheck(reason);
}

/**
 * Version of every --json document (`schemaVersion`). Bump only on a breaking change:
 * renamed or removed keys. Adding keys is not breaking.
 */
export const SCHEMA_VERSION = 1;

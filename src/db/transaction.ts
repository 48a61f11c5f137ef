import type { Database } from "./client";

/** The handle a synchronous Drizzle transaction callback receives (bun:sqlite: no awaits inside). */
export type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Anything that can run a write: the database itself or an open transaction. */
export type Writer = Database | Tx;

/**
 * `bun test/support/postgres-cluster.ts start` starts a throwaway cluster (as the `postgres` user when
 * root, loopback only) that outlives this command and prints `TEST_DATABASE_URL=…` and `PG_CLUSTER_DIR=…`
 * for `.ci/run`'s whole-suite PostgreSQL pass; `… stop <PG_CLUSTER_DIR>` stops and deletes it.
 */

import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { findPostgresBin, startCluster } from "./postgres-server";

const [command, dir] = process.argv.slice(2);
if (command === "start") {
  const cluster = startCluster();
  console.log(`TEST_DATABASE_URL=${cluster.url}`);
  console.log(`PG_CLUSTER_DIR=${cluster.root}`);
} else if (command === "stop" && dir !== undefined && existsSync(join(dir, "data"))) {
  const bin = findPostgresBin();
  if (bin !== undefined) {
    const pgCtl = [join(bin, "pg_ctl"), "-D", join(dir, "data"), "-m", "fast", "-w", "stop"];
    spawnSync(process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...pgCtl] : pgCtl);
  }
  rmSync(dir, { recursive: true, force: true });
} else {
  console.error("usage: bun test/support/postgres-cluster.ts start | stop <PG_CLUSTER_DIR>");
  process.exit(2);
}

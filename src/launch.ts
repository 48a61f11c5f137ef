/**
 * What `bun run start` runs (spec decision "Entry points"): the sandbox's entry when no credentials are set
 * (or SMSTWEET_SANDBOX=1 asks), the production entry otherwise. The only module outside src/sandbox/ that
 * reaches it, and only on that path: production never loads the sandbox's code.
 */
import { chooseMode } from "./mode";

if (chooseMode(process.env) === "sandbox") await import("./sandbox/main");
else await import("./index");

import { setDefaultTimeout } from "bun:test";

// Integration tests start servers and child processes; a 2-core CI machine needs more than 5 s for some.
setDefaultTimeout(30_000);

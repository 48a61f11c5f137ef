-- The rows SQLite's migrations add by hand (0008_health): the probe row exists from the start, a check
-- rewrites it and never adds a row.
INSERT INTO "health_probe" ("id", "checked_at") VALUES (1, 0);

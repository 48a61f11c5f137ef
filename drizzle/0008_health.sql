CREATE TABLE `health_probe` (
	`id` integer PRIMARY KEY NOT NULL,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_state_finished` ON `jobs` (`state`,`finished_at`);--> statement-breakpoint
-- The probe row exists from the start: a check rewrites it and never adds a row.
INSERT INTO `health_probe` (`id`, `checked_at`) VALUES (1, 0);

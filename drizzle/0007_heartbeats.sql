CREATE TABLE `heartbeats` (
	`id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL,
	`started_at` integer NOT NULL,
	`refreshed_at` integer NOT NULL
);

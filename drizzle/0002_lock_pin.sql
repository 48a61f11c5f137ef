ALTER TABLE `texters` ADD `pin_mac` text;--> statement-breakpoint
ALTER TABLE `texters` ADD `pin_key_id` text;--> statement-breakpoint
ALTER TABLE `texters` ADD `pin_failures` text DEFAULT '[]' NOT NULL;
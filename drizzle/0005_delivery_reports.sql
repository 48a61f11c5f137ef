CREATE TABLE `delivery_counts` (
	`status` text NOT NULL,
	`error_code` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`status`, `error_code`)
);
--> statement-breakpoint
ALTER TABLE `outbound_messages` ADD `delivery` text;--> statement-breakpoint
ALTER TABLE `outbound_messages` ADD `delivery_error` integer;--> statement-breakpoint
CREATE INDEX `outbound_messages_twilio_sid` ON `outbound_messages` (`twilio_sid`);--> statement-breakpoint
ALTER TABLE `texters` ADD `undeliverable_at` integer;--> statement-breakpoint
ALTER TABLE `texters` ADD `undeliverable_code` integer;
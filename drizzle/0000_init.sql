CREATE TABLE `auth_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_hash` text NOT NULL,
	`phone` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auth_links_token_hash` ON `auth_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `auth_links_phone` ON `auth_links` (`phone`);--> statement-breakpoint
CREATE INDEX `auth_links_created` ON `auth_links` (`created_at`);--> statement-breakpoint
CREATE TABLE `inbound_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sid` text NOT NULL,
	`phone` text NOT NULL,
	`body` text NOT NULL,
	`media` text DEFAULT '[]' NOT NULL,
	`received_at` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`outcome` text,
	`post_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_messages_sid` ON `inbound_messages` (`sid`);--> statement-breakpoint
CREATE INDEX `inbound_messages_queue` ON `inbound_messages` (`status`,`phone`,`id`);--> statement-breakpoint
CREATE TABLE `oauth_sessions` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`link_id` integer NOT NULL,
	`code_verifier` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`link_id`) REFERENCES `auth_links`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `outbound_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`body` text NOT NULL,
	`secret` text,
	`created_at` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`twilio_sid` text,
	`error` text,
	`erase_when_done` integer DEFAULT false NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `outbound_messages_queue` ON `outbound_messages` (`status`,`phone`,`id`);--> statement-breakpoint
CREATE INDEX `outbound_messages_phone_sent` ON `outbound_messages` (`phone`,`sent_at`);--> statement-breakpoint
CREATE INDEX `outbound_messages_sent` ON `outbound_messages` (`sent_at`);--> statement-breakpoint
CREATE TABLE `posts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`post_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `posts_phone` ON `posts` (`phone`,`id`);--> statement-breakpoint
CREATE TABLE `texters` (
	`phone` text PRIMARY KEY NOT NULL,
	`x_user_id` text,
	`x_handle` text,
	`access_token` text,
	`refresh_token` text,
	`token_expires_at` integer,
	`opted_out` integer DEFAULT false NOT NULL,
	`connected_at` integer,
	`thread_opened_at` integer,
	`delete_requested_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `thread_parts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`position` integer NOT NULL,
	`body` text NOT NULL,
	`media` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`post_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `thread_parts_position` ON `thread_parts` (`phone`,`position`);
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`lane` text,
	`dedupe_key` text,
	`payload` text DEFAULT '{}' NOT NULL,
	`state` text NOT NULL,
	`run_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`faults` integer DEFAULT 0 NOT NULL,
	`uncertain` integer DEFAULT false NOT NULL,
	`locked_by` text,
	`locked_until` integer,
	`last_error` text,
	`outcome` text,
	`detail` text,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_due` ON `jobs` (`state`,`kind`,`run_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_lane` ON `jobs` (`lane`,`state`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_dedupe_key` ON `jobs` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `jobs_finished` ON `jobs` (`finished_at`);--> statement-breakpoint
DROP INDEX `inbound_messages_queue`;--> statement-breakpoint
DROP INDEX `outbound_messages_queue`;--> statement-breakpoint
ALTER TABLE `thread_parts` ADD `job_id` integer;--> statement-breakpoint
-- Upgrading from 0.1, whose queue was the message tables themselves: their unfinished rows become jobs,
-- each lane's oldest pending, the rest waiting behind it. A row 0.1 had started may have reached X or Twilio.
INSERT INTO `jobs` (`kind`, `lane`, `payload`, `state`, `run_at`, `created_at`, `uncertain`)
SELECT 'inbound', 'text:' || m.`phone`, json_object('messageId', m.`id`),
  CASE WHEN m.`id` = (SELECT MIN(q.`id`) FROM `inbound_messages` q WHERE q.`phone` = m.`phone` AND q.`status` = 'pending')
    THEN 'pending' ELSE 'waiting' END,
  m.`next_attempt_at`, m.`received_at`, m.`attempts` > 0
FROM `inbound_messages` m WHERE m.`status` = 'pending' ORDER BY m.`id`;--> statement-breakpoint
INSERT INTO `jobs` (`kind`, `lane`, `payload`, `state`, `run_at`, `created_at`, `uncertain`)
SELECT 'sms', 'sms:' || m.`phone`, json_object('outboundId', m.`id`),
  CASE WHEN m.`id` = (SELECT MIN(q.`id`) FROM `outbound_messages` q WHERE q.`phone` = m.`phone` AND q.`status` = 'pending')
    THEN 'pending' ELSE 'waiting' END,
  m.`next_attempt_at`, m.`created_at`, m.`sent_at` IS NOT NULL
FROM `outbound_messages` m WHERE m.`status` = 'pending' ORDER BY m.`id`;

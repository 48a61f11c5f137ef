-- WITHOUT ROWID (edited by hand: drizzle cannot say it): the hash is the table's only B-tree, so each webhook
-- inserts into one tree at a random place, not two.
CREATE TABLE `message_sids` (
	`sid_hash` text PRIMARY KEY NOT NULL,
	`received_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `message_sids_received` ON `message_sids` (`received_at`);--> statement-breakpoint
CREATE INDEX `inbound_messages_received` ON `inbound_messages` (`received_at`);--> statement-breakpoint
CREATE INDEX `outbound_messages_created` ON `outbound_messages` (`created_at`);--> statement-breakpoint
CREATE INDEX `posts_created` ON `posts` (`created_at`);--> statement-breakpoint
-- Issue 8, point 7: bodies are kept only until their work is finished. Erase those of earlier releases'
-- finished texts; a queued post keeps its pictures (its text is in its job's payload) until it is posted.
-- Their MessageSids cannot be hashed in SQL: the webhook also looks up a raw sid (see db/inbound.ts).
UPDATE `inbound_messages` SET `body` = '' WHERE `status` = 'done' AND `body` <> '';--> statement-breakpoint
UPDATE `inbound_messages` SET `media` = '[]' WHERE `status` = 'done' AND `media` <> '[]' AND `outcome` IS NOT 'post_queued';--> statement-breakpoint
UPDATE `outbound_messages` SET `body` = '' WHERE `status` <> 'pending' AND `body` <> '';

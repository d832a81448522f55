CREATE TABLE `form_submissions` (
	`session_id` text NOT NULL,
	`token` text NOT NULL,
	`status` integer,
	`headers` text,
	`body` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `token`)
);
--> statement-breakpoint
CREATE INDEX `form_submissions_expires_idx` ON `form_submissions` (`expires_at`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `reauth_at` integer;--> statement-breakpoint
CREATE INDEX `generations_account_created_idx` ON `generations` (`account_id`,`created_at`,`status`,`error_code`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_account_idx` ON `webhook_deliveries` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_generation_idx` ON `webhook_deliveries` (`account_id`,`generation_id`,`id`);
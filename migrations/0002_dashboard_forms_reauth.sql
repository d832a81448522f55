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
ALTER TABLE `sessions` ADD `reauth_at` integer;
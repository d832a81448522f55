ALTER TABLE `sessions` ADD `reauth_at` integer;--> statement-breakpoint
CREATE INDEX `generations_account_created_idx` ON `generations` (`account_id`,`created_at`,`status`,`error_code`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_account_idx` ON `webhook_deliveries` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_generation_idx` ON `webhook_deliveries` (`account_id`,`generation_id`,`id`);
ALTER TABLE `accounts` ADD `engines` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `engines_by_category` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_r2_key` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_format` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_width` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_height` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_updated_at` integer;--> statement-breakpoint
ALTER TABLE `generations` ADD `engines` text;--> statement-breakpoint
ALTER TABLE `generations` ADD `engine_hop` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `generations` ADD `engine_started_at` integer;--> statement-breakpoint
ALTER TABLE `generations` ADD `engine_attempts` text;--> statement-breakpoint
ALTER TABLE `generations` ADD `cost_usd_micros` integer;
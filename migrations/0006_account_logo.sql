ALTER TABLE `accounts` ADD `logo_r2_key` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_format` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_width` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_height` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `logo_updated_at` integer;
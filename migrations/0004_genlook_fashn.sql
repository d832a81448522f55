ALTER TABLE `generations` ADD `compat` text;--> statement-breakpoint
ALTER TABLE `products` ADD `auto_detect_image_roles` integer DEFAULT true NOT NULL;
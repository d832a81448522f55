CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`engine` text,
	`rate_limit_per_minute` integer,
	`rate_limit_burst` integer,
	`spend_cap_per_day` integer,
	`retention_days` integer DEFAULT 7 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`display_prefix` text NOT NULL,
	`rate_limit_per_minute` integer,
	`rate_limit_burst` integer,
	`spend_cap` integer,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_account_idx` ON `api_keys` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`r2_key` text NOT NULL,
	`role` text NOT NULL,
	`format` text NOT NULL,
	`content_type` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`orientation` integer,
	`byte_size` integer NOT NULL,
	`crop` text,
	`external_user_id` text,
	`source_url_hash` text,
	`keep_for_days` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
CREATE INDEX `images_account_idx` ON `images` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `images_expires_idx` ON `images` (`expires_at`);--> statement-breakpoint
CREATE INDEX `images_user_idx` ON `images` (`account_id`,`external_user_id`);--> statement-breakpoint
CREATE INDEX `images_url_idx` ON `images` (`account_id`,`source_url_hash`);--> statement-breakpoint
CREATE TABLE `products` (
	`account_id` text NOT NULL,
	`external_id` text NOT NULL,
	`kind` text NOT NULL,
	`title` text,
	`description` text,
	`metadata` text,
	`images` text NOT NULL,
	`valid_for_days` integer,
	`seq` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_used_at` integer,
	`expires_at` integer,
	PRIMARY KEY(`account_id`, `external_id`)
);
--> statement-breakpoint
CREATE INDEX `products_list_idx` ON `products` (`account_id`,`kind`,`seq`);--> statement-breakpoint
CREATE INDEX `products_expires_idx` ON `products` (`expires_at`);--> statement-breakpoint
CREATE TABLE `generations` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`api_key_id` text,
	`status` text NOT NULL,
	`product_external_id` text NOT NULL,
	`product_snapshot` text NOT NULL,
	`person_image_id` text NOT NULL,
	`external_user_id` text,
	`engine` text NOT NULL,
	`category` text,
	`mode` text,
	`seed` integer,
	`watermark` integer,
	`keep_for_days` integer NOT NULL,
	`webhook_url` text,
	`result_image_id` text,
	`result_r2_key` text,
	`result_expires_at` integer,
	`error_code` text,
	`error_message` text,
	`retryable` integer,
	`engine_job_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`credit_state` text DEFAULT 'none' NOT NULL,
	`event_emitted_at` integer,
	`request_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`duration_ms` integer,
	`deadline_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `generations_account_idx` ON `generations` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `generations_status_idx` ON `generations` (`status`,`deadline_at`);--> statement-breakpoint
CREATE INDEX `generations_product_idx` ON `generations` (`account_id`,`product_external_id`);--> statement-breakpoint
CREATE INDEX `generations_user_idx` ON `generations` (`account_id`,`external_user_id`);--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`attempt_no` integer NOT NULL,
	`status_code` integer,
	`latency_ms` integer NOT NULL,
	`response_snippet` text,
	`error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_delivery_idx` ON `webhook_attempts` (`delivery_id`,`attempt_no`);--> statement-breakpoint
CREATE TABLE `webhook_default_secrets` (
	`account_id` text PRIMARY KEY NOT NULL,
	`secret_enc` text NOT NULL,
	`previous_secret_enc` text,
	`previous_secret_expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`endpoint_id` text,
	`url` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`generation_id` text,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_status_code` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_dedupe_idx` ON `webhook_deliveries` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_idx` ON `webhook_deliveries` (`account_id`,`endpoint_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_created_idx` ON `webhook_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`url` text NOT NULL,
	`description` text,
	`events` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`secret_enc` text NOT NULL,
	`previous_secret_enc` text,
	`previous_secret_expires_at` integer,
	`failing_since` integer,
	`disabled_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_account_idx` ON `webhook_endpoints` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);

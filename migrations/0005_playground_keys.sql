CREATE TABLE `playground_keys` (
	`account_id` text NOT NULL,
	`mode` text NOT NULL,
	`key_id` text NOT NULL,
	`key_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `mode`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);

CREATE TABLE `billing_settings` (
	`workspace_id` integer PRIMARY KEY NOT NULL,
	`webhook_secret` text NOT NULL,
	`previous_secret` text,
	`previous_until` integer,
	`outbound_url` text,
	`outbound_secret` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `key_credit_limits` (
	`workspace_id` integer NOT NULL,
	`key_id` text NOT NULL,
	`limit` integer NOT NULL,
	`refill` text NOT NULL,
	`period` text NOT NULL,
	`used` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `key_id`)
);
--> statement-breakpoint
CREATE TABLE `payment_events` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`user_id` text NOT NULL,
	`sku` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`result` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `payment_events_user` ON `payment_events` (`workspace_id`,`user_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `webhook_outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_outbox_id_unique` ON `webhook_outbox` (`id`);--> statement-breakpoint
CREATE INDEX `webhook_outbox_due` ON `webhook_outbox` (`workspace_id`,`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `referral_helps` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`code` text NOT NULL,
	`inviter_id` text NOT NULL,
	`helper_id` text NOT NULL,
	`device_id` text,
	`new_user` integer NOT NULL,
	`amount` integer NOT NULL,
	`grant_id` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`voided_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_helps_helper` ON `referral_helps` (`workspace_id`,`inviter_id`,`helper_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `referral_helps_device` ON `referral_helps` (`workspace_id`,`inviter_id`,`device_id`);--> statement-breakpoint
CREATE INDEX `referral_helps_by_helper` ON `referral_helps` (`workspace_id`,`helper_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `referral_helps_by_inviter` ON `referral_helps` (`workspace_id`,`inviter_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `referrals` (
	`workspace_id` integer NOT NULL,
	`code` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `code`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referrals_user` ON `referrals` (`workspace_id`,`user_id`);--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `plan_until` integer;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `subscribed_at` integer;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `cancelled_at` integer;
CREATE TABLE `billing_accounts` (
	`workspace_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`plan` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `billing_catalogs` (
	`workspace_id` integer PRIMARY KEY NOT NULL,
	`catalog` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `credit_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`feature` text NOT NULL,
	`kind` text NOT NULL,
	`category` text NOT NULL,
	`priority` integer NOT NULL,
	`amount` integer NOT NULL,
	`remaining` integer NOT NULL,
	`effective_at` integer NOT NULL,
	`expires_at` integer,
	`period` text,
	`source` text,
	`voided_at` integer,
	`created_at` integer NOT NULL,
	CONSTRAINT "credit_grants_remaining" CHECK("credit_grants"."remaining" >= 0 AND "credit_grants"."remaining" <= "credit_grants"."amount")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_grants_period` ON `credit_grants` (`workspace_id`,`user_id`,`feature`,`period`);--> statement-breakpoint
CREATE INDEX `credit_grants_spendable` ON `credit_grants` (`workspace_id`,`user_id`,`feature`,`remaining`);--> statement-breakpoint
CREATE TABLE `credit_holds` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`feature` text NOT NULL,
	`amount` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`status` text NOT NULL,
	`lines` text NOT NULL,
	`key_id` text,
	`created_at` integer NOT NULL,
	`timeout_at` integer NOT NULL,
	`decided_at` integer,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `credit_holds_open` ON `credit_holds` (`workspace_id`,`status`,`timeout_at`);--> statement-breakpoint
CREATE TABLE `credit_ledger` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`feature` text NOT NULL,
	`type` text NOT NULL,
	`amount` integer NOT NULL,
	`hold_id` text,
	`grant_id` text,
	`lines` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `credit_ledger_user` ON `credit_ledger` (`workspace_id`,`user_id`,`seq`);
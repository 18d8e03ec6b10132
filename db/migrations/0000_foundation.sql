-- Hand edit: user_daily, profiles and identities are WITHOUT ROWID (drizzle-kit cannot express it).
CREATE TABLE `workspaces` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`timezone` text DEFAULT 'Asia/Shanghai' NOT NULL,
	`non_activity_events` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_name_unique` ON `workspaces` (`name`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`scopes` text NOT NULL,
	`rate_limit` integer DEFAULT 1000 NOT NULL,
	`burst` integer DEFAULT 2000 NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_workspace` ON `api_keys` (`workspace_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`message_id` text NOT NULL,
	`user_id` text NOT NULL,
	`anonymous_id` text,
	`name` text NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`amount` real,
	`occurred_at` integer NOT NULL,
	`day` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_message` ON `events` (`workspace_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `events_name_time` ON `events` (`workspace_id`,`name`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_user_time` ON `events` (`workspace_id`,`user_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `user_daily` (
	`workspace_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`day` integer NOT NULL,
	`name` text NOT NULL,
	`count` integer NOT NULL,
	`amount` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`, `day`, `name`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `identities` (
	`workspace_id` integer NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `kind`, `value`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `identities_user` ON `identities` (`workspace_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `identity_conflicts` (
	`id` integer PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`owner_user_id` text NOT NULL,
	`claimant_user_id` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`count` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_conflicts_key` ON `identity_conflicts` (`workspace_id`,`kind`,`value`,`claimant_user_id`);--> statement-breakpoint
CREATE INDEX `identity_conflicts_owner` ON `identity_conflicts` (`workspace_id`,`owner_user_id`);--> statement-breakpoint
CREATE INDEX `identity_conflicts_claimant` ON `identity_conflicts` (`workspace_id`,`claimant_user_id`);--> statement-breakpoint
CREATE TABLE `profiles` (
	`workspace_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`anonymous` integer DEFAULT false NOT NULL,
	`traits` text DEFAULT '{}' NOT NULL,
	`first_seen_at` integer,
	`last_seen_at` integer,
	`first_active_day` integer,
	`last_active_day` integer,
	`event_count` integer DEFAULT 0 NOT NULL,
	`seed` integer NOT NULL,
	`result` text,
	`result_computed_at` integer,
	`predictive` text,
	`predictive_computed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `catalog_events` (
	`workspace_id` integer NOT NULL,
	`name` text NOT NULL,
	`count` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `catalog_properties` (
	`workspace_id` integer NOT NULL,
	`scope` text NOT NULL,
	`property` text NOT NULL,
	`type` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `scope`, `property`, `type`)
);
--> statement-breakpoint
CREATE TABLE `catalog_values` (
	`workspace_id` integer NOT NULL,
	`scope` text NOT NULL,
	`property` text NOT NULL,
	`value` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `scope`, `property`, `value`)
);

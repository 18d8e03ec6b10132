-- Hand edit: user_daily_props is WITHOUT ROWID (drizzle-kit cannot express it).
CREATE TABLE `user_daily_props` (
	`workspace_id` integer NOT NULL,
	`name` text NOT NULL,
	`prop` text NOT NULL,
	`value` text NOT NULL,
	`day` integer NOT NULL,
	`user_id` text NOT NULL,
	`count` integer NOT NULL,
	`amount` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`, `prop`, `day`, `value`, `user_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `user_daily_props_user` ON `user_daily_props` (`workspace_id`,`user_id`);
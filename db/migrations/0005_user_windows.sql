-- Hand edit: user_windows is WITHOUT ROWID (drizzle-kit cannot express it).
CREATE TABLE `user_windows` (
	`workspace_id` integer NOT NULL,
	`name` text NOT NULL,
	`prop` text NOT NULL,
	`value` text NOT NULL,
	`len` integer NOT NULL,
	`user_id` text NOT NULL,
	`count` integer NOT NULL,
	`amount` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`, `prop`, `value`, `len`, `user_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `user_windows_user` ON `user_windows` (`workspace_id`,`user_id`);
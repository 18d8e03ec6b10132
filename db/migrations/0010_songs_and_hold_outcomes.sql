CREATE TABLE `certificates` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`song_id` text NOT NULL,
	`user_id` text NOT NULL,
	`manifest` text NOT NULL,
	`jws` text NOT NULL,
	`similarity` real NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_song` ON `certificates` (`workspace_id`,`song_id`);--> statement-breakpoint
CREATE TABLE `platform_secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `song_reactions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`song_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`text` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `song_reactions_like` ON `song_reactions` (`workspace_id`,`song_id`,`user_id`) WHERE kind = 'like';--> statement-breakpoint
CREATE INDEX `song_reactions_song` ON `song_reactions` (`workspace_id`,`song_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `songs` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`title` text NOT NULL,
	`language` text NOT NULL,
	`style` text NOT NULL,
	`mood` text NOT NULL,
	`seed` integer NOT NULL,
	`duration_sec` integer NOT NULL,
	`instrumental` integer NOT NULL,
	`plan` text NOT NULL,
	`request` text NOT NULL,
	`lyrics` text NOT NULL,
	`lyrics_source` text NOT NULL,
	`music` text NOT NULL,
	`timings` text NOT NULL,
	`melody` text NOT NULL,
	`files` text NOT NULL,
	`parent_id` text,
	`hold_id` text,
	`key_id` text,
	`published_at` integer,
	`likes` integer DEFAULT 0 NOT NULL,
	`shares` integer DEFAULT 0 NOT NULL,
	`comments` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `songs_user` ON `songs` (`workspace_id`,`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `songs_created` ON `songs` (`workspace_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `credit_holds` ADD `key_charge` integer;--> statement-breakpoint
ALTER TABLE `credit_holds` ADD `key_period` text;--> statement-breakpoint
ALTER TABLE `credit_holds` ADD `outcome` text;
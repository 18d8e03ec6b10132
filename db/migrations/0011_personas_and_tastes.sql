CREATE TABLE `persona_chats` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`persona_id` text NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`summarized_through` integer DEFAULT 0 NOT NULL,
	`session_started_at` integer NOT NULL,
	`reminded_at` integer,
	`last_message_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `persona_chats_user` ON `persona_chats` (`workspace_id`,`user_id`,`persona_id`);--> statement-breakpoint
CREATE TABLE `persona_memories` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`persona_id` text NOT NULL,
	`slot` text,
	`text` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `persona_memories_user` ON `persona_memories` (`workspace_id`,`user_id`,`persona_id`);--> statement-breakpoint
CREATE TABLE `persona_messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`chat_id` text NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`meta` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `persona_messages_chat` ON `persona_messages` (`workspace_id`,`chat_id`,`seq`);--> statement-breakpoint
CREATE TABLE `personas` (
	`workspace_id` integer NOT NULL,
	`id` text NOT NULL,
	`card` text NOT NULL,
	`image_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `taste_state` (
	`workspace_id` integer PRIMARY KEY NOT NULL,
	`through_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_tastes` (
	`workspace_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`plays` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`, `kind`, `value`)
);

CREATE TABLE `agent_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`conversation_id` text NOT NULL,
	`tool_name` text NOT NULL,
	`args` text NOT NULL,
	`status` text NOT NULL,
	`decided_args` text,
	`message` text,
	`created_at` integer NOT NULL,
	`decided_at` integer
);
--> statement-breakpoint
CREATE INDEX `agent_approvals_conversation` ON `agent_approvals` (`conversation_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `agent_checkpoints` (
	`thread_id` text NOT NULL,
	`ns` text NOT NULL,
	`id` text NOT NULL,
	`parent_id` text,
	`type` text,
	`checkpoint` blob NOT NULL,
	`metadata` blob NOT NULL,
	PRIMARY KEY(`thread_id`, `ns`, `id`)
);
--> statement-breakpoint
CREATE TABLE `agent_conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`title` text NOT NULL,
	`model` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_conversations_workspace` ON `agent_conversations` (`workspace_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `agent_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` text NOT NULL,
	`workspace_id` integer NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`tool_calls` text DEFAULT '[]' NOT NULL,
	`cards` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_messages_conversation` ON `agent_messages` (`conversation_id`,`id`);--> statement-breakpoint
CREATE TABLE `agent_writes` (
	`thread_id` text NOT NULL,
	`ns` text NOT NULL,
	`checkpoint_id` text NOT NULL,
	`task_id` text NOT NULL,
	`idx` integer NOT NULL,
	`task_path` text DEFAULT '' NOT NULL,
	`channel` text NOT NULL,
	`type` text,
	`value` blob,
	PRIMARY KEY(`thread_id`, `ns`, `checkpoint_id`, `task_id`, `idx`)
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` integer NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`segment_id` text,
	`definition` text,
	`channels` text NOT NULL,
	`variants` text NOT NULL,
	`schedule` text NOT NULL,
	`budget` text,
	`goal` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `campaigns_workspace` ON `campaigns` (`workspace_id`,`created_at`);
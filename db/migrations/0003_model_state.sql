CREATE TABLE `model_state` (
	`workspace_id` integer NOT NULL,
	`name` text NOT NULL,
	`state` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`)
);

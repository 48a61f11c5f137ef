CREATE TABLE `metric_totals` (
	`metric` text NOT NULL,
	`label` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`metric`, `label`)
);

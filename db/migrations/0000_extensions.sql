-- Trigram search over patient names, and GiST over plain columns for exclusion constraints
-- (no double booking, scheduling). Both are "trusted" extensions on PostgreSQL 13+.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The chain trigger found the chain's head with ORDER BY seq DESC NULLS LAST, which the unique
-- btree on seq (ASC NULLS LAST) cannot serve: every audited write sorted the whole audit table
-- while holding the chain's lock, so writes slowed as the trail grew (bench:chat: 16 table scans
-- per message). seq is never null once written (this trigger sets it), so excluding nulls gives
-- the same row through a backward index scan. The digest and the chain are unchanged.
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	last_seq bigint;
	last_hash text;
BEGIN
	-- One writer at a time extends the chain; held until this transaction ends.
	PERFORM pg_advisory_xact_lock(7346512001);
	SELECT seq, hash INTO last_seq, last_hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
	NEW.seq := coalesce(last_seq, 0) + 1;
	NEW.prev_hash := last_hash;
	-- Microseconds are what timestamptz keeps; hash exactly what is stored.
	NEW.occurred_at := date_trunc('microseconds', coalesce(NEW.occurred_at, now()));
	NEW.hash := audit_event_digest(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.actor_user_id, NEW.actor_role, NEW.action,
		NEW.patient_id, NEW.resource_type, NEW.resource_id, NEW.outcome, NEW.source_address, NEW.reason, NEW.request_id);
	RETURN NEW;
END $$;

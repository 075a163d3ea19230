-- Tamper-evident, append-only audit trail (HIPAA §164.312(b) audit controls, (c)(1) integrity).
-- Each event gets a gap-free sequence number and SHA-256(prev_hash | its fields); the database
-- computes both, so no writer can skip them. `npm run audit:verify` recomputes the chain with
-- the same function.
CREATE OR REPLACE FUNCTION audit_event_digest(
	prev_hash text, seq bigint, occurred_at timestamptz, actor_user_id uuid, actor_role text, action text,
	patient_id uuid, resource_type text, resource_id text, outcome text, source_address inet, reason text, request_id text
) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT encode(sha256(convert_to(concat_ws(chr(31),
		coalesce(prev_hash, ''), seq::text,
		to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
		coalesce(actor_user_id::text, ''), coalesce(actor_role, ''), action, coalesce(patient_id::text, ''),
		coalesce(resource_type, ''), coalesce(resource_id, ''), outcome, coalesce(host(source_address), ''),
		coalesce(reason, ''), coalesce(request_id, '')
	), 'UTF8')), 'hex')
$$;
--> statement-breakpoint
-- Events written before this migration join the chain in id order.
DO $$
DECLARE
	r record;
	last_hash text := NULL;
	n bigint := 0;
BEGIN
	FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
		n := n + 1;
		UPDATE audit_events SET seq = n, prev_hash = last_hash,
			hash = audit_event_digest(last_hash, n, r.occurred_at, r.actor_user_id, r.actor_role, r.action, r.patient_id,
				r.resource_type, r.resource_id, r.outcome, r.source_address, r.reason, r.request_id)
		WHERE id = r.id
		RETURNING hash INTO last_hash;
	END LOOP;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	last_seq bigint;
	last_hash text;
BEGIN
	-- One writer at a time extends the chain; held until this transaction ends.
	PERFORM pg_advisory_xact_lock(7346512001);
	SELECT seq, hash INTO last_seq, last_hash FROM audit_events ORDER BY seq DESC NULLS LAST LIMIT 1;
	NEW.seq := coalesce(last_seq, 0) + 1;
	NEW.prev_hash := last_hash;
	-- Microseconds are what timestamptz keeps; hash exactly what is stored.
	NEW.occurred_at := date_trunc('microseconds', coalesce(NEW.occurred_at, now()));
	NEW.hash := audit_event_digest(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.actor_user_id, NEW.actor_role, NEW.action,
		NEW.patient_id, NEW.resource_type, NEW.resource_id, NEW.outcome, NEW.source_address, NEW.reason, NEW.request_id);
	RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit events are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;

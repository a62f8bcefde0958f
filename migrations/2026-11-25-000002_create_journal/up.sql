-- The tamper-evident journal (SPEC §5). One chain per alliance, and the platform
-- chain (alliance_id IS NULL) for writes outside any alliance.
CREATE TABLE journal_entries (
    id               uuid PRIMARY KEY,
    alliance_id      uuid,
    seq              bigint NOT NULL CONSTRAINT journal_entries_seq_positive CHECK (seq > 0),
    at               timestamptz NOT NULL,
    actor_user_id    uuid,
    actor_partner_id uuid,
    verb             text NOT NULL,
    subject_type     text NOT NULL,
    subject_id       uuid,
    summary          jsonb NOT NULL,
    prev_hash        text NOT NULL,
    hash             text NOT NULL
);
CREATE UNIQUE INDEX journal_entries_chain_seq_key
    ON journal_entries (alliance_id, seq) NULLS NOT DISTINCT;

-- Append-only: the application never updates nor deletes an entry.
CREATE FUNCTION journal_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER journal_entries_append_only
    BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_append_only();

-- The journal chain lock, spelled once. A write and its journal entry commit together;
-- the writers of one chain (an alliance, or the platform when `alliance` is NULL)
-- queue on this transaction-scoped advisory lock. The plan totals triggers take the
-- same lock (lock_alliance_totals), so that the two are never taken in opposite orders.
CREATE FUNCTION journal_chain_lock(alliance uuid) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(hashtextextended(
        CASE WHEN alliance IS NULL THEN 'journal:platform' ELSE 'journal:' || alliance::text END, 0))
$$;

CREATE OR REPLACE FUNCTION lock_alliance_totals(alliances uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    alliance uuid;
BEGIN
    FOR alliance IN SELECT DISTINCT a FROM unnest(alliances) AS a WHERE a IS NOT NULL ORDER BY a LOOP
        PERFORM journal_chain_lock(alliance);
    END LOOP;
END;
$$;

-- The head of a chain (its last sequence number and hash, both NULL for an empty
-- chain), read under the chain lock: persistence::journal::append asks for it in one
-- statement. The function is VOLATILE, so under READ COMMITTED its SELECT takes a
-- fresh snapshot after the lock is granted and sees the entry of the writer that held
-- the lock before (one statement doing both would read a snapshot taken before the
-- wait). `=` or `IS NULL`, never `IS NOT DISTINCT FROM`: only these walk the
-- (alliance_id, seq) index backwards.
CREATE TYPE journal_head AS (seq bigint, hash text);

CREATE FUNCTION journal_head_locked(alliance uuid) RETURNS journal_head
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head journal_head;
BEGIN
    PERFORM journal_chain_lock(alliance);
    IF alliance IS NULL THEN
        SELECT e.seq, e.hash INTO head FROM journal_entries e
        WHERE e.alliance_id IS NULL ORDER BY e.seq DESC LIMIT 1;
    ELSE
        SELECT e.seq, e.hash INTO head FROM journal_entries e
        WHERE e.alliance_id = alliance ORDER BY e.seq DESC LIMIT 1;
    END IF;
    RETURN head;
END;
$$;

DROP FUNCTION journal_head_locked(uuid);
DROP TYPE journal_head;

-- As migration 000009 left it.
CREATE OR REPLACE FUNCTION lock_alliance_totals(alliances uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    alliance uuid;
BEGIN
    FOR alliance IN SELECT DISTINCT a FROM unnest(alliances) AS a WHERE a IS NOT NULL ORDER BY a LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('journal:' || alliance::text, 0));
    END LOOP;
END;
$$;

DROP FUNCTION journal_chain_lock(uuid);

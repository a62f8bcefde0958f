CREATE OR REPLACE FUNCTION indicators_refresh_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lock_alliance_totals(ARRAY(SELECT DISTINCT alliance_id FROM changed));
    UPDATE indicators i
    SET measurement_count = t.n, verified_sum = t.verified, unverified_sum = t.unverified
    FROM (
        SELECT m.indicator_id,
               count(*) AS n,
               coalesce(sum(m.value) FILTER (WHERE m.review_status = 'confirmed'
                   AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL)), 0) AS verified,
               coalesce(sum(m.value) FILTER (WHERE NOT (coalesce(m.review_status = 'confirmed', false)
                   AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL))), 0) AS unverified
        FROM measurements m
        WHERE m.indicator_id IN (SELECT DISTINCT indicator_id FROM changed)
        GROUP BY m.indicator_id
    ) t
    WHERE i.id = t.indicator_id
      AND (i.measurement_count, i.verified_sum, i.unverified_sum)
          IS DISTINCT FROM (t.n, t.verified, t.unverified);
    RETURN NULL;
END;
$$;
ALTER TABLE indicators DROP COLUMN verified_count, DROP COLUMN confirmed_sum;

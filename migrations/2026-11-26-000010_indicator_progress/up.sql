-- The rest of an indicator's progress kept with its totals (migration 000008), so that
-- reading an indicator, an action's verification or a plan summary never reads
-- measurements: confirmed_sum (every confirmed measurement, with or without evidence)
-- and verified_count (confirmed measurements with evidence: the indicator is verified
-- when there is at least one).
ALTER TABLE indicators
    ADD COLUMN confirmed_sum double precision NOT NULL DEFAULT 0,
    ADD COLUMN verified_count bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION indicators_refresh_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lock_alliance_totals(ARRAY(SELECT DISTINCT alliance_id FROM changed));
    UPDATE indicators i
    SET measurement_count = t.n, verified_sum = t.verified, unverified_sum = t.unverified,
        confirmed_sum = t.confirmed, verified_count = t.verified_n
    FROM (
        SELECT m.indicator_id,
               count(*) AS n,
               coalesce(sum(m.value) FILTER (WHERE m.review_status = 'confirmed'
                   AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL)), 0) AS verified,
               coalesce(sum(m.value) FILTER (WHERE NOT (coalesce(m.review_status = 'confirmed', false)
                   AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL))), 0) AS unverified,
               coalesce(sum(m.value) FILTER (WHERE m.review_status = 'confirmed'), 0) AS confirmed,
               count(*) FILTER (WHERE m.review_status = 'confirmed'
                   AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL)) AS verified_n
        FROM measurements m
        WHERE m.indicator_id IN (SELECT DISTINCT indicator_id FROM changed)
        GROUP BY m.indicator_id
    ) t
    WHERE i.id = t.indicator_id
      AND (i.measurement_count, i.verified_sum, i.unverified_sum, i.confirmed_sum, i.verified_count)
          IS DISTINCT FROM (t.n, t.verified, t.unverified, t.confirmed, t.verified_n);
    RETURN NULL;
END;
$$;

-- Existing measurements.
UPDATE indicators i
SET confirmed_sum = t.confirmed, verified_count = t.verified_n
FROM (
    SELECT m.indicator_id,
           coalesce(sum(m.value) FILTER (WHERE m.review_status = 'confirmed'), 0) AS confirmed,
           count(*) FILTER (WHERE m.review_status = 'confirmed'
               AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL)) AS verified_n
    FROM measurements m GROUP BY m.indicator_id
) t
WHERE i.id = t.indicator_id;

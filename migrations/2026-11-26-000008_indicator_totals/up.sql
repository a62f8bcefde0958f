-- Each indicator's measurement totals, kept up to date by the database in the same
-- transaction as the measurement or review that changes them, so that network
-- statistics sum indicators instead of reading every measurement.
ALTER TABLE indicators
    ADD COLUMN measurement_count bigint NOT NULL DEFAULT 0,
    -- Measurements with evidence, confirmed by another partner.
    ADD COLUMN verified_sum double precision NOT NULL DEFAULT 0,
    ADD COLUMN unverified_sum double precision NOT NULL DEFAULT 0;

CREATE FUNCTION indicators_refresh_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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
    WHERE i.id = t.indicator_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER measurements_inserted AFTER INSERT ON measurements
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_refresh_totals();
CREATE TRIGGER measurements_updated AFTER UPDATE ON measurements
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_refresh_totals();

-- Existing measurements.
UPDATE indicators i
SET measurement_count = t.n, verified_sum = t.verified, unverified_sum = t.unverified
FROM (
    SELECT m.indicator_id, count(*) AS n,
           coalesce(sum(m.value) FILTER (WHERE m.review_status = 'confirmed'
               AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL)), 0) AS verified,
           coalesce(sum(m.value) FILTER (WHERE NOT (coalesce(m.review_status = 'confirmed', false)
               AND (m.evidence_url IS NOT NULL OR m.note IS NOT NULL))), 0) AS unverified
    FROM measurements m GROUP BY m.indicator_id
) t
WHERE i.id = t.indicator_id;

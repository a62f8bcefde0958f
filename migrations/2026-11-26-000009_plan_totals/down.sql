CREATE OR REPLACE FUNCTION indicators_refresh_totals() RETURNS trigger
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
DROP TRIGGER indicators_deleted_totals ON indicators;
DROP TRIGGER indicators_updated_totals ON indicators;
DROP TRIGGER indicators_inserted_totals ON indicators;
DROP FUNCTION indicators_refresh_plan_totals();
DROP TRIGGER actions_deleted_totals ON actions;
DROP TRIGGER actions_updated_totals ON actions;
DROP TRIGGER actions_inserted_totals ON actions;
DROP FUNCTION actions_refresh_plan_totals();
DROP FUNCTION plan_totals_refresh(uuid[]);
DROP FUNCTION lock_alliance_totals(uuid[]);
DROP TABLE plan_indicator_totals;
DROP TABLE plan_action_counts;

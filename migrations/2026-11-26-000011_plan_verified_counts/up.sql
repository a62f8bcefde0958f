-- Plan summaries (how many actions per status, how many of them verified) read the
-- per-plan rows kept by triggers (migration 000009) instead of computing verification
-- action by action on every plan read: plan_action_counts also counts verified actions.
ALTER TABLE plan_action_counts ADD COLUMN verified bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION plan_totals_refresh(plan_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(plan_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM lock_alliance_totals(ARRAY(SELECT alliance_id FROM plans WHERE id = ANY (plan_ids)));
    -- Each statement below reads a fresh snapshot (READ COMMITTED), taken after the lock.
    DELETE FROM plan_action_counts WHERE plan_id = ANY (plan_ids);
    -- Verified: the action has indicators and each has a confirmed measurement with
    -- evidence (agir_domain::plan::is_verified; plans::verified_action_sql).
    INSERT INTO plan_action_counts (plan_id, theme, status, count, verified)
    SELECT x.plan_id, x.theme, x.status, count(*),
           count(*) FILTER (WHERE coalesce((SELECT bool_and(i.verified_count > 0)
                                            FROM indicators i WHERE i.action_id = x.id), false))
    FROM actions x
    WHERE x.plan_id = ANY (plan_ids)
    GROUP BY 1, 2, 3;
    DELETE FROM plan_indicator_totals WHERE plan_id = ANY (plan_ids);
    INSERT INTO plan_indicator_totals (plan_id, catalogue, unit, verified, unverified, measurements)
    SELECT x.plan_id, i.catalogue, i.unit,
           sum(i.verified_sum), sum(i.unverified_sum), sum(i.measurement_count)
    FROM indicators i
    JOIN actions x ON x.id = i.action_id
    WHERE x.plan_id = ANY (plan_ids) AND i.catalogue IS NOT NULL AND i.measurement_count > 0
    GROUP BY 1, 2, 3;
END;
$$;

-- An indicator's verification (verified_count) now counts too.
CREATE OR REPLACE FUNCTION indicators_refresh_plan_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM plan_totals_refresh(ARRAY(
            SELECT DISTINCT x.plan_id FROM new_rows n JOIN actions x ON x.id = n.action_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM plan_totals_refresh(ARRAY(
            SELECT DISTINCT x.plan_id FROM old_rows o JOIN actions x ON x.id = o.action_id));
    ELSE
        PERFORM plan_totals_refresh(ARRAY(
            SELECT DISTINCT x.plan_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id,
                 LATERAL (VALUES (o.action_id), (n.action_id)) AS v (action_id)
                 JOIN actions x ON x.id = v.action_id
            WHERE (o.action_id, o.catalogue, o.unit, o.measurement_count, o.verified_sum,
                   o.unverified_sum, o.verified_count)
                  IS DISTINCT FROM
                  (n.action_id, n.catalogue, n.unit, n.measurement_count, n.verified_sum,
                   n.unverified_sum, n.verified_count)));
    END IF;
    RETURN NULL;
END;
$$;

-- Existing plans.
SELECT plan_totals_refresh(ARRAY(SELECT id FROM plans));

-- Back to migration 000011's totals: the indicators of every action of a plan.
CREATE OR REPLACE FUNCTION plan_totals_refresh(plan_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(plan_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM lock_alliance_totals(ARRAY(SELECT alliance_id FROM plans WHERE id = ANY (plan_ids)));
    -- Each statement below reads a fresh snapshot (READ COMMITTED), taken after the lock.
    DELETE FROM plan_action_counts WHERE plan_id = ANY (plan_ids);
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

SELECT plan_totals_refresh(ARRAY(SELECT id FROM plans));

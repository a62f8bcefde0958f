-- Back to the functions of migrations 000010 and 000014, which spell the rule out.
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
      AND x.status IN ('adopted', 'in_progress', 'completed')
    GROUP BY 1, 2, 3;
END;
$$;

DROP FUNCTION action_verified(uuid);
DROP FUNCTION measurement_verifies(text, text, text);

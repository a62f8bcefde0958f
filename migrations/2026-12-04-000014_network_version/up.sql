-- The network view shows one set of actions: adopted, running or completed actions of
-- adopted or closed plans (persistence::network, PUBLIC_PLAN and PUBLIC_STATUSES). The
-- per-plan indicator totals that `/network/stats` sums (migration 000009) counted the
-- indicators of every action of a plan, proposals and rejected or abandoned actions
-- included: now only those of actions in a shown status. The plan's phase is still
-- filtered by the reader. An action that changes status refreshes its plan's totals
-- (actions_refresh_plan_totals, migration 000009), so the totals follow it.
--
-- (The network's data version, the other half of this change, needs no schema: it sums
-- the chains' head sequences through the existing (alliance_id, seq) index.)
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

-- Existing plans.
SELECT plan_totals_refresh(ARRAY(SELECT id FROM plans));

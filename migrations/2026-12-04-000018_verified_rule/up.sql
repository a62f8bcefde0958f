-- The "verified" rule (SPEC §2) in SQL, defined once: its Rust form is
-- agir_domain::plan (MeasurementCheck::verifies, action_verified), and
-- tests/api/verification.rs checks that both forms agree on the same fixtures. The
-- triggers below and the searches (persistence::plans::verified_action_sql) call these
-- functions instead of repeating the rule; both are plain SQL expressions that the
-- planner inlines, so no plan changes.

-- A measurement verifies its indicator when it carries evidence (a link or a note) and
-- its latest review confirms it.
CREATE FUNCTION measurement_verifies(review_status text, evidence_url text, note text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce($1 = 'confirmed', false) AND ($2 IS NOT NULL OR $3 IS NOT NULL)
$$;

-- An action is verified when it has indicators and each has at least one measurement
-- that verifies it (indicators.verified_count, kept by indicators_refresh_totals).
CREATE FUNCTION action_verified(action_id uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT bool_and(i.verified_count > 0)
                     FROM indicators i WHERE i.action_id = $1), false)
$$;

-- Migration 000010's function, the rule now named.
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
               coalesce(sum(m.value) FILTER (
                   WHERE measurement_verifies(m.review_status, m.evidence_url, m.note)), 0) AS verified,
               coalesce(sum(m.value) FILTER (
                   WHERE NOT measurement_verifies(m.review_status, m.evidence_url, m.note)), 0) AS unverified,
               coalesce(sum(m.value) FILTER (WHERE m.review_status = 'confirmed'), 0) AS confirmed,
               count(*) FILTER (
                   WHERE measurement_verifies(m.review_status, m.evidence_url, m.note)) AS verified_n
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

-- Migration 000014's function, the rule now named.
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
    SELECT x.plan_id, x.theme, x.status, count(*), count(*) FILTER (WHERE action_verified(x.id))
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

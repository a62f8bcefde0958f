-- Per-plan summaries for the network statistics (SPEC §6): action counts by theme and
-- status, and catalogue indicator totals, kept up to date by the database in the same
-- transaction as the write that changes them. `/network/stats` then sums a few rows
-- per plan instead of every action and indicator of the country.

CREATE TABLE plan_action_counts (
    plan_id uuid NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    theme   text NOT NULL,
    status  text NOT NULL,
    count   bigint NOT NULL,
    PRIMARY KEY (plan_id, theme, status)
);

CREATE TABLE plan_indicator_totals (
    plan_id      uuid NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    catalogue    text NOT NULL,
    unit         text NOT NULL,
    verified     double precision NOT NULL,
    unverified   double precision NOT NULL,
    measurements bigint NOT NULL,
    PRIMARY KEY (plan_id, catalogue, unit)
);

-- Totals are recomputed, never adjusted by deltas, so two transactions computing the
-- same plan's totals must not overlap: each would read a snapshot without the other's
-- change and the last to write would lose it. They queue on the alliance's journal
-- chain lock (persistence::journal::append takes the same key), which every write of
-- the alliance takes anyway: the two locks are one, so they are never taken in
-- opposite orders. Alliances are locked in id order.
CREATE FUNCTION lock_alliance_totals(alliances uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    alliance uuid;
BEGIN
    FOR alliance IN SELECT DISTINCT a FROM unnest(alliances) AS a WHERE a IS NOT NULL ORDER BY a LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('journal:' || alliance::text, 0));
    END LOOP;
END;
$$;

CREATE FUNCTION plan_totals_refresh(plan_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(plan_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM lock_alliance_totals(ARRAY(SELECT alliance_id FROM plans WHERE id = ANY (plan_ids)));
    -- Each statement below reads a fresh snapshot (READ COMMITTED), taken after the lock.
    DELETE FROM plan_action_counts WHERE plan_id = ANY (plan_ids);
    INSERT INTO plan_action_counts (plan_id, theme, status, count)
    SELECT x.plan_id, x.theme, x.status, count(*)
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

-- Actions: a new or removed action, or a change of theme, status or plan.
CREATE FUNCTION actions_refresh_plan_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM plan_totals_refresh(ARRAY(SELECT DISTINCT plan_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM plan_totals_refresh(ARRAY(SELECT DISTINCT plan_id FROM old_rows));
    ELSE
        PERFORM plan_totals_refresh(ARRAY(
            SELECT DISTINCT p
            FROM old_rows o JOIN new_rows n ON n.id = o.id,
                 LATERAL (VALUES (o.plan_id), (n.plan_id)) AS v (p)
            WHERE (o.plan_id, o.theme, o.status) IS DISTINCT FROM (n.plan_id, n.theme, n.status)));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER actions_inserted_totals AFTER INSERT ON actions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION actions_refresh_plan_totals();
CREATE TRIGGER actions_updated_totals AFTER UPDATE ON actions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION actions_refresh_plan_totals();
CREATE TRIGGER actions_deleted_totals AFTER DELETE ON actions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION actions_refresh_plan_totals();

-- Indicators: a new or removed indicator, or a change of its totals (kept by the
-- measurements trigger below), catalogue, unit or action.
CREATE FUNCTION indicators_refresh_plan_totals() RETURNS trigger
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
            WHERE (o.action_id, o.catalogue, o.unit, o.measurement_count, o.verified_sum, o.unverified_sum)
                  IS DISTINCT FROM
                  (n.action_id, n.catalogue, n.unit, n.measurement_count, n.verified_sum, n.unverified_sum)));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER indicators_inserted_totals AFTER INSERT ON indicators
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_refresh_plan_totals();
CREATE TRIGGER indicators_updated_totals AFTER UPDATE ON indicators
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_refresh_plan_totals();
CREATE TRIGGER indicators_deleted_totals AFTER DELETE ON indicators
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION indicators_refresh_plan_totals();

-- The per-indicator totals of migration 000008 had the same race: two measurements of
-- one indicator recorded at once could each compute a sum without the other. Now the
-- recomputation queues on the alliance's lock first.
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

-- Existing plans.
SELECT plan_totals_refresh(ARRAY(SELECT id FROM plans));

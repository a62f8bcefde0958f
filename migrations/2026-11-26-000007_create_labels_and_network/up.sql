-- "Agir Ensemble" labels and what the AVUF network view needs (SPEC §2, §6).

CREATE TABLE labels (
    id             uuid PRIMARY KEY,
    alliance_id    uuid NOT NULL REFERENCES alliances (id),
    academic_year  text NOT NULL CONSTRAINT labels_academic_year_format CHECK (academic_year ~ '^[0-9]{4}-[0-9]{4}$'),
    -- applied -> granted | refused; granted -> withdrawn. "expired" is computed for past years.
    status         text NOT NULL DEFAULT 'applied' CONSTRAINT labels_status_check
                   CHECK (status IN ('applied', 'granted', 'refused', 'withdrawn')),
    -- How the alliance was composed when it applied: partner kinds present and missing.
    kinds_present  text[] NOT NULL DEFAULT '{}',
    kinds_missing  text[] NOT NULL DEFAULT '{}',
    application_note text NOT NULL DEFAULT '',
    decision_note  text,
    applied_by     uuid REFERENCES users (id),
    decided_by     uuid REFERENCES users (id),
    applied_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT labels_alliance_year_key UNIQUE (alliance_id, academic_year)
);
CREATE INDEX labels_year_idx ON labels (academic_year, status);

-- Network filters and aggregations.
CREATE INDEX cities_region_idx ON cities (region);
CREATE INDEX alliances_city_idx ON alliances (city_id);
CREATE INDEX plans_year_phase_idx ON plans (academic_year, phase);
CREATE INDEX actions_status_theme_idx ON actions (status, theme);
CREATE INDEX actions_lead_partner_idx ON actions (lead_partner_id);
-- Full-text search of actions across cities, in French.
CREATE INDEX actions_search_idx ON actions
    USING gin (to_tsvector('french', title || ' ' || description));
-- Every write leaves a journal entry: its latest time is the network data's version (ETags).
CREATE INDEX journal_entries_at_idx ON journal_entries (at);

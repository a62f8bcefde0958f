-- Action plans, actions, comments, endorsements, indicators, measurements and events (SPEC §2).

CREATE TABLE plans (
    id            uuid PRIMARY KEY,
    alliance_id   uuid NOT NULL REFERENCES alliances (id),
    academic_year text NOT NULL CONSTRAINT plans_academic_year_format CHECK (academic_year ~ '^[0-9]{4}-[0-9]{4}$'),
    title         text NOT NULL,
    description   text NOT NULL DEFAULT '',
    phase         text NOT NULL DEFAULT 'draft' CONSTRAINT plans_phase_check
                  CHECK (phase IN ('draft', 'consultation', 'voting', 'adopted', 'closed')),
    carried_over_from uuid REFERENCES plans (id),
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plans_alliance_year_key UNIQUE (alliance_id, academic_year),
    CONSTRAINT plans_alliance_id_id_key UNIQUE (alliance_id, id)
);
CREATE INDEX plans_page_idx ON plans (alliance_id, created_at, id);

CREATE TABLE actions (
    id                 uuid PRIMARY KEY,
    alliance_id        uuid NOT NULL,
    plan_id            uuid NOT NULL,
    title              text NOT NULL,
    description        text NOT NULL DEFAULT '',
    theme              text NOT NULL CONSTRAINT actions_theme_check CHECK (theme IN (
                           'food', 'waste', 'solidarity', 'biodiversity', 'mobility', 'energy_climate',
                           'awareness', 'social_economy', 'health', 'culture', 'other')),
    sdgs               smallint[] NOT NULL DEFAULT '{}'
                       CONSTRAINT actions_sdgs_check CHECK (sdgs <@ ARRAY[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]::smallint[]),
    -- Attribution: set from the caller when proposed, never changed.
    proposed_by        uuid NOT NULL REFERENCES users (id),
    proposing_partner_id uuid NOT NULL,
    lead_partner_id    uuid NOT NULL,
    planned_start      date,
    planned_end        date,
    status             text NOT NULL DEFAULT 'proposed' CONSTRAINT actions_status_check CHECK (status IN (
                           'proposed', 'adopted', 'rejected', 'in_progress', 'completed', 'abandoned')),
    curriculum_partner_id uuid,
    curriculum_course  text,
    curriculum_academic_year text,
    curriculum_students integer CONSTRAINT actions_curriculum_students_check CHECK (curriculum_students >= 0),
    carried_over_from  uuid REFERENCES actions (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT actions_plan_fkey FOREIGN KEY (alliance_id, plan_id) REFERENCES plans (alliance_id, id),
    CONSTRAINT actions_proposing_partner_fkey FOREIGN KEY (alliance_id, proposing_partner_id)
        REFERENCES partners (alliance_id, id),
    CONSTRAINT actions_lead_partner_fkey FOREIGN KEY (alliance_id, lead_partner_id)
        REFERENCES partners (alliance_id, id),
    CONSTRAINT actions_curriculum_partner_fkey FOREIGN KEY (alliance_id, curriculum_partner_id)
        REFERENCES partners (alliance_id, id),
    CONSTRAINT actions_dates_check CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start),
    CONSTRAINT actions_alliance_id_id_key UNIQUE (alliance_id, id)
);
CREATE INDEX actions_page_idx ON actions (plan_id, created_at, id);
CREATE INDEX actions_alliance_idx ON actions (alliance_id);

CREATE TABLE action_partners (
    action_id   uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    alliance_id uuid NOT NULL,
    partner_id  uuid NOT NULL,
    PRIMARY KEY (action_id, partner_id),
    CONSTRAINT action_partners_partner_fkey FOREIGN KEY (alliance_id, partner_id)
        REFERENCES partners (alliance_id, id)
);

CREATE TABLE comments (
    id          uuid PRIMARY KEY,
    alliance_id uuid NOT NULL,
    action_id   uuid NOT NULL,
    author_id   uuid NOT NULL REFERENCES users (id),
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT comments_action_fkey FOREIGN KEY (alliance_id, action_id) REFERENCES actions (alliance_id, id)
);
CREATE INDEX comments_page_idx ON comments (action_id, created_at, id);

CREATE TABLE endorsements (
    action_id   uuid NOT NULL,
    alliance_id uuid NOT NULL,
    partner_id  uuid NOT NULL,
    endorsed_by uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action_id, partner_id),
    CONSTRAINT endorsements_action_fkey FOREIGN KEY (alliance_id, action_id) REFERENCES actions (alliance_id, id),
    CONSTRAINT endorsements_partner_fkey FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id)
);

CREATE TABLE indicators (
    id          uuid PRIMARY KEY,
    alliance_id uuid NOT NULL,
    action_id   uuid NOT NULL,
    -- A catalogue key (aggregable across cities) or NULL for a custom indicator.
    catalogue   text CONSTRAINT indicators_catalogue_check CHECK (catalogue IN (
                    'food_collected_kg', 'food_redistributed_kg', 'compost_kg', 'waste_avoided_kg',
                    'participants', 'students_involved', 'events_held', 'volunteer_hours', 'beneficiaries')),
    name        text NOT NULL,
    unit        text NOT NULL,
    target      double precision CONSTRAINT indicators_target_check CHECK (target >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT indicators_action_fkey FOREIGN KEY (alliance_id, action_id) REFERENCES actions (alliance_id, id),
    CONSTRAINT indicators_alliance_id_id_key UNIQUE (alliance_id, id)
);
CREATE INDEX indicators_action_idx ON indicators (action_id, created_at, id);
CREATE INDEX indicators_catalogue_idx ON indicators (catalogue) WHERE catalogue IS NOT NULL;

CREATE TABLE measurements (
    id            uuid PRIMARY KEY,
    alliance_id   uuid NOT NULL,
    indicator_id  uuid NOT NULL,
    value         double precision NOT NULL CONSTRAINT measurements_value_check CHECK (value >= 0),
    measured_on   date NOT NULL,
    evidence_url  text,
    note          text,
    recorded_by   uuid NOT NULL REFERENCES users (id),
    partner_id    uuid NOT NULL,
    -- The latest review: 'confirmed' or 'disputed' (NULL: not reviewed).
    review_status text CONSTRAINT measurements_review_check CHECK (review_status IN ('confirmed', 'disputed')),
    reviewed_by   uuid REFERENCES users (id),
    reviewer_partner_id uuid,
    review_reason text,
    reviewed_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT measurements_indicator_fkey FOREIGN KEY (alliance_id, indicator_id) REFERENCES indicators (alliance_id, id),
    CONSTRAINT measurements_partner_fkey FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    CONSTRAINT measurements_reviewer_partner_fkey FOREIGN KEY (alliance_id, reviewer_partner_id) REFERENCES partners (alliance_id, id),
    CONSTRAINT measurements_not_self_reviewed CHECK (reviewer_partner_id IS NULL OR reviewer_partner_id <> partner_id)
);
CREATE INDEX measurements_indicator_idx ON measurements (indicator_id, created_at, id);

CREATE TABLE events (
    id          uuid PRIMARY KEY,
    alliance_id uuid NOT NULL REFERENCES alliances (id),
    title       text NOT NULL,
    kind        text NOT NULL CONSTRAINT events_kind_check CHECK (kind IN (
                    'meeting', 'handover', 'celebration', 'public_action', 'forum', 'training', 'other')),
    description text NOT NULL DEFAULT '',
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    place       text,
    attendance  integer CONSTRAINT events_attendance_check CHECK (attendance >= 0),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_dates_check CHECK (ends_at IS NULL OR ends_at >= starts_at),
    CONSTRAINT events_alliance_id_id_key UNIQUE (alliance_id, id)
);
CREATE INDEX events_page_idx ON events (alliance_id, starts_at, id);

CREATE TABLE event_partners (
    event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    alliance_id uuid NOT NULL,
    partner_id  uuid NOT NULL,
    PRIMARY KEY (event_id, partner_id),
    CONSTRAINT event_partners_partner_fkey FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id)
);

CREATE TABLE event_actions (
    event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    alliance_id uuid NOT NULL,
    action_id   uuid NOT NULL,
    PRIMARY KEY (event_id, action_id),
    CONSTRAINT event_actions_action_fkey FOREIGN KEY (alliance_id, action_id) REFERENCES actions (alliance_id, id)
);

-- Cities, alliances, partners, people's mandates, invitations and charters (SPEC §2, §3).

CREATE TABLE cities (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    insee_code  text NOT NULL CONSTRAINT cities_insee_code_key UNIQUE,
    department  text NOT NULL,
    region      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cities_page_idx ON cities (created_at, id);

CREATE TABLE alliances (
    id          uuid PRIMARY KEY,
    city_id     uuid NOT NULL REFERENCES cities (id),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'active'
                CONSTRAINT alliances_status_check CHECK (status IN ('active', 'archived')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alliances_city_name_key UNIQUE (city_id, name)
);
CREATE INDEX alliances_page_idx ON alliances (created_at, id);

CREATE TABLE partners (
    id          uuid PRIMARY KEY,
    alliance_id uuid NOT NULL REFERENCES alliances (id),
    name        text NOT NULL,
    kind        text NOT NULL CONSTRAINT partners_kind_check CHECK (kind IN (
                    'local_authority', 'university', 'school', 'student_services',
                    'student_association', 'campus_office', 'business', 'social_economy',
                    'association', 'public_body', 'other')),
    description text NOT NULL DEFAULT '',
    website     text,
    status      text NOT NULL DEFAULT 'active'
                CONSTRAINT partners_status_check CHECK (status IN ('active', 'withdrawn')),
    joined_on   date NOT NULL,
    left_on     date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partners_alliance_name_key UNIQUE (alliance_id, name),
    -- Lets other tables check that a partner belongs to their alliance.
    CONSTRAINT partners_alliance_id_id_key UNIQUE (alliance_id, id)
);
CREATE INDEX partners_page_idx ON partners (alliance_id, created_at, id);

CREATE TABLE mandates (
    id             uuid PRIMARY KEY,
    alliance_id    uuid NOT NULL REFERENCES alliances (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    partner_id     uuid NOT NULL,
    role           text NOT NULL CONSTRAINT mandates_role_check
                   CHECK (role IN ('coordinator', 'representative', 'member', 'observer')),
    starts_on      date NOT NULL,
    ends_on        date,
    successor_of   uuid REFERENCES mandates (id) ON DELETE SET NULL,
    handover_notes text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mandates_partner_fkey FOREIGN KEY (alliance_id, partner_id)
        REFERENCES partners (alliance_id, id),
    CONSTRAINT mandates_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX mandates_page_idx ON mandates (alliance_id, created_at, id);
CREATE INDEX mandates_user_idx ON mandates (user_id, alliance_id);
CREATE INDEX mandates_successor_of_idx ON mandates (successor_of);

CREATE TABLE invitations (
    id             uuid PRIMARY KEY,
    alliance_id    uuid NOT NULL REFERENCES alliances (id),
    email          text NOT NULL CONSTRAINT invitations_email_lower_case CHECK (email = lower(email)),
    partner_id     uuid NOT NULL,
    role           text NOT NULL CONSTRAINT invitations_role_check
                   CHECK (role IN ('coordinator', 'representative', 'member', 'observer')),
    starts_on      date NOT NULL,
    ends_on        date,
    successor_of   uuid REFERENCES mandates (id) ON DELETE CASCADE,
    handover_notes text,
    -- SHA-256 of the single-use token; the token itself is shown once, at creation.
    token_hash     text NOT NULL CONSTRAINT invitations_token_hash_key UNIQUE,
    expires_at     timestamptz NOT NULL,
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    accepted_at    timestamptz,
    accepted_by    uuid REFERENCES users (id),
    mandate_id     uuid REFERENCES mandates (id) ON DELETE SET NULL,
    revoked_at     timestamptz,
    CONSTRAINT invitations_partner_fkey FOREIGN KEY (alliance_id, partner_id)
        REFERENCES partners (alliance_id, id),
    CONSTRAINT invitations_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX invitations_page_idx ON invitations (alliance_id, created_at, id);
CREATE INDEX invitations_successor_of_idx ON invitations (successor_of);

CREATE TABLE charters (
    id          uuid PRIMARY KEY,
    alliance_id uuid NOT NULL REFERENCES alliances (id),
    version     integer NOT NULL CONSTRAINT charters_version_positive CHECK (version > 0),
    text        text NOT NULL,
    status      text NOT NULL CONSTRAINT charters_status_check
                CHECK (status IN ('proposed', 'current', 'superseded')),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    adopted_at  timestamptz,
    CONSTRAINT charters_alliance_version_key UNIQUE (alliance_id, version)
);
-- At most one current version per alliance.
CREATE UNIQUE INDEX charters_one_current_idx ON charters (alliance_id) WHERE status = 'current';

CREATE TABLE charter_signatures (
    charter_id  uuid NOT NULL REFERENCES charters (id),
    alliance_id uuid NOT NULL,
    partner_id  uuid NOT NULL,
    signed_by   uuid NOT NULL REFERENCES users (id),
    signed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (charter_id, partner_id),
    CONSTRAINT charter_signatures_partner_fkey FOREIGN KEY (alliance_id, partner_id)
        REFERENCES partners (alliance_id, id)
);

ALTER TABLE journal_entries
    ADD CONSTRAINT journal_entries_alliance_fkey FOREIGN KEY (alliance_id) REFERENCES alliances (id);

-- Votes (SPEC §4): settings fixed at opening, the electorate frozen at opening,
-- one counted ballot per voter, the result stored when the vote closes.

CREATE TABLE votes (
    id             uuid PRIMARY KEY,
    alliance_id    uuid NOT NULL REFERENCES alliances (id),
    title          text NOT NULL,
    description    text NOT NULL DEFAULT '',
    subject        text NOT NULL CONSTRAINT votes_subject_check
                   CHECK (subject IN ('plan_adoption', 'action_adoption', 'charter_adoption', 'question')),
    -- The plan, action or charter version decided on (NULL for a question).
    subject_id     uuid,
    method         text NOT NULL CONSTRAINT votes_method_check
                   CHECK (method IN ('consent', 'single_choice', 'approval', 'majority_judgment')),
    options        jsonb NOT NULL DEFAULT '[]',
    electorate     text NOT NULL CONSTRAINT votes_electorate_check CHECK (electorate IN ('partners', 'members')),
    quorum_percent smallint NOT NULL CONSTRAINT votes_quorum_check CHECK (quorum_percent BETWEEN 0 AND 100),
    threshold      text CONSTRAINT votes_threshold_check CHECK (threshold IN ('simple', 'two_thirds', 'unanimity')),
    by_college     boolean NOT NULL DEFAULT false,
    secret         boolean NOT NULL DEFAULT false,
    results        text NOT NULL DEFAULT 'live' CONSTRAINT votes_results_check CHECK (results IN ('live', 'after_close')),
    opens_at       timestamptz NOT NULL,
    closes_at      timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'scheduled' CONSTRAINT votes_status_check
                   CHECK (status IN ('scheduled', 'open', 'closed')),
    opened_at      timestamptz,
    closed_at      timestamptz,
    -- Who closed it: NULL when the server closed it at closes_at.
    closed_by      uuid REFERENCES users (id),
    result         jsonb,
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT votes_window_check CHECK (closes_at > opens_at)
);
CREATE INDEX votes_page_idx ON votes (alliance_id, created_at, id);
CREATE INDEX votes_due_idx ON votes (closes_at) WHERE status <> 'closed';
-- One undecided vote per subject at a time.
CREATE UNIQUE INDEX votes_one_open_per_subject_idx ON votes (subject, subject_id)
    WHERE status <> 'closed' AND subject_id IS NOT NULL;

-- Who may vote, frozen when the vote opens: partners (with their college) or people.
CREATE TABLE vote_electorate (
    vote_id  uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter_id uuid NOT NULL,
    college  text,
    PRIMARY KEY (vote_id, voter_id)
);

-- One counted ballot per voter (a partner or a person); a later ballot replaces it.
CREATE TABLE ballots (
    vote_id  uuid NOT NULL,
    voter_id uuid NOT NULL,
    cast_by  uuid NOT NULL REFERENCES users (id),
    choice   jsonb NOT NULL,
    cast_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vote_id, voter_id),
    CONSTRAINT ballots_voter_fkey FOREIGN KEY (vote_id, voter_id) REFERENCES vote_electorate (vote_id, voter_id)
);

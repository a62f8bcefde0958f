-- Secret ballots (SPEC §4): once a secret vote closes, its stored ballots keep who took
-- part and the choices, never which voter chose what. The closing transaction moves them
-- into two unlinked tables and deletes the ballots.

-- Who took part in a closed secret vote (a partner or a person), without a choice.
CREATE TABLE vote_participants (
    vote_id  uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter_id uuid NOT NULL,
    PRIMARY KEY (vote_id, voter_id)
);

-- The choices of a closed secret vote, without a voter: written in a shuffled order,
-- with a random (v4, not time-ordered) id and no timestamp, so neither the rows' order
-- nor their ids follow the order in which ballots were cast.
CREATE TABLE vote_secret_choices (
    id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    vote_id uuid NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    choice  jsonb NOT NULL
);
CREATE INDEX vote_secret_choices_vote_idx ON vote_secret_choices (vote_id);

-- Secret votes closed before this migration: the same separation, once.
INSERT INTO vote_participants (vote_id, voter_id)
SELECT b.vote_id, b.voter_id
FROM ballots b JOIN votes v ON v.id = b.vote_id
WHERE v.secret AND v.status = 'closed'
ORDER BY b.vote_id, b.voter_id;
INSERT INTO vote_secret_choices (vote_id, choice)
SELECT b.vote_id, b.choice
FROM ballots b JOIN votes v ON v.id = b.vote_id
WHERE v.secret AND v.status = 'closed'
ORDER BY random();
DELETE FROM ballots b USING votes v
WHERE v.id = b.vote_id AND v.secret AND v.status = 'closed';

-- Idempotency answers remember the request's path (UUID segments in canonical form), so
-- that the answers to a secret vote's ballots can be forgotten when it closes: a stored
-- request hash over a ballot body with three possible choices is easily reversed.
ALTER TABLE idempotency_keys ADD COLUMN path text;
CREATE INDEX idempotency_keys_path_idx ON idempotency_keys (path);

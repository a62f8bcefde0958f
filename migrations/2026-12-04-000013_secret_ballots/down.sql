DROP INDEX idempotency_keys_path_idx;
ALTER TABLE idempotency_keys DROP COLUMN path;
-- The pairs of closed secret votes are gone for good: nothing to put back in `ballots`.
DROP TABLE vote_secret_choices;
DROP TABLE vote_participants;

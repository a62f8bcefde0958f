ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_alliance_fkey;
DROP TABLE charter_signatures;
DROP TABLE charters;
DROP TABLE invitations;
DROP TABLE mandates;
DROP TABLE partners;
DROP TABLE alliances;
DROP TABLE cities;

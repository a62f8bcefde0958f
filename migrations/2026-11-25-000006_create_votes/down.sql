DROP TABLE ballots;
DROP TABLE vote_electorate;
DROP TABLE votes;

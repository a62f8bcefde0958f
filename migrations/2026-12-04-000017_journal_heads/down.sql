DROP TRIGGER journal_heads_follow ON journal_entries;
DROP FUNCTION journal_heads_follow();
DROP TABLE journal_heads;

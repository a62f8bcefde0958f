DROP TRIGGER measurements_updated ON measurements;
DROP TRIGGER measurements_inserted ON measurements;
DROP FUNCTION indicators_refresh_totals();
ALTER TABLE indicators DROP COLUMN unverified_sum, DROP COLUMN verified_sum, DROP COLUMN measurement_count;

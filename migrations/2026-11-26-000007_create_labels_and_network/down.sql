DROP INDEX journal_entries_at_idx;
DROP INDEX actions_search_idx;
DROP INDEX actions_lead_partner_idx;
DROP INDEX actions_status_theme_idx;
DROP INDEX plans_year_phase_idx;
DROP INDEX alliances_city_idx;
DROP INDEX cities_region_idx;
DROP TABLE labels;

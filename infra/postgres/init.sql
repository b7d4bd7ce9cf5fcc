-- Runs once when the Postgres volume is created. Each service creates its own schema and tables through its
-- migrations at start; this only makes sure the database and the extensions they may use exist.
SELECT 'trading-system database ready';

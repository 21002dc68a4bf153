-- The demo's sales warehouse: a SQLite file that demo/pulls.py builds in var/ and the pull source
-- "Warehouse: pipeline created" reads with a SQL query. It holds what a CRM sync would land there:
--   reps            the CRM's sellers (e-mail, team code), filled by demo/pulls.py from the demo's sellers
--                   before this script runs, so that the e-mails match;
--   opportunities   each opportunity a North America seller created on a working day of the last four
--                   weeks, with its amount; the figures are made from the day and the seller, so a
--                   rebuild gives the same rows for the same day.
-- The pull's query sums them per seller per day into the importer's columns kpi, unit, seller, date, value.

CREATE TABLE IF NOT EXISTS reps (
    email TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    n INTEGER NOT NULL  -- the seller's place in the list, to vary the figures
);

DROP TABLE IF EXISTS opportunities;
CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    created_on TEXT NOT NULL,  -- YYYY-MM-DD
    owner_email TEXT NOT NULL REFERENCES reps (email),
    team TEXT NOT NULL,
    amount NUMERIC NOT NULL
);

WITH RECURSIVE days (d) AS (
    SELECT date('now', '-28 days')
    UNION ALL
    SELECT date(d, '+1 day') FROM days WHERE d < date('now', '-1 day')
)
INSERT INTO opportunities (created_on, owner_email, team, amount)
SELECT d, email, team, 2500 + 500 * ((n * 7 + CAST(julianday(d) AS INTEGER) * 3) % 17)
FROM days, reps
WHERE strftime('%w', d) NOT IN ('0', '6')  -- working days
  AND (n + CAST(julianday(d) AS INTEGER)) % 3 <> 0;  -- not every seller creates one every day

CREATE INDEX IF NOT EXISTS opportunities_created_on ON opportunities (created_on);

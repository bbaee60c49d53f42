-- kb_query tags (CONTRACT-LIVE-API §5, issue 13). Rows stored before this migration
-- read as an empty array. No view reads `events` with `*` (the views list their
-- columns; 050's one-off backfill ran before this column existed), so adding a column
-- changes no view. IF NOT EXISTS: a store where the statement ran but the migration
-- was not yet recorded (crash in between) applies it again harmlessly.
ALTER TABLE events ADD COLUMN IF NOT EXISTS tags Array(String);

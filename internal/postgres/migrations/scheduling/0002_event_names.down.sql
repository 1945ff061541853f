DROP TABLE IF EXISTS event_names;

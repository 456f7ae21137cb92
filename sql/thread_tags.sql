-- Topics from tags, the fallback until the topic model has written its assignments: one
-- row per thread and tag found on any of the thread's posts up to the as-of time, so a
-- reply (which seldom carries tags) counts for its thread's tags.
-- Used by: sentiment shift job (jobs::topic_source). Parameters: {{end_us}} (exclusive,
-- UTC microseconds).
SELECT DISTINCT thread_id, 'tag:' || tag AS topic_id
FROM (
  SELECT thread_id, unnest(tags) AS tag
  FROM posts
  WHERE created_at < to_timestamp_micros({{end_us}})
)
WHERE tag IS NOT NULL AND tag <> ''

-- Posts per topic per UTC hour in the window (a reply counts for its thread's topic), plus
-- every post of the hour, assigned to a topic or not, under topic_id '*'.
-- Used by: rising job (trend and baseline). Parameters: {{from_us}} (inclusive) and
-- {{to_us}} (exclusive), microseconds since the epoch, UTC. Needs table
-- topic_threads(thread_id, topic_id).
-- date_bin, not date_trunc: for a UTC timestamp both give the start of the hour, and
-- date_bin is plain arithmetic (about 10 ms per million posts here, date_trunc about 200 ms).
WITH w AS (
  SELECT p.thread_id, date_bin(INTERVAL '1 hour', p.created_at) AS hour
  FROM posts p
  WHERE p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
    AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND p.created_at >= to_timestamp_micros({{from_us}})
    AND p.created_at < to_timestamp_micros({{to_us}})
)
-- One pass over the posts: the grouping sets give per-topic and overall counts together
-- (a UNION ALL of two aggregates read the posts twice).
SELECT
  CASE WHEN GROUPING(t.topic_id) = 1 THEN '*' ELSE t.topic_id END AS topic_id,
  w.hour,
  COUNT(*) AS posts
FROM w
LEFT JOIN topic_threads t ON t.thread_id = w.thread_id
GROUP BY GROUPING SETS ((t.topic_id, w.hour), (w.hour))
HAVING GROUPING(t.topic_id) = 1 OR t.topic_id IS NOT NULL
ORDER BY topic_id, hour

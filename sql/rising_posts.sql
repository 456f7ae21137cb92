-- The posts the topic model reads: every post created in the window, oldest first.
-- Used by: rising job. Parameters: {{from_us}} (inclusive) and {{to_us}} (exclusive),
-- microseconds since the epoch, UTC. The `date` bounds only prune partitions; created_at
-- decides.
SELECT
  p.post_id,
  p.thread_id,
  p.parent_id,
  p.kind,
  p.author_id,
  p.team,
  p.site,
  p.role,
  p.created_at,
  p.title,
  p.body,
  p.tags,
  p.accepted,
  p.resource_ids
FROM posts p
WHERE p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
  AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
  AND p.created_at >= to_timestamp_micros({{from_us}})
  AND p.created_at < to_timestamp_micros({{to_us}})
ORDER BY p.created_at, p.post_id

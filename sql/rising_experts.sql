-- Per topic, the people whose answers in the window were accepted: accepted answers and all
-- their answers on the topic, with the team and role of their latest answer.
-- Used by: rising job ("who already knows the answer"). Parameters: {{from_us}}
-- (inclusive) and {{to_us}} (exclusive), microseconds since the epoch, UTC. Needs table
-- topic_threads(thread_id, topic_id).
-- One pass: per topic and author, the counts and the team and role of the latest answer.
-- The ordering is by time alone: DataFusion's first_value keeps a per-group value for one
-- ordering column cheaply, while a second (string) tie-break column costs about three times
-- as much. Two answers by one person at the same microsecond tie; either one's team and
-- role is then shown (they are the same person at the same instant).
SELECT
  t.topic_id,
  p.author_id,
  first_value(p.team ORDER BY p.created_at DESC) AS team,
  first_value(p.role ORDER BY p.created_at DESC) AS role,
  COUNT(*) FILTER (WHERE p.accepted) AS accepted_answers,
  COUNT(*) AS answers
FROM posts p
JOIN topic_threads t ON t.thread_id = p.thread_id
WHERE p.kind = 'answer'
  AND p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
  AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
  AND p.created_at >= to_timestamp_micros({{from_us}})
  AND p.created_at < to_timestamp_micros({{to_us}})
GROUP BY t.topic_id, p.author_id
HAVING COUNT(*) FILTER (WHERE p.accepted) >= 1
ORDER BY topic_id, accepted_answers DESC, answers DESC, author_id

-- Per topic, the people whose answers in the window were accepted: accepted answers and all
-- their answers on the topic, with the team and role of their latest answer.
-- Used by: rising job ("who already knows the answer"). Parameters: {{from_us}}
-- (inclusive) and {{to_us}} (exclusive), microseconds since the epoch, UTC. Needs table
-- topic_threads(thread_id, topic_id).
WITH answers AS (
  SELECT t.topic_id, p.post_id, p.author_id, p.team, p.role, p.accepted, p.created_at
  FROM posts p
  JOIN topic_threads t ON t.thread_id = p.thread_id
  WHERE p.kind = 'answer'
    AND p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
    AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND p.created_at >= to_timestamp_micros({{from_us}})
    AND p.created_at < to_timestamp_micros({{to_us}})
),
experts AS (
  SELECT
    topic_id,
    author_id,
    COUNT(*) FILTER (WHERE accepted) AS accepted_answers,
    COUNT(*) AS answers
  FROM answers
  GROUP BY topic_id, author_id
  HAVING COUNT(*) FILTER (WHERE accepted) >= 1
),
latest AS (
  SELECT
    topic_id,
    author_id,
    team,
    role,
    ROW_NUMBER() OVER (
      PARTITION BY topic_id, author_id ORDER BY created_at DESC, post_id DESC
    ) AS rn
  FROM answers
)
SELECT e.topic_id, e.author_id, l.team, l.role, e.accepted_answers, e.answers
FROM experts e
JOIN latest l ON l.topic_id = e.topic_id AND l.author_id = e.author_id AND l.rn = 1
ORDER BY e.topic_id, e.accepted_answers DESC, e.answers DESC, e.author_id

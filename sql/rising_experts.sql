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
-- One pass: per topic and author, the counts over all their answers and the team and role
-- of the latest one (a second scan of the posts for a join cost more than the sort).
ranked AS (
  SELECT
    topic_id,
    author_id,
    team,
    role,
    SUM(CASE WHEN accepted THEN 1 ELSE 0 END) OVER (PARTITION BY topic_id, author_id)
      AS accepted_answers,
    COUNT(*) OVER (PARTITION BY topic_id, author_id) AS answers,
    ROW_NUMBER() OVER (
      PARTITION BY topic_id, author_id ORDER BY created_at DESC, post_id DESC
    ) AS rn
  FROM answers
)
SELECT topic_id, author_id, team, role, accepted_answers, answers
FROM ranked
WHERE rn = 1 AND accepted_answers >= 1
ORDER BY topic_id, accepted_answers DESC, answers DESC, author_id

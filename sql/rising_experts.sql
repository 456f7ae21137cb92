-- Per topic, the people whose answers in the window were accepted: accepted answers and all
-- their answers on the topic, with the team and role of their latest answer.
-- Used by: rising job ("who already knows the answer"). Parameters: {{from_us}}
-- (inclusive) and {{to_us}} (exclusive), microseconds since the epoch, UTC. Needs table
-- topic_threads(thread_id, topic_id).
--
-- One pass: per topic and author, the counts and the latest answer's team and role. The
-- latest is the largest of "time, team, role" written as one string whose time comes
-- first, zero-padded to a fixed width, so that strings sort as times do. DataFusion keeps a
-- per-group largest string cheaply, while first_value(team ORDER BY created_at DESC) builds
-- a value per row for its ordering (rising_experts 0.23 s against 0.20 s over a year of a
-- 1,000,000-post lake; see docs/rising.md). Fields are split by chr(31) (unit separator);
-- the role is written as '0' when missing or '1' followed by the role, so a missing role
-- stays NULL. Two answers by one person at the same microsecond: the larger team and role
-- strings win.
WITH per_author AS (
  SELECT
    t.topic_id,
    p.author_id,
    max(concat(
      lpad(CAST(arrow_cast(p.created_at, 'Int64') AS VARCHAR), 20, '0'), chr(31),
      p.team, chr(31),
      CASE WHEN p.role IS NULL THEN '0' ELSE concat('1', p.role) END
    )) AS latest,
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
)
SELECT
  topic_id,
  author_id,
  split_part(latest, chr(31), 2) AS team,
  CASE
    WHEN left(split_part(latest, chr(31), 3), 1) = '1' THEN substr(split_part(latest, chr(31), 3), 2)
  END AS role,
  accepted_answers,
  answers
FROM per_author
ORDER BY topic_id, accepted_answers DESC, answers DESC, author_id

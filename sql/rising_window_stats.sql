-- Per topic, the posts in the window and how widely they spread: distinct threads, authors,
-- teams, sites and roles; opening questions, and those still unanswered at the window's
-- end (no answer in the thread by someone other than the asker created before {{to_us}}).
-- Topics with fewer than {{min_group_size}} distinct authors are left out (privacy floor).
-- Used by: rising job. Parameters: {{from_us}} (inclusive) and {{to_us}} (exclusive),
-- microseconds since the epoch, UTC; {{min_group_size}}. Needs table
-- topic_threads(thread_id, topic_id).
WITH w AS (
  SELECT t.topic_id, p.post_id, p.thread_id, p.kind, p.author_id, p.team, p.site, p.role
  FROM posts p
  JOIN topic_threads t ON t.thread_id = p.thread_id
  WHERE p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
    AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND p.created_at >= to_timestamp_micros({{from_us}})
    AND p.created_at < to_timestamp_micros({{to_us}})
),
questions AS (
  SELECT topic_id, thread_id, author_id
  FROM w
  WHERE kind = 'question' AND post_id = thread_id
),
-- Answers from before the window count too; only the end bound applies.
answered AS (
  SELECT DISTINCT q.thread_id
  FROM questions q
  JOIN posts a ON a.thread_id = q.thread_id
  WHERE a.kind = 'answer'
    AND a.author_id <> q.author_id
    AND a.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND a.created_at < to_timestamp_micros({{to_us}})
),
question_stats AS (
  SELECT
    q.topic_id,
    COUNT(*) AS questions,
    COUNT(*) FILTER (WHERE a.thread_id IS NULL) AS unanswered
  FROM questions q
  LEFT JOIN answered a ON a.thread_id = q.thread_id
  GROUP BY q.topic_id
),
post_stats AS (
  SELECT
    topic_id,
    COUNT(*) AS posts,
    COUNT(DISTINCT thread_id) AS threads,
    COUNT(DISTINCT author_id) AS authors,
    COUNT(DISTINCT team) AS teams,
    COUNT(DISTINCT site) AS sites,
    COUNT(DISTINCT role) AS roles
  FROM w
  GROUP BY topic_id
  HAVING COUNT(DISTINCT author_id) >= {{min_group_size}}
)
SELECT
  s.topic_id,
  s.posts,
  s.threads,
  s.authors,
  s.teams,
  s.sites,
  s.roles,
  COALESCE(q.questions, 0) AS questions,
  COALESCE(q.unanswered, 0) AS unanswered
FROM post_stats s
LEFT JOIN question_stats q ON q.topic_id = s.topic_id
ORDER BY s.topic_id

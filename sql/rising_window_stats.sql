-- Per topic, the posts in the window and how widely they spread: distinct threads, authors,
-- teams, sites and roles; opening questions, and those still unanswered at the window's
-- end (no answer in the thread by someone other than the asker created before {{to_us}}).
-- Topics with fewer than {{min_group_size}} distinct authors are left out (privacy floor).
-- Used by: rising job. Parameters: {{from_us}} (inclusive) and {{to_us}} (exclusive),
-- microseconds since the epoch, UTC; {{min_group_size}}. Needs table
-- topic_threads(thread_id, topic_id).
--
-- The window's posts are read once: a question is unanswered unless its thread has an
-- answer by someone other than the asker, i.e. unless the thread's answer authors are not
-- all the asker (their smallest or largest differs from the asker).
WITH answer_authors AS (
  -- Answers from before the window count too; only the end bound applies.
  SELECT thread_id, MIN(author_id) AS lo, MAX(author_id) AS hi
  FROM posts
  WHERE kind = 'answer'
    AND author_id IS NOT NULL
    AND date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND created_at < to_timestamp_micros({{to_us}})
  GROUP BY thread_id
),
w AS (
  SELECT
    t.topic_id,
    p.thread_id,
    p.author_id,
    p.team,
    p.site,
    p.role,
    p.kind = 'question' AND p.post_id = p.thread_id AS is_question,
    COALESCE(a.lo <> p.author_id OR a.hi <> p.author_id, FALSE) AS answered
  FROM posts p
  JOIN topic_threads t ON t.thread_id = p.thread_id
  LEFT JOIN answer_authors a ON a.thread_id = p.thread_id
  WHERE p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
    AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND p.created_at >= to_timestamp_micros({{from_us}})
    AND p.created_at < to_timestamp_micros({{to_us}})
)
SELECT
  topic_id,
  COUNT(*) AS posts,
  COUNT(DISTINCT thread_id) AS threads,
  COUNT(DISTINCT author_id) AS authors,
  COUNT(DISTINCT team) AS teams,
  COUNT(DISTINCT site) AS sites,
  COUNT(DISTINCT role) AS roles,
  COUNT(*) FILTER (WHERE is_question) AS questions,
  COUNT(*) FILTER (WHERE is_question AND NOT answered) AS unanswered
FROM w
GROUP BY topic_id
HAVING COUNT(DISTINCT author_id) >= {{min_group_size}}
ORDER BY topic_id

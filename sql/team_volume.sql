-- Posts per team, only for teams at or above the privacy floor of distinct authors.
-- Used by: overview job. Parameters: {{min_group_size}}.
SELECT
  team,
  COUNT(*) AS posts,
  COUNT(DISTINCT author_id) AS authors,
  SUM(CASE WHEN kind = 'question' THEN 1 ELSE 0 END) AS questions
FROM posts
GROUP BY team
HAVING COUNT(DISTINCT author_id) >= {{min_group_size}}
ORDER BY posts DESC, team

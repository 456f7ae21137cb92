-- Feedback events per type, with the mean rating where there is one.
-- Used by: overview job. Parameters: none.
SELECT
  "type",
  COUNT(*) AS events,
  COUNT(DISTINCT resource_id) AS resources,
  ROUND(AVG(CAST(value AS DOUBLE)), 2) AS mean_value
FROM feedback
GROUP BY "type"
ORDER BY events DESC, "type"

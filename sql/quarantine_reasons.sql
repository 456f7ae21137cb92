-- Quarantined records per reason and field, with the first and last time seen.
-- Used by: overview job. Parameters: none.
SELECT
  reason_code,
  COALESCE(field, '') AS field,
  COUNT(*) AS records,
  MIN(ingested_at) AS first_seen,
  MAX(ingested_at) AS last_seen
FROM quarantine
GROUP BY 1, 2
ORDER BY records DESC, reason_code, field

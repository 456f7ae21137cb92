//! `murmur.toml`: built-in defaults, then the file, then `MURMUR__SECTION__KEY` environment
//! variables, then command-line flags. Secrets are never printed.

use anyhow::Result;
use murmur_jobs::jobs::rising::RisingSettings;
use murmur_jobs::jobs::sentiment_shift::Settings as SentimentSettings;
use murmur_jobs::topics::TopicSettings;
use murmur_pipeline::ingest::IngestOptions;
use murmur_pipeline::ingest::kafka::KafkaOptions;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Config {
    /// Where the lake lives.
    pub lake: LakeConfig,
    /// Where the catalog files live.
    pub catalog: CatalogConfig,
    /// Pseudonymisation and the privacy floor.
    pub privacy: PrivacyConfig,
    /// Ingest buffers.
    pub ingest: IngestOptions,
    /// Kafka ingest: brokers, group, topics, batching, librdkafka properties.
    pub kafka: KafkaOptions,
    /// Sentiment shifts: windows, minimum sample, minimum change, false discovery rate.
    pub sentiment: SentimentSettings,
    /// Topic discovery: history, clusters, bursts, similarity thresholds, taxonomy.
    pub topics: TopicSettings,
    /// Rising-topic scoring: baselines, rhythm, thresholds, content effectiveness.
    pub rising: RisingSettings,
}

/// `[lake]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LakeConfig {
    /// Local folder of the lake (tables `posts`, `feedback`, `quarantine`).
    pub path: PathBuf,
}

impl Default for LakeConfig {
    fn default() -> Self {
        LakeConfig {
            path: PathBuf::from("data/lake"),
        }
    }
}

/// `[catalog]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogConfig {
    /// Folder with resources.csv, interventions.toml, cost.toml, teams.csv.
    pub path: PathBuf,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig {
            path: PathBuf::from("data/catalog"),
        }
    }
}

/// `[privacy]`
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Pseudonymisation key as hex (at least 16 bytes). Secret: prefer `key_file` or the
    /// `MURMUR__PRIVACY__KEY` environment variable. Never printed.
    #[serde(skip_serializing)]
    pub key: Option<String>,
    /// File holding the key as hex; created (mode 0600) on first ingest into an empty lake.
    pub key_file: PathBuf,
    /// Smallest group of distinct people any breakdown may show.
    pub min_group_size: u32,
}

impl std::fmt::Debug for PrivacyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacyConfig")
            .field("key", &self.key.as_ref().map(|_| "<secret>"))
            .field("key_file", &self.key_file)
            .field("min_group_size", &self.min_group_size)
            .finish()
    }
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            key: None,
            key_file: PathBuf::from("data/pseudonym.key"),
            min_group_size: 5,
        }
    }
}

/// Overrides given on the command line.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--lake`
    pub lake: Option<PathBuf>,
    /// `--catalog`
    pub catalog: Option<PathBuf>,
}

/// Loads the configuration, listing every problem at once if any.
pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Vec<String>> {
    load_from(file, overrides, std::env::vars())
}

/// As [`load`], with the environment given (for tests).
pub fn load_from(
    file: Option<&Path>,
    overrides: &Overrides,
    env: impl Iterator<Item = (String, String)>,
) -> Result<Config, Vec<String>> {
    let mut problems = Vec::new();
    let mut root = toml::Table::new();
    let file = file.map(Path::to_path_buf).or_else(|| {
        let default = PathBuf::from("murmur.toml");
        default.exists().then_some(default)
    });
    if let Some(path) = &file {
        match std::fs::read_to_string(path) {
            Ok(text) => match text.parse::<toml::Table>() {
                Ok(t) => root = t,
                Err(e) => problems.push(format!("{}: not valid TOML: {e}", path.display())),
            },
            Err(e) => problems.push(format!("{}: cannot read: {e}", path.display())),
        }
    }
    for (name, value) in env {
        let Some(rest) = name.strip_prefix("MURMUR__") else {
            continue;
        };
        let parts: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
        if parts.len() != 2 || parts.iter().any(String::is_empty) {
            problems.push(format!(
                "environment variable {name}: expected MURMUR__SECTION__KEY"
            ));
            continue;
        }
        let parsed = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(value));
        let section = root
            .entry(parts[0].clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match section {
            toml::Value::Table(t) => {
                t.insert(parts[1].clone(), parsed);
            }
            _ => problems.push(format!("{}: expected a [section] table", parts[0])),
        }
    }
    let source = file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "configuration".into());
    let mut config = Config::default();
    fn section<T: for<'de> Deserialize<'de> + Default>(
        root: &mut toml::Table,
        name: &str,
        source: &str,
        problems: &mut Vec<String>,
    ) -> T {
        match root.remove(name) {
            None => T::default(),
            Some(v) => match T::deserialize(v) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{source}: [{name}] {}", e.message().trim()));
                    T::default()
                }
            },
        }
    }
    config.lake = section(&mut root, "lake", &source, &mut problems);
    config.catalog = section(&mut root, "catalog", &source, &mut problems);
    config.privacy = section(&mut root, "privacy", &source, &mut problems);
    config.ingest = section(&mut root, "ingest", &source, &mut problems);
    config.kafka = section(&mut root, "kafka", &source, &mut problems);
    config.sentiment = section(&mut root, "sentiment", &source, &mut problems);
    config.topics = section(&mut root, "topics", &source, &mut problems);
    config.rising = section(&mut root, "rising", &source, &mut problems);
    for unknown in root.keys() {
        problems.push(format!(
            "{source}: unknown section [{unknown}], expected one of [lake], [catalog], [privacy], [ingest], [kafka], [sentiment], [topics], [rising]"
        ));
    }
    if let Some(lake) = &overrides.lake {
        config.lake.path = lake.clone();
    }
    if let Some(catalog) = &overrides.catalog {
        config.catalog.path = catalog.clone();
    }
    problems.extend(check(&config));
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

/// Value checks that serde cannot express.
fn check(config: &Config) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(key) = &config.privacy.key
        && let Err(e) = murmur_pipeline::pseudonym::Pseudonymiser::from_hex(key)
    {
        problems.push(format!("privacy.key: {e}"));
    }
    if config.privacy.min_group_size < 2 {
        problems.push(format!(
            "privacy.min_group_size: expected at least 2, got {}",
            config.privacy.min_group_size
        ));
    }
    let i = &config.ingest;
    for (name, v) in [
        ("ingest.file_max_rows", i.file_max_rows),
        ("ingest.max_buffered_events", i.max_buffered_events),
        ("ingest.dedup_index_max_ids", i.dedup_index_max_ids),
    ] {
        if v == 0 {
            problems.push(format!("{name}: expected a positive number, got 0"));
        }
    }
    problems.extend(config.kafka.check());
    problems.extend(config.sentiment.check());
    problems.extend(config.topics.check());
    problems.extend(config.rising.check());
    if config.lake.path.exists() && !config.lake.path.is_dir() {
        problems.push(format!(
            "lake.path: {} exists but is not a folder",
            config.lake.path.display()
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn defaults_file_env_and_flags_layer_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("murmur.toml");
        std::fs::write(
            &file,
            "[lake]\npath = \"from-file\"\n[privacy]\nmin_group_size = 7\n[ingest]\nfile_max_rows = 10\n",
        )
        .unwrap();
        let c = load_from(
            Some(&file),
            &Overrides::default(),
            env(&[("MURMUR__INGEST__FILE_MAX_ROWS", "20")]),
        )
        .unwrap();
        assert_eq!(c.lake.path, PathBuf::from("from-file"));
        assert_eq!(c.privacy.min_group_size, 7);
        assert_eq!(c.ingest.file_max_rows, 20);
        let flags = Overrides {
            lake: Some("from-flag".into()),
            catalog: None,
        };
        let c = load_from(Some(&file), &flags, env(&[])).unwrap();
        assert_eq!(c.lake.path, PathBuf::from("from-flag"));
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("murmur.toml");
        std::fs::write(
            &file,
            "[lake]\npaht = \"x\"\n[privacy]\nmin_group_size = 1\n[ingets]\n",
        )
        .unwrap();
        let problems = load_from(
            Some(&file),
            &Overrides::default(),
            env(&[("MURMUR__PRIVACY__KEY", "abcd")]),
        )
        .unwrap_err();
        let all = problems.join("\n");
        assert!(all.contains("paht"), "{all}");
        assert!(all.contains("[ingets]"), "{all}");
        assert!(all.contains("privacy.key"), "{all}");
        assert!(problems.len() >= 3, "{all}");
    }

    #[test]
    fn kafka_section_layers_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("murmur.toml");
        std::fs::write(
            &file,
            "[kafka]\nbrokers = \"b1:9092,b2:9092\"\nflush_interval = \"2s\"\n\
             [kafka.client]\n\"security.protocol\" = \"SASL_SSL\"\n\"session.timeout.ms\" = 6000\n",
        )
        .unwrap();
        let c = load_from(
            Some(&file),
            &Overrides::default(),
            env(&[
                ("MURMUR__KAFKA__GROUP", "g2"),
                ("MURMUR__KAFKA__FLUSH_INTERVAL", "1500"),
            ]),
        )
        .unwrap();
        assert_eq!(c.kafka.brokers, "b1:9092,b2:9092");
        assert_eq!(c.kafka.group, "g2");
        assert_eq!(
            c.kafka.flush_interval,
            std::time::Duration::from_millis(1500)
        );
        assert_eq!(c.kafka.client["session.timeout.ms"].to_string(), "6000");
        assert_eq!(c.kafka.dlq_topic, None);
        std::fs::write(
            &file,
            "[kafka]\nflush_interval = \"soon\"\nbrokres = \"x\"\n",
        )
        .unwrap();
        let all = load_from(Some(&file), &Overrides::default(), env(&[]))
            .unwrap_err()
            .join("\n");
        assert!(all.contains("[kafka]"), "{all}");
        std::fs::write(&file, "[kafka.client]\n\"enable.auto.commit\" = true\n").unwrap();
        let all = load_from(Some(&file), &Overrides::default(), env(&[]))
            .unwrap_err()
            .join("\n");
        assert!(all.contains("enable.auto.commit"), "{all}");
    }

    #[test]
    fn sentiment_section_layers_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("murmur.toml");
        std::fs::write(&file, "[sentiment]\nrecent_days = 14\nmin_posts = 20\n").unwrap();
        let c = load_from(
            Some(&file),
            &Overrides::default(),
            env(&[("MURMUR__SENTIMENT__MIN_DELTA", "0.2")]),
        )
        .unwrap();
        assert_eq!(c.sentiment.recent_days, 14);
        assert_eq!(c.sentiment.min_posts, 20);
        assert_eq!(c.sentiment.min_delta, 0.2);
        assert_eq!(c.sentiment.baseline_days, 56);
        std::fs::write(&file, "[sentiment]\nfdr = 1.5\nrecnet_days = 3\n").unwrap();
        let all = load_from(Some(&file), &Overrides::default(), env(&[]))
            .unwrap_err()
            .join("\n");
        assert!(all.contains("recnet_days"), "{all}");
        std::fs::write(&file, "[sentiment]\nfdr = 1.5\n").unwrap();
        let all = load_from(Some(&file), &Overrides::default(), env(&[]))
            .unwrap_err()
            .join("\n");
        assert!(all.contains("sentiment.fdr"), "{all}");
    }

    #[test]
    fn secrets_are_not_printed() {
        let key = "00112233445566778899aabbccddeeff";
        let c = load_from(
            None,
            &Overrides::default(),
            env(&[("MURMUR__PRIVACY__KEY", key)]),
        )
        .unwrap();
        assert_eq!(c.privacy.key.as_deref(), Some(key));
        assert!(!format!("{c:?}").contains(key));
        assert!(!toml::to_string(&c).unwrap().contains(key));
    }
}

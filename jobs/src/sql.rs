//! The SQL files in `sql/`, embedded so the binary runs anywhere, with `{{name}}` integer
//! parameters.

/// An embedded query: its file name (without `.sql`) and text.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// File name without `.sql`.
    pub name: &'static str,
    /// The SQL text.
    pub text: &'static str,
}

macro_rules! query {
    ($name:literal) => {
        Query {
            name: $name,
            text: include_str!(concat!("../../sql/", $name, ".sql")),
        }
    };
}

/// Every query in `sql/`.
pub const ALL: &[Query] = &[
    query!("weekly_volume"),
    query!("team_volume"),
    query!("feedback_by_type"),
    query!("quarantine_reasons"),
    query!("rising_posts"),
    query!("rising_topic_hours"),
    query!("rising_window_stats"),
    query!("rising_team_floor"),
    query!("rising_experts"),
    query!("rising_resources"),
    query!("newest_post"),
    query!("thread_tags"),
    query!("sentiment_window"),
];

/// Looks a query up by name.
pub fn get(name: &str) -> Option<Query> {
    ALL.iter().copied().find(|q| q.name == name)
}

impl Query {
    /// The text with `{{key}}` replaced by the given integers.
    pub fn render(&self, params: &[(&str, i64)]) -> String {
        let mut text = self.text.to_string();
        for (k, v) in params {
            text = text.replace(&format!("{{{{{k}}}}}"), &v.to_string());
        }
        text
    }
}

//! Event contracts `post/v1` and `feedback/v1`: parsing and validation of one raw event.
//!
//! The rules are documented for users in `docs/contracts.md` and as JSON Schema in
//! `pipeline/schemas/`. Every rejection names the field and what was expected, e.g.
//! `created_at: expected RFC 3339 timestamp with offset, got "yesterday"`.
//! Unknown fields are ignored.

use serde_json::{Map, Value};
use std::fmt;

/// Largest raw event accepted, in bytes (1 MiB). Larger ones are quarantined unparsed.
pub const MAX_EVENT_BYTES: usize = 1 << 20;
/// Longest `post_id` / `event_id`, in characters.
pub const MAX_ID_CHARS: usize = 128;
/// Longest `body`, in characters.
pub const MAX_BODY_CHARS: usize = 100_000;

/// Contract name of a post.
pub const POST_V1: &str = "post/v1";
/// Contract name of a feedback event.
pub const FEEDBACK_V1: &str = "feedback/v1";

/// What kind of post this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    /// Opens a thread asking something.
    Question,
    /// Replies with an answer.
    Answer,
    /// A comment on a post.
    Comment,
    /// Any other post (announcement, discussion).
    Post,
}

impl PostKind {
    /// The contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Question => "question",
            PostKind::Answer => "answer",
            PostKind::Comment => "comment",
            PostKind::Post => "post",
        }
    }
}

/// What a feedback event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackType {
    /// The resource was opened.
    View,
    /// A 1–5 rating (`value`).
    Rating,
    /// Marked helpful.
    Helpful,
    /// Marked not helpful.
    NotHelpful,
    /// Completed (a course, a video).
    Completion,
    /// A free-text comment (`comment`).
    Comment,
}

impl FeedbackType {
    /// The contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackType::View => "view",
            FeedbackType::Rating => "rating",
            FeedbackType::Helpful => "helpful",
            FeedbackType::NotHelpful => "not_helpful",
            FeedbackType::Completion => "completion",
            FeedbackType::Comment => "comment",
        }
    }
}

/// A valid `post/v1` event. `author_id` is still the raw id here; ingest pseudonymises it
/// before anything is buffered or written.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    /// Unique post id.
    pub post_id: String,
    /// Thread the post belongs to.
    pub thread_id: String,
    /// The post this one replies to.
    pub parent_id: Option<String>,
    /// Question, answer, comment or post.
    pub kind: PostKind,
    /// Author id (raw until pseudonymised).
    pub author_id: String,
    /// Team of the author.
    pub team: String,
    /// Role of the author.
    pub role: Option<String>,
    /// Site or region.
    pub site: Option<String>,
    /// Channel (forum, chat, qa, ...).
    pub channel: String,
    /// Creation time, UTC microseconds since the epoch.
    pub created_at: i64,
    /// Title.
    pub title: Option<String>,
    /// Body text.
    pub body: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Accepted as the solution.
    pub accepted: Option<bool>,
    /// Learning resources linked in the post.
    pub resource_ids: Option<Vec<String>>,
}

/// A valid `feedback/v1` event (`user_id` raw until pseudonymised).
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    /// Unique event id.
    pub event_id: String,
    /// The learning resource.
    pub resource_id: String,
    /// User id (raw until pseudonymised).
    pub user_id: String,
    /// Team of the user.
    pub team: Option<String>,
    /// Role of the user.
    pub role: Option<String>,
    /// What happened.
    pub kind: FeedbackType,
    /// Rating value 1–5.
    pub value: Option<i8>,
    /// Comment text.
    pub comment: Option<String>,
    /// The conversation that led here.
    pub post_id: Option<String>,
    /// When it happened, UTC microseconds since the epoch.
    pub occurred_at: i64,
}

/// A valid event of either contract.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A `post/v1`.
    Post(Post),
    /// A `feedback/v1`.
    Feedback(Feedback),
}

impl Event {
    /// The unique id used to keep a re-delivered event once.
    pub fn id(&self) -> &str {
        match self {
            Event::Post(p) => &p.post_id,
            Event::Feedback(f) => &f.event_id,
        }
    }

    /// Event time, UTC microseconds.
    pub fn timestamp(&self) -> i64 {
        match self {
            Event::Post(p) => p.created_at,
            Event::Feedback(f) => f.occurred_at,
        }
    }
}

/// Why an event was rejected, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReasonCode {
    /// A Kafka message with no value.
    NullMessage,
    /// Larger than [`MAX_EVENT_BYTES`].
    Oversize,
    /// Not valid UTF-8.
    NotUtf8,
    /// Not JSON.
    NotJson,
    /// JSON, but not an object.
    NotObject,
    /// `schema` names no known contract.
    UnknownSchema,
    /// A required field is absent or null.
    MissingField,
    /// A field has the wrong JSON type.
    WrongType,
    /// A field has the right type but a value out of range.
    OutOfRange,
}

impl ReasonCode {
    /// Stable snake_case name, stored in the `quarantine.reason_code` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::NullMessage => "null_message",
            ReasonCode::Oversize => "oversize",
            ReasonCode::NotUtf8 => "not_utf8",
            ReasonCode::NotJson => "not_json",
            ReasonCode::NotObject => "not_object",
            ReasonCode::UnknownSchema => "unknown_schema",
            ReasonCode::MissingField => "missing_field",
            ReasonCode::WrongType => "wrong_type",
            ReasonCode::OutOfRange => "out_of_range",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected event: the code, the field (when one is to blame) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Machine-readable reason.
    pub code: ReasonCode,
    /// The field at fault, if any.
    pub field: Option<&'static str>,
    /// Human message naming the field and what was expected.
    pub message: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Rejection {
    fn new(code: ReasonCode, field: Option<&'static str>, message: String) -> Self {
        Rejection {
            code,
            field,
            message,
        }
    }

    /// An event of `size` bytes, over [`MAX_EVENT_BYTES`].
    pub fn oversize(size: usize) -> Self {
        Self::new(
            ReasonCode::Oversize,
            None,
            format!("event: {size} bytes exceeds the limit of {MAX_EVENT_BYTES} bytes (1 MiB)"),
        )
    }

    /// A Kafka message without a value.
    pub fn null_message() -> Self {
        Self::new(
            ReasonCode::NullMessage,
            None,
            "message: expected a JSON event, got a null value".into(),
        )
    }
}

/// Parses and validates one raw event against the contract its `schema` field names.
pub fn parse_event(raw: &[u8]) -> Result<Event, Rejection> {
    if raw.len() > MAX_EVENT_BYTES {
        return Err(Rejection::oversize(raw.len()));
    }
    let text = std::str::from_utf8(raw).map_err(|e| {
        Rejection::new(
            ReasonCode::NotUtf8,
            None,
            format!(
                "event: expected UTF-8 text, invalid byte at position {}",
                e.valid_up_to()
            ),
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Rejection::new(
            ReasonCode::NotJson,
            None,
            format!("event: expected a JSON object, not valid JSON ({e})"),
        )
    })?;
    let Value::Object(obj) = value else {
        return Err(Rejection::new(
            ReasonCode::NotObject,
            None,
            format!("event: expected a JSON object, got {}", describe(&value)),
        ));
    };
    let fields = Fields(&obj);
    let schema = fields.req_str("schema")?;
    match schema {
        POST_V1 => parse_post(&fields).map(Event::Post),
        FEEDBACK_V1 => parse_feedback(&fields).map(Event::Feedback),
        other => Err(Rejection::new(
            ReasonCode::UnknownSchema,
            Some("schema"),
            format!(
                "schema: expected \"{POST_V1}\" or \"{FEEDBACK_V1}\", got {}",
                quote(other)
            ),
        )),
    }
}

fn parse_post(f: &Fields<'_>) -> Result<Post, Rejection> {
    let post_id = f.id("post_id")?;
    let thread_id = f.id("thread_id")?;
    let parent_id = f.opt_str("parent_id")?.map(str::to_owned);
    let kind = match f.req_str("kind")? {
        "question" => PostKind::Question,
        "answer" => PostKind::Answer,
        "comment" => PostKind::Comment,
        "post" => PostKind::Post,
        other => {
            return Err(out_of_range(
                "kind",
                "one of \"question\", \"answer\", \"comment\", \"post\"",
                &quote(other),
            ));
        }
    };
    let author_id = f.non_empty("author_id")?;
    let team = f.non_empty("team")?;
    let role = f.opt_str("role")?.map(str::to_owned);
    let site = f.opt_str("site")?.map(str::to_owned);
    let channel = f.non_empty("channel")?;
    let created_at = f.timestamp("created_at")?;
    let title = f.opt_str("title")?.map(str::to_owned);
    let body = f.req_str("body")?;
    let chars = body.chars().count();
    if chars == 0 || chars > MAX_BODY_CHARS {
        return Err(out_of_range(
            "body",
            &format!("1 to {MAX_BODY_CHARS} characters"),
            &format!("{chars} characters"),
        ));
    }
    let tags = f.opt_str_array("tags")?;
    let accepted = f.opt_bool("accepted")?;
    let resource_ids = f.opt_str_array("resource_ids")?;
    Ok(Post {
        post_id,
        thread_id,
        parent_id,
        kind,
        author_id,
        team,
        role,
        site,
        channel,
        created_at,
        title,
        body: body.to_owned(),
        tags,
        accepted,
        resource_ids,
    })
}

fn parse_feedback(f: &Fields<'_>) -> Result<Feedback, Rejection> {
    let event_id = f.id("event_id")?;
    let resource_id = f.non_empty("resource_id")?;
    let user_id = f.non_empty("user_id")?;
    let team = f.opt_str("team")?.map(str::to_owned);
    let role = f.opt_str("role")?.map(str::to_owned);
    let kind = match f.req_str("type")? {
        "view" => FeedbackType::View,
        "rating" => FeedbackType::Rating,
        "helpful" => FeedbackType::Helpful,
        "not_helpful" => FeedbackType::NotHelpful,
        "completion" => FeedbackType::Completion,
        "comment" => FeedbackType::Comment,
        other => {
            return Err(out_of_range(
                "type",
                "one of \"view\", \"rating\", \"helpful\", \"not_helpful\", \"completion\", \"comment\"",
                &quote(other),
            ));
        }
    };
    let value = match f.get("value") {
        None => None,
        Some(v) => {
            let n = v
                .as_i64()
                .ok_or_else(|| wrong_type("value", "an integer from 1 to 5", v))?;
            if !(1..=5).contains(&n) {
                return Err(out_of_range(
                    "value",
                    "an integer from 1 to 5",
                    &n.to_string(),
                ));
            }
            Some(n as i8)
        }
    };
    if kind == FeedbackType::Rating && value.is_none() {
        return Err(Rejection::new(
            ReasonCode::MissingField,
            Some("value"),
            "value: required for type \"rating\" (an integer from 1 to 5), but missing".into(),
        ));
    }
    let comment = f.opt_str("comment")?.map(str::to_owned);
    if kind == FeedbackType::Comment && comment.as_deref().is_none_or(str::is_empty) {
        return Err(Rejection::new(
            ReasonCode::MissingField,
            Some("comment"),
            "comment: required for type \"comment\" (a non-empty string), but missing".into(),
        ));
    }
    let post_id = f.opt_str("post_id")?.map(str::to_owned);
    let occurred_at = f.timestamp("occurred_at")?;
    Ok(Feedback {
        event_id,
        resource_id,
        user_id,
        team,
        role,
        kind,
        value,
        comment,
        post_id,
        occurred_at,
    })
}

/// Typed access to the fields of one event object, producing field-naming rejections.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The value of a field; JSON `null` counts as absent.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn req_str(&self, name: &'static str) -> Result<&'a str, Rejection> {
        match self.get(name) {
            None => Err(missing(name, "a string")),
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(wrong_type(name, "a string", v)),
        }
    }

    fn non_empty(&self, name: &'static str) -> Result<String, Rejection> {
        let s = self.req_str(name)?;
        if s.is_empty() {
            return Err(out_of_range(name, "a non-empty string", "\"\""));
        }
        Ok(s.to_owned())
    }

    fn id(&self, name: &'static str) -> Result<String, Rejection> {
        let s = self.req_str(name)?;
        let n = s.chars().count();
        if n == 0 || n > MAX_ID_CHARS {
            return Err(out_of_range(
                name,
                &format!("a string of 1 to {MAX_ID_CHARS} characters"),
                &format!("{n} characters"),
            ));
        }
        Ok(s.to_owned())
    }

    fn opt_str(&self, name: &'static str) -> Result<Option<&'a str>, Rejection> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(wrong_type(name, "a string or null", v)),
        }
    }

    fn opt_bool(&self, name: &'static str) -> Result<Option<bool>, Rejection> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(wrong_type(name, "true or false", v)),
        }
    }

    fn opt_str_array(&self, name: &'static str) -> Result<Option<Vec<String>>, Rejection> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(wrong_type(name, "an array of strings", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(wrong_type(name, "an array of strings", v)),
        }
    }

    fn timestamp(&self, name: &'static str) -> Result<i64, Rejection> {
        const EXPECTED: &str = "RFC 3339 timestamp with offset";
        let s = match self.get(name) {
            None => return Err(missing(name, EXPECTED)),
            Some(Value::String(s)) => s,
            Some(v) => return Err(wrong_type(name, EXPECTED, v)),
        };
        let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|_| {
            Rejection::new(
                ReasonCode::OutOfRange,
                Some(name),
                format!("{name}: expected {EXPECTED}, got {}", quote(s)),
            )
        })?;
        Ok(t.timestamp_micros())
    }
}

fn missing(name: &'static str, expected: &str) -> Rejection {
    Rejection::new(
        ReasonCode::MissingField,
        Some(name),
        format!("{name}: required field is missing (expected {expected})"),
    )
}

fn wrong_type(name: &'static str, expected: &str, got: &Value) -> Rejection {
    Rejection::new(
        ReasonCode::WrongType,
        Some(name),
        format!("{name}: expected {expected}, got {}", describe(got)),
    )
}

fn out_of_range(name: &'static str, expected: &str, got: &str) -> Rejection {
    Rejection::new(
        ReasonCode::OutOfRange,
        Some(name),
        format!("{name}: expected {expected}, got {got}"),
    )
}

/// Short description of a JSON value for messages (type and a truncated rendering).
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {}", quote(s)),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// Quotes a value for a message, truncated to 40 characters.
fn quote(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    format!("{out:?}")
}

#[cfg(test)]
mod tests;

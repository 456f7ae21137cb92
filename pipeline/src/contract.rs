//! Event contracts `post/v1` and `feedback/v1`: parsing and validation of one raw event.
//!
//! The rules are documented for users in `docs/contracts.md` and as JSON Schema in
//! `pipeline/schemas/`. Every rejection names the field and what was expected, e.g.
//! `created_at: expected RFC 3339 timestamp with offset, got "yesterday"`.
//! Unknown fields are ignored.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
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
/// before anything is buffered or written. Strings borrow from the raw event where they
/// hold no JSON escape (ingest copies each one once, into the lake file's columns);
/// [`Post::into_owned`] detaches them.
#[derive(Debug, Clone, PartialEq)]
pub struct Post<'a> {
    /// Unique post id.
    pub post_id: Cow<'a, str>,
    /// Thread the post belongs to.
    pub thread_id: Cow<'a, str>,
    /// The post this one replies to.
    pub parent_id: Option<Cow<'a, str>>,
    /// Question, answer, comment or post.
    pub kind: PostKind,
    /// Author id (raw until pseudonymised).
    pub author_id: Cow<'a, str>,
    /// Team of the author.
    pub team: Cow<'a, str>,
    /// Role of the author.
    pub role: Option<Cow<'a, str>>,
    /// Site or region.
    pub site: Option<Cow<'a, str>>,
    /// Channel (forum, chat, qa, ...).
    pub channel: Cow<'a, str>,
    /// Creation time, UTC microseconds since the epoch.
    pub created_at: i64,
    /// Title.
    pub title: Option<Cow<'a, str>>,
    /// Body text.
    pub body: Cow<'a, str>,
    /// Tags.
    pub tags: Option<Vec<Cow<'a, str>>>,
    /// Accepted as the solution.
    pub accepted: Option<bool>,
    /// Learning resources linked in the post.
    pub resource_ids: Option<Vec<Cow<'a, str>>>,
}

/// A valid `feedback/v1` event (`user_id` raw until pseudonymised); strings borrow as in
/// [`Post`].
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback<'a> {
    /// Unique event id.
    pub event_id: Cow<'a, str>,
    /// The learning resource.
    pub resource_id: Cow<'a, str>,
    /// User id (raw until pseudonymised).
    pub user_id: Cow<'a, str>,
    /// Team of the user.
    pub team: Option<Cow<'a, str>>,
    /// Role of the user.
    pub role: Option<Cow<'a, str>>,
    /// What happened.
    pub kind: FeedbackType,
    /// Rating value 1–5.
    pub value: Option<i8>,
    /// Comment text.
    pub comment: Option<Cow<'a, str>>,
    /// The conversation that led here.
    pub post_id: Option<Cow<'a, str>>,
    /// When it happened, UTC microseconds since the epoch.
    pub occurred_at: i64,
}

/// A valid event of either contract.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A `post/v1`.
    Post(Post<'a>),
    /// A `feedback/v1`.
    Feedback(Feedback<'a>),
}

fn owned(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

fn owned_opt(s: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    s.map(owned)
}

fn owned_list(v: Option<Vec<Cow<'_, str>>>) -> Option<Vec<Cow<'static, str>>> {
    v.map(|items| items.into_iter().map(owned).collect())
}

impl Post<'_> {
    /// The same post, owning its strings.
    pub fn into_owned(self) -> Post<'static> {
        Post {
            post_id: owned(self.post_id),
            thread_id: owned(self.thread_id),
            parent_id: owned_opt(self.parent_id),
            kind: self.kind,
            author_id: owned(self.author_id),
            team: owned(self.team),
            role: owned_opt(self.role),
            site: owned_opt(self.site),
            channel: owned(self.channel),
            created_at: self.created_at,
            title: owned_opt(self.title),
            body: owned(self.body),
            tags: owned_list(self.tags),
            accepted: self.accepted,
            resource_ids: owned_list(self.resource_ids),
        }
    }
}

impl Feedback<'_> {
    /// The same feedback event, owning its strings.
    pub fn into_owned(self) -> Feedback<'static> {
        Feedback {
            event_id: owned(self.event_id),
            resource_id: owned(self.resource_id),
            user_id: owned(self.user_id),
            team: owned_opt(self.team),
            role: owned_opt(self.role),
            kind: self.kind,
            value: self.value,
            comment: owned_opt(self.comment),
            post_id: owned_opt(self.post_id),
            occurred_at: self.occurred_at,
        }
    }
}

impl Event<'_> {
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

    /// The same event, owning its strings.
    pub fn into_owned(self) -> Event<'static> {
        match self {
            Event::Post(p) => Event::Post(p.into_owned()),
            Event::Feedback(f) => Event::Feedback(f.into_owned()),
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

/// Parses and validates one raw event against the contract its `schema` field names. The
/// event's strings borrow from `raw` where they hold no JSON escape.
pub fn parse_event(raw: &[u8]) -> Result<Event<'_>, Rejection> {
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
    let mut fields = match scan::fields(text) {
        Some(fields) => fields,
        None => fields_by_serde(text)?,
    };
    let schema = fields.req_str("schema")?;
    match schema {
        POST_V1 => parse_post(&mut fields).map(Event::Post),
        FEEDBACK_V1 => parse_feedback(&mut fields).map(Event::Feedback),
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

/// The fields of an event the scanner gave up on, parsed with serde_json: the path every
/// rejection of the text itself (not JSON, not an object) comes from.
fn fields_by_serde(text: &str) -> Result<Box<Fields<'_>>, Rejection> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValSeed { top: true }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            Rejection::new(
                ReasonCode::NotJson,
                None,
                format!("event: expected a JSON object, not valid JSON ({e})"),
            )
        })?;
    match value {
        Val::Object(Some(fields)) => Ok(fields),
        other => Err(Rejection::new(
            ReasonCode::NotObject,
            None,
            format!("event: expected a JSON object, got {}", describe(&other)),
        )),
    }
}

fn parse_post<'a>(f: &mut Fields<'a>) -> Result<Post<'a>, Rejection> {
    let post_id = f.id("post_id")?;
    let thread_id = f.id("thread_id")?;
    let parent_id = f.opt_str("parent_id")?;
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
    let role = f.opt_str("role")?;
    let site = f.opt_str("site")?;
    let channel = f.non_empty("channel")?;
    let created_at = f.timestamp("created_at")?;
    let title = f.opt_str("title")?;
    let body = f.take_str("body")?;
    let chars = char_count_if_over(&body, MAX_BODY_CHARS);
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
        body,
        tags,
        accepted,
        resource_ids,
    })
}

fn parse_feedback<'a>(f: &mut Fields<'a>) -> Result<Feedback<'a>, Rejection> {
    let event_id = f.id("event_id")?;
    let resource_id = f.non_empty("resource_id")?;
    let user_id = f.non_empty("user_id")?;
    let team = f.opt_str("team")?;
    let role = f.opt_str("role")?;
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
    let comment = f.opt_str("comment")?;
    if kind == FeedbackType::Comment && comment.as_deref().is_none_or(str::is_empty) {
        return Err(Rejection::new(
            ReasonCode::MissingField,
            Some("comment"),
            "comment: required for type \"comment\" (a non-empty string), but missing".into(),
        ));
    }
    let post_id = f.opt_str("post_id")?;
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

/// Every field either contract reads, in a fixed order (index into [`Fields`]).
const FIELD_NAMES: [&str; 23] = [
    "schema",
    "post_id",
    "thread_id",
    "parent_id",
    "kind",
    "author_id",
    "team",
    "role",
    "site",
    "channel",
    "created_at",
    "title",
    "body",
    "tags",
    "accepted",
    "resource_ids",
    "event_id",
    "resource_id",
    "user_id",
    "type",
    "value",
    "comment",
    "occurred_at",
];

/// The number of characters of `s`, or its byte length when that is within `max`: a
/// string has at most as many characters as bytes, so only a long one needs counting
/// (counting every body was ~0.7% of ingest's CPU).
fn char_count_if_over(s: &str, max: usize) -> usize {
    if s.len() <= max {
        s.len()
    } else {
        s.chars().count()
    }
}

fn field_index(name: &str) -> Option<usize> {
    FIELD_NAMES.iter().position(|n| *n == name)
}

/// The index of a field the contracts read.
fn slot(name: &str) -> usize {
    field_index(name).expect("the contracts read only fields in FIELD_NAMES")
}

/// A JSON value as far as validation needs it. Parsed straight from the text (no
/// `serde_json::Value` tree); strings without escapes borrow from the input. Objects other
/// than the event itself are checked for syntax and dropped.
#[derive(Debug)]
enum Val<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    Array(Vec<Val<'a>>),
    /// The event's fields for the top-level object; `None` for a nested object.
    Object(Option<Box<Fields<'a>>>),
}

impl Val<'_> {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Val::Number(n) => n.as_i64(),
            _ => None,
        }
    }
}

/// Parses one value; `top` keeps the fields of an object (the event), otherwise an object
/// is only checked.
struct ValSeed {
    top: bool,
}

impl<'de> DeserializeSeed<'de> for ValSeed {
    type Value = Val<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValSeed {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Val<'de>, E> {
        Ok(Val::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Val<'de>, E> {
        Ok(Val::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Val<'de>, E> {
        // As serde_json::Value does: a non-finite float (not valid JSON anyway) is null.
        Ok(serde_json::Number::from_f64(n).map_or(Val::Null, Val::Number))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValSeed { top: false })? {
            items.push(item);
        }
        Ok(Val::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        if !self.top {
            while map.next_entry::<Skip, Skip>()?.is_some() {}
            return Ok(Val::Object(None));
        }
        let mut fields = Box::new(Fields::default());
        while let Some(key) = map.next_key::<Key>()? {
            match key.0 {
                // A repeated key keeps its last value, as serde_json's own map does.
                Some(i) => fields.0[i] = Some(map.next_value_seed(ValSeed { top: false })?),
                None => map.next_value::<Skip>().map(drop)?,
            }
        }
        Ok(Val::Object(Some(fields)))
    }
}

/// An object key: the index of a field the contracts read, or `None`.
struct Key(Option<usize>);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E>(self, s: &str) -> Result<Key, E> {
                Ok(Key(field_index(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Any JSON value, parsed in full (so numbers out of range and bad escapes are still
/// errors, as with `serde_json::Value`) and dropped.
struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// The fields of one event object that the contracts read (by [`FIELD_NAMES`] index),
/// with typed access producing field-naming rejections.
#[derive(Debug, Default)]
struct Fields<'a>([Option<Val<'a>>; FIELD_NAMES.len()]);

impl<'a> Fields<'a> {
    /// The value of a field; JSON `null` counts as absent.
    fn get(&self, name: &str) -> Option<&Val<'a>> {
        self.0[slot(name)]
            .as_ref()
            .filter(|v| !matches!(v, Val::Null))
    }

    /// Takes the value of a field out; JSON `null` counts as absent.
    fn take(&mut self, name: &str) -> Option<Val<'a>> {
        self.0[slot(name)]
            .take()
            .filter(|v| !matches!(v, Val::Null))
    }

    fn req_str(&self, name: &'static str) -> Result<&str, Rejection> {
        match self.get(name) {
            None => Err(missing(name, "a string")),
            Some(Val::Str(s)) => Ok(s),
            Some(v) => Err(wrong_type(name, "a string", v)),
        }
    }

    /// A required string, taken out of the fields.
    fn take_str(&mut self, name: &'static str) -> Result<Cow<'a, str>, Rejection> {
        match self.take(name) {
            None => Err(missing(name, "a string")),
            Some(Val::Str(s)) => Ok(s),
            Some(v) => Err(wrong_type(name, "a string", &v)),
        }
    }

    fn non_empty(&mut self, name: &'static str) -> Result<Cow<'a, str>, Rejection> {
        let s = self.take_str(name)?;
        if s.is_empty() {
            return Err(out_of_range(name, "a non-empty string", "\"\""));
        }
        Ok(s)
    }

    fn id(&mut self, name: &'static str) -> Result<Cow<'a, str>, Rejection> {
        let s = self.take_str(name)?;
        let n = char_count_if_over(&s, MAX_ID_CHARS);
        if n == 0 || n > MAX_ID_CHARS {
            return Err(out_of_range(
                name,
                &format!("a string of 1 to {MAX_ID_CHARS} characters"),
                &format!("{n} characters"),
            ));
        }
        Ok(s)
    }

    fn opt_str(&mut self, name: &'static str) -> Result<Option<Cow<'a, str>>, Rejection> {
        match self.take(name) {
            None => Ok(None),
            Some(Val::Str(s)) => Ok(Some(s)),
            Some(v) => Err(wrong_type(name, "a string or null", &v)),
        }
    }

    fn opt_bool(&self, name: &'static str) -> Result<Option<bool>, Rejection> {
        match self.get(name) {
            None => Ok(None),
            Some(Val::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(wrong_type(name, "true or false", v)),
        }
    }

    fn opt_str_array(
        &mut self,
        name: &'static str,
    ) -> Result<Option<Vec<Cow<'a, str>>>, Rejection> {
        match self.take(name) {
            None => Ok(None),
            Some(Val::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Val::Str(s) => Ok(s),
                    other => Err(wrong_type(name, "an array of strings", &other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => Err(wrong_type(name, "an array of strings", &v)),
        }
    }

    fn timestamp(&self, name: &'static str) -> Result<i64, Rejection> {
        const EXPECTED: &str = "RFC 3339 timestamp with offset";
        let s = match self.get(name) {
            None => return Err(missing(name, EXPECTED)),
            Some(Val::Str(s)) => s,
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

fn wrong_type(name: &'static str, expected: &str, got: &Val<'_>) -> Rejection {
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
fn describe(v: &Val<'_>) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => format!("boolean {b}"),
        Val::Number(n) => format!("number {n}"),
        Val::Str(s) => format!("string {}", quote(s)),
        Val::Array(a) => format!("an array of {} items", a.len()),
        Val::Object(_) => "an object".into(),
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

mod scan;
#[cfg(test)]
mod tests;

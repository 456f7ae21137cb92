//! Contract tests: every field rule, one test per rejection reason.

use super::*;
use rand::{Rng, SeedableRng, rngs::SmallRng};
use serde_json::{Value, json};

fn post() -> Value {
    json!({
        "schema": "post/v1", "post_id": "p1", "thread_id": "p1", "parent_id": null,
        "kind": "question", "author_id": "emp-1", "team": "Sales", "role": "associate",
        "site": "Lyon", "channel": "forum", "created_at": "2026-03-02T09:15:00+01:00",
        "title": "VPN?", "body": "How do I reset the VPN token?", "tags": ["vpn"],
        "accepted": false, "resource_ids": ["r1"]
    })
}

fn feedback() -> Value {
    json!({
        "schema": "feedback/v1", "event_id": "e1", "resource_id": "r1", "user_id": "emp-2",
        "type": "rating", "value": 4, "occurred_at": "2026-03-02T10:00:00Z"
    })
}

fn with(mut v: Value, field: &str, new: Value) -> Value {
    v.as_object_mut().expect("object").insert(field.into(), new);
    v
}

fn without(mut v: Value, field: &str) -> Value {
    v.as_object_mut().expect("object").remove(field);
    v
}

fn check(v: &Value) -> Result<Event<'static>, Rejection> {
    parse_event(v.to_string().as_bytes()).map(Event::into_owned)
}

fn rejected(v: &Value) -> Rejection {
    check(v).expect_err("should be rejected")
}

#[test]
fn valid_post_parses_with_utc_micros() {
    let Event::Post(p) = check(&post()).expect("valid") else {
        panic!("not a post")
    };
    assert_eq!(p.post_id, "p1");
    assert_eq!(p.kind, PostKind::Question);
    // 09:15 at +01:00 is 08:15 UTC.
    let utc = chrono::DateTime::parse_from_rfc3339("2026-03-02T08:15:00Z").unwrap();
    assert_eq!(p.created_at, utc.timestamp_micros());
    assert_eq!(p.tags, Some(vec![Cow::Borrowed("vpn")]));
    assert_eq!(p.parent_id, None);
}

#[test]
fn valid_feedback_parses() {
    let Event::Feedback(f) = check(&feedback()).expect("valid") else {
        panic!("not feedback")
    };
    assert_eq!(f.kind, FeedbackType::Rating);
    assert_eq!(f.value, Some(4));
}

#[test]
fn unknown_fields_are_ignored() {
    let v = with(post(), "shiny_new_field", json!({"nested": [1, 2]}));
    assert!(check(&v).is_ok());
    let v = with(feedback(), "x", json!(1));
    assert!(check(&v).is_ok());
}

#[test]
fn optional_fields_may_be_absent_or_null() {
    let mut v = post();
    for f in [
        "parent_id",
        "role",
        "site",
        "title",
        "tags",
        "accepted",
        "resource_ids",
    ] {
        v = without(v, f);
    }
    assert!(check(&v).is_ok());
    let v = with(post(), "role", Value::Null);
    assert!(check(&v).is_ok());
}

#[test]
fn every_required_post_field_is_named_when_missing() {
    for f in [
        "schema",
        "post_id",
        "thread_id",
        "kind",
        "author_id",
        "team",
        "channel",
        "created_at",
        "body",
    ] {
        let r = rejected(&without(post(), f));
        assert_eq!(r.code, ReasonCode::MissingField, "{f}");
        assert_eq!(r.field, Some(f));
        assert!(r.message.starts_with(&format!("{f}: ")), "{}", r.message);
        // A null required field counts as missing too.
        let r = rejected(&with(post(), f, Value::Null));
        assert_eq!(r.code, ReasonCode::MissingField, "{f} null");
    }
}

#[test]
fn every_required_feedback_field_is_named_when_missing() {
    for f in [
        "event_id",
        "resource_id",
        "user_id",
        "type",
        "occurred_at",
        "value",
    ] {
        let r = rejected(&without(feedback(), f));
        assert_eq!(r.code, ReasonCode::MissingField, "{f}");
        assert_eq!(r.field, Some(f));
    }
}

#[test]
fn wrong_types_name_the_field() {
    let cases = [
        ("post_id", json!(5)),
        ("parent_id", json!(7)),
        ("kind", json!(["question"])),
        ("author_id", json!({"id": 1})),
        ("created_at", json!(1700000000)),
        ("body", json!(true)),
        ("tags", json!("vpn")),
        ("tags", json!(["ok", 3])),
        ("accepted", json!("yes")),
        ("resource_ids", json!([null])),
        ("role", json!(1)),
    ];
    for (f, v) in cases {
        let r = rejected(&with(post(), f, v.clone()));
        assert_eq!(r.code, ReasonCode::WrongType, "{f} = {v}");
        assert_eq!(r.field, Some(f));
        assert!(r.message.contains("expected"), "{}", r.message);
    }
    let r = rejected(&with(feedback(), "value", json!("4")));
    assert_eq!((r.code, r.field), (ReasonCode::WrongType, Some("value")));
    let r = rejected(&with(feedback(), "value", json!(4.5)));
    assert_eq!((r.code, r.field), (ReasonCode::WrongType, Some("value")));
}

#[test]
fn out_of_range_values_name_the_field() {
    let long_id = "x".repeat(129);
    let cases = [
        ("post_id", json!("")),
        ("post_id", json!(long_id)),
        ("kind", json!("rant")),
        ("team", json!("")),
        ("body", json!("")),
        ("body", json!("é".repeat(100_001))),
        ("created_at", json!("yesterday")),
        ("created_at", json!("2026-03-02 09:15:00")),
        ("created_at", json!("2026-03-02T09:15:00")),
    ];
    for (f, v) in cases {
        let r = rejected(&with(post(), f, v.clone()));
        assert_eq!(r.code, ReasonCode::OutOfRange, "{f}");
        assert_eq!(r.field, Some(f));
    }
    for (f, v) in [
        ("value", json!(0)),
        ("value", json!(6)),
        ("value", json!(9)),
        ("type", json!("like")),
    ] {
        let r = rejected(&with(feedback(), f, v));
        assert_eq!((r.code, r.field), (ReasonCode::OutOfRange, Some(f)));
    }
}

#[test]
fn message_shows_what_was_given() {
    let r = rejected(&with(post(), "created_at", json!("yesterday")));
    assert_eq!(
        r.message,
        "created_at: expected RFC 3339 timestamp with offset, got \"yesterday\""
    );
}

#[test]
fn limits_are_inclusive() {
    assert!(check(&with(post(), "post_id", json!("x".repeat(128)))).is_ok());
    // Limits count characters, not bytes.
    assert!(check(&with(post(), "post_id", json!("é".repeat(128)))).is_ok());
    let r = rejected(&with(post(), "post_id", json!("é".repeat(129))));
    assert_eq!(r.code, ReasonCode::OutOfRange);
    assert!(r.message.contains("129 characters"), "{}", r.message);
    assert!(check(&with(post(), "body", json!("é".repeat(100_000)))).is_ok());
    assert!(check(&with(feedback(), "value", json!(1))).is_ok());
    assert!(check(&with(feedback(), "value", json!(5))).is_ok());
}

#[test]
fn comment_type_needs_a_comment() {
    let v = with(
        with(feedback(), "type", json!("comment")),
        "value",
        Value::Null,
    );
    let r = rejected(&v);
    assert_eq!(
        (r.code, r.field),
        (ReasonCode::MissingField, Some("comment"))
    );
    assert!(check(&with(v, "comment", json!("good"))).is_ok());
}

#[test]
fn view_needs_no_value() {
    let v = without(with(feedback(), "type", json!("view")), "value");
    assert!(check(&v).is_ok());
}

#[test]
fn reason_unknown_schema() {
    let r = rejected(&with(post(), "schema", json!("post/v2")));
    assert_eq!(r.code, ReasonCode::UnknownSchema);
    assert_eq!(
        r.message,
        "schema: expected \"post/v1\" or \"feedback/v1\", got \"post/v2\""
    );
}

#[test]
fn reason_not_json() {
    assert_eq!(
        parse_event(b"{\"schema\": \"post/v1\",").unwrap_err().code,
        ReasonCode::NotJson
    );
    assert_eq!(parse_event(b"").unwrap_err().code, ReasonCode::NotJson);
}

#[test]
fn not_json_message_does_not_quote_the_event() {
    // The raw event is quarantined with its ids redacted; the reason beside it must not
    // carry them unredacted (some JSON parsers quote the input around an error).
    let raw = br#"{"schema":"feedback/v1","user_id":"emp-secret-52" ,, "type":"view"}"#;
    let r = parse_event(raw).unwrap_err();
    assert_eq!(r.code, ReasonCode::NotJson);
    assert!(!r.message.contains("secret"), "{}", r.message);
    assert!(!r.message.contains('\n'), "{}", r.message);
}

#[test]
fn reason_not_object() {
    let r = parse_event(b"[1,2,3]").unwrap_err();
    assert_eq!(r.code, ReasonCode::NotObject);
    assert!(r.message.contains("array"));
}

#[test]
fn reason_not_utf8() {
    let r = parse_event(b"{\"schema\":\"post/v1\",\"body\":\"\xff\xfe\"}").unwrap_err();
    assert_eq!(r.code, ReasonCode::NotUtf8);
}

#[test]
fn reason_oversize() {
    let big = with(post(), "body", json!("a".repeat(MAX_EVENT_BYTES)));
    let r = rejected(&big);
    assert_eq!(r.code, ReasonCode::Oversize);
    assert!(r.message.contains("1 MiB"));
}

#[test]
fn reason_null_message() {
    assert_eq!(Rejection::null_message().code, ReasonCode::NullMessage);
}

/// The published JSON Schema files and the validator agree on what is required.
#[test]
fn json_schema_files_match_the_validator() {
    for (file, example) in [
        ("post.v1.schema.json", post()),
        ("feedback.v1.schema.json", feedback()),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas")
            .join(file);
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let properties = schema["properties"].as_object().unwrap();
        for (name, _) in properties {
            let r = check(&without(example.clone(), name));
            if required.contains(&name.as_str()) {
                let r = r.expect_err(name);
                assert_eq!(r.code, ReasonCode::MissingField, "{file}: {name}");
            } else if name != "value" {
                assert!(r.is_ok(), "{file}: {name} is optional in the schema: {r:?}");
            }
        }
        // Every field the example uses is described.
        for key in example.as_object().unwrap().keys() {
            assert!(
                properties.contains_key(key),
                "{file} does not describe {key}"
            );
        }
    }
}

#[test]
fn strings_borrow_from_the_event_unless_escaped() {
    let raw = br#"{"schema":"post/v1","post_id":"p1","thread_id":"p1","kind":"question","author_id":"emp-1","team":"Sales","channel":"forum","created_at":"2026-03-02T09:15:00Z","body":"line one\nline \"two\" caf\u00e9","tags":["a\/b","plain"]}"#;
    let Event::Post(p) = parse_event(raw).expect("valid") else {
        panic!("not a post")
    };
    // No escape: a slice of the raw event, copied once when ingest writes it.
    assert!(matches!(p.post_id, Cow::Borrowed("p1")));
    assert!(matches!(p.team, Cow::Borrowed("Sales")));
    // Escapes are decoded into an owned string.
    assert_eq!(p.body, "line one\nline \"two\" café");
    assert!(matches!(p.body, Cow::Owned(_)));
    let tags = p.tags.expect("tags");
    assert_eq!(tags, ["a/b", "plain"]);
    assert!(matches!(tags[1], Cow::Borrowed(_)));
    // Detached from the raw bytes, the same event.
    let owned = parse_event(raw).expect("valid").into_owned();
    assert_eq!(owned.id(), "p1");
}

#[test]
fn field_index_matches_the_field_names() {
    for (i, name) in FIELD_NAMES.iter().enumerate() {
        assert_eq!(field_index(name), Some(i), "{name}");
    }
    assert_eq!(field_index("shiny_new_field"), None);
    assert_eq!(field_index("Schema"), None);
}

/// Valid events of both contracts and odd corners of JSON, as text, for the scanner test.
fn scanner_seeds() -> Vec<String> {
    vec![
        post().to_string(),
        feedback().to_string(),
        serde_json::to_string_pretty(&post()).expect("json"),
        serde_json::to_string_pretty(&feedback()).expect("json"),
        r#"{"schema":"post/v1","body":"line \"two\" caf\u00e9","tags":["a\/b","plain"]}"#.into(),
        r#"{"schema":"feedback/v1","value":18446744073709551615,"x":{"a":[1,2]},"y":-1,"z":1.5e3}"#.into(),
        r#"{"tags":[[1],[],["a",null,true,false,0,10]],"tags":["last"],"value":9999999999999999999}"#.into(),
        "{\"body\":\"café 東京 😀\",\"accepted\":true,\"value\":0}".into(),
        " \t\r\n{ \"schema\" : \"post/v1\" , \"resource_ids\" : [ ] } \n".into(),
        "{}".into(),
        "[1,2]".into(),
    ]
}

/// Wherever the scanner answers, it gives the fields serde_json's path gives, byte for byte
/// in their Debug form; over the seeds and thousands of random edits of them (deleted,
/// inserted and replaced bytes, mostly JSON's own punctuation). And it does answer for the
/// plain events that make up nearly all traffic.
#[test]
fn scanner_gives_what_serde_gives_wherever_it_answers() {
    const ALPHABET: &[u8] = b"{}[]\":,\\ \t\n0123456789-+.eEnultrfsa\x01\x7f";
    let mut rng = SmallRng::seed_from_u64(1);
    let mut random = move |n: usize| rng.random_range(0..n);
    for plain in [post(), feedback()] {
        assert!(scan::fields(&plain.to_string()).is_some(), "{plain}");
    }
    let (mut answered, mut tried) = (0, 0);
    for seed in scanner_seeds() {
        for round in 0..4000 {
            let mut bytes = seed.clone().into_bytes();
            for _ in 0..(if round == 0 { 0 } else { 1 + random(3) }) {
                let at = random(bytes.len() + 1);
                let b = ALPHABET[random(ALPHABET.len())];
                match random(3) {
                    0 if at < bytes.len() => drop(bytes.remove(at)),
                    1 if at < bytes.len() => bytes[at] = b,
                    _ => bytes.insert(at, b),
                }
            }
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            tried += 1;
            let Some(fast) = scan::fields(text) else {
                continue;
            };
            answered += 1;
            let slow = fields_by_serde(text)
                .unwrap_or_else(|r| panic!("scanner accepted what serde rejects ({r}): {text}"));
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{text}");
        }
    }
    // Enough of the edits stay valid for the comparison to mean something.
    assert!(answered * 20 > tried, "answered {answered} of {tried}");
}

//! Decoding and validating event payloads into `BAD_PAYLOAD` issues.

use std::borrow::Cow;

use std::marker::PhantomData;

use serde::{
    Deserialize, Deserializer, Serialize,
    de::{DeserializeOwned, IgnoredAny, SeqAccess, Visitor},
};
use socketioxide_core::{
    Value as RawValue,
    parser::{Parse, is_de_tuple},
};
use socketioxide_parser_common::CommonParser;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::{Error, ErrorCode};

/// At most this many issues are reported for one payload.
pub const MAX_ISSUES: usize = 20;

/// One problem in a payload: where, what kind, and a message. Never the
/// submitted value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayloadIssue {
    /// Where: `text`, `items[2].name`, or `""` for the payload itself.
    pub path: String,
    /// A machine-readable kind: `missing_field`, `invalid_type`, `length`, `range`, ...
    pub code: Cow<'static, str>,
    /// A message for people.
    pub message: Cow<'static, str>,
}

/// Why a payload was refused: its issues, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayloadError {
    /// The first [`MAX_ISSUES`] issues, sorted by path.
    pub issues: Vec<PayloadIssue>,
    /// Whether more issues were found than are listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl PayloadError {
    fn new(mut issues: Vec<PayloadIssue>) -> Self {
        issues.sort_by(|a, b| path_order(&a.path, &b.path).then_with(|| a.code.cmp(&b.code)));
        let truncated = issues.len() > MAX_ISSUES;
        issues.truncate(MAX_ISSUES);
        PayloadError { issues, truncated }
    }

    fn single(path: String, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(vec![PayloadIssue {
            path,
            code: Cow::Borrowed(code),
            message: message.into(),
        }])
    }
}

impl From<PayloadError> for Error {
    fn from(error: PayloadError) -> Self {
        Error::code(ErrorCode::BadPayload, "the payload is invalid").with_details(error)
    }
}

/// Decodes the event's first argument as `T` with serde alone. An event
/// sent without an argument, or with `null`, decodes as `{}` when `T`
/// cannot be decoded from that, so a schema whose fields all have defaults
/// accepts `socket.emit("increment")`.
pub fn decode_plain<T: DeserializeOwned>(raw: &mut RawValue) -> Result<T, PayloadError> {
    let decoded = match raw {
        // A text packet: read straight from its JSON.
        RawValue::Str(text, None) if !is_de_tuple::<T>() => match first_argument::<T>(text) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(()),
            Err(_) => Err(()),
        },
        // Binary attachments, or a tuple spread over the arguments: the
        // parser's own decoding knows them.
        _ => CommonParser.decode_value::<T>(raw, true).map_err(|_| ()),
    };
    match decoded {
        Ok(value) => Ok(value),
        Err(()) if has_no_payload(raw) => {
            serde_json::from_str("{}").map_err(|_| explain_decode_failure::<T>(raw))
        }
        Err(()) => Err(explain_decode_failure::<T>(raw)),
    }
}

/// The second item of `["event", payload, ...]` as `T`, `None` when there is
/// none. The socket.io parser's own path builds an error on every call, even
/// a successful one; this one builds none.
fn first_argument<T: DeserializeOwned>(text: &str) -> serde_json::Result<Option<T>> {
    struct FirstArgument<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for FirstArgument<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an event: [name, payload, ...]")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
            seq.next_element::<IgnoredAny>()?;
            let payload = seq.next_element::<T>()?;
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(payload)
        }
    }

    let mut de = serde_json::Deserializer::from_str(text);
    let payload = de.deserialize_seq(FirstArgument(PhantomData))?;
    de.end()?;
    Ok(payload)
}

/// Whether the packet is `["event"]` or `["event", null]`.
fn has_no_payload(raw: &RawValue) -> bool {
    raw.as_str()
        .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(text).ok())
        .is_some_and(|items| items.len() == 1 || (items.len() == 2 && items[1].is_null()))
}

/// Decodes the event's first argument as `T`, then runs its validator rules.
pub fn decode_validated<T: DeserializeOwned + Validate>(
    raw: &mut RawValue,
) -> Result<T, PayloadError> {
    let value = decode_plain::<T>(raw)?;
    match value.validate() {
        Ok(()) => Ok(value),
        Err(errors) => {
            let mut issues = Vec::new();
            collect_validation_issues(&errors, String::new(), &mut issues);
            Err(PayloadError::new(issues))
        }
    }
}

/// The slow path, taken only on failure: decode to JSON, then to `T` while
/// tracking the path, to say where the payload went wrong.
fn explain_decode_failure<T: DeserializeOwned>(raw: &mut RawValue) -> PayloadError {
    let json = match CommonParser.decode_value::<serde_json::Value>(raw, true) {
        Ok(json) => json,
        Err(_) => {
            return PayloadError::single(
                String::new(),
                "invalid_json",
                "the payload is not valid JSON",
            );
        }
    };
    match serde_path_to_error::deserialize::<_, T>(json) {
        Ok(_) => PayloadError::single(String::new(), "invalid", "the payload could not be decoded"),
        Err(err) => {
            let path = match err.path().to_string() {
                p if p == "." => String::new(),
                p => p,
            };
            let (code, message) = describe_serde_error(&err.into_inner().to_string());
            PayloadError::single(path, code, message)
        }
    }
}

/// Orders paths as people read them: `tags[2]` before `tags[10]` (list
/// indexes compare as numbers).
fn path_order(a: &str, b: &str) -> std::cmp::Ordering {
    let digits = |text: &[u8]| text.iter().take_while(|c| c.is_ascii_digit()).count();
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        let (na, nb) = (digits(a), digits(b));
        if na > 0 && nb > 0 {
            let order = na.cmp(&nb).then_with(|| a[..na].cmp(&b[..nb]));
            if order.is_ne() {
                return order;
            }
            (a, b) = (&a[na..], &b[nb..]);
            continue;
        }
        match (a.split_first(), b.split_first()) {
            (Some((x, rest_a)), Some((y, rest_b))) if x == y => (a, b) = (rest_a, rest_b),
            _ => return a.cmp(b),
        }
    }
}

/// Turns serde's message into a code and a message that never repeats the
/// submitted value. serde writes `<what was found>, expected <what the
/// schema wants>`, and what was found quotes the value (`invalid type:
/// string "x"`), which may itself hold `, expected `: only the text after
/// the last one comes from the schema.
fn describe_serde_error(message: &str) -> (&'static str, Cow<'static, str>) {
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, expected)| format!("expected {expected}"));
    let code = if message.starts_with("invalid type") {
        "invalid_type"
    } else if message.starts_with("invalid value") {
        "invalid_value"
    } else if message.starts_with("invalid length") {
        "invalid_length"
    } else if message.starts_with("unknown variant") {
        "unknown_variant"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("missing field") {
        return ("missing_field", Cow::Owned(message.to_owned()));
    } else if message.starts_with("duplicate field") {
        return ("duplicate_field", Cow::Owned(message.to_owned()));
    } else {
        "invalid"
    };
    let message = match expected {
        Some(expected) => Cow::Owned(expected),
        None => Cow::Borrowed("invalid value"),
    };
    (code, message)
}

fn collect_validation_issues(
    errors: &ValidationErrors,
    prefix: String,
    out: &mut Vec<PayloadIssue>,
) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    out.push(PayloadIssue {
                        path: path.clone(),
                        code: error.code.clone(),
                        message: error
                            .message
                            .clone()
                            .unwrap_or_else(|| Cow::Owned(default_message(error))),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_issues(inner, path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_issues(inner, format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// A message from the rule's code and bounds. The `value` parameter, which
/// holds what the client sent, is never read.
fn default_message(error: &validator::ValidationError) -> String {
    let bound = |name: &str| error.params.get(name).map(|v| v.to_string());
    match (
        error.code.as_ref(),
        bound("min"),
        bound("max"),
        bound("equal"),
    ) {
        ("length", _, _, Some(equal)) => format!("length must be {equal}"),
        ("length", Some(min), Some(max), _) => format!("length must be between {min} and {max}"),
        ("length", Some(min), None, _) => format!("length must be at least {min}"),
        ("length", None, Some(max), _) => format!("length must be at most {max}"),
        ("range", Some(min), Some(max), _) => format!("must be between {min} and {max}"),
        ("range", Some(min), None, _) => format!("must be at least {min}"),
        ("range", None, Some(max), _) => format!("must be at most {max}"),
        ("email", ..) => "must be an email address".into(),
        ("url", ..) => "must be a URL".into(),
        ("required", ..) => "is required".into(),
        (code, ..) => format!("fails the `{code}` rule"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn raw(json: &str) -> RawValue {
        RawValue::Str(json.to_owned().into(), None)
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Message {
        #[validate(length(min = 1, max = 5))]
        text: String,
        #[validate(range(min = 1, max = 10))]
        by: u32,
    }

    #[derive(Debug, Deserialize)]
    struct Step {
        #[serde(default)]
        by: u32,
    }

    #[test]
    fn a_missing_payload_decodes_as_an_empty_object() {
        let step: Step = decode_plain(&mut raw(r#"["increment"]"#)).unwrap();
        assert_eq!(step.by, 0);
        let step: Step = decode_plain(&mut raw(r#"["increment",null]"#)).unwrap();
        assert_eq!(step.by, 0);
        assert!(decode_plain::<Message>(&mut raw(r#"["m"]"#)).is_err());
        assert!(decode_plain::<Step>(&mut raw(r#"["increment", 5]"#)).is_err());
    }

    #[test]
    fn the_first_argument_alone_is_read() {
        let value: serde_json::Value =
            decode_plain(&mut raw(r#"["m",{"a":[1,2]},"extra",3]"#)).unwrap();
        assert_eq!(value, serde_json::json!({ "a": [1, 2] }));
        let step: Step = decode_plain(&mut raw(r#"["increment",{"by":4}]"#)).unwrap();
        assert_eq!(step.by, 4);
        assert!(decode_plain::<Step>(&mut raw(r#"["m",{"by":1}] trailing"#)).is_err());
        assert!(decode_plain::<Step>(&mut raw(r#"["m",{"by":"x"}]"#)).is_err());
    }

    #[test]
    fn valid_payloads_decode() {
        let m: Message = decode_validated(&mut raw(r#"["m",{"text":"hi","by":3}]"#)).unwrap();
        assert_eq!((m.text.as_str(), m.by), ("hi", 3));
    }

    #[test]
    fn type_errors_name_the_path_without_the_value() {
        let err = decode_validated::<Message>(&mut raw(r#"["m",{"text":"hi","by":"secret"}]"#))
            .unwrap_err();
        assert_eq!(err.issues.len(), 1);
        assert_eq!(err.issues[0].path, "by");
        assert_eq!(err.issues[0].code, "invalid_type");
        assert!(!err.issues[0].message.contains("secret"));
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Tagged {
        #[validate(nested)]
        tags: Vec<Tag>,
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Tag {
        #[validate(length(min = 1))]
        label: String,
    }

    #[test]
    fn quoted_values_never_leak_through_the_expected_part() {
        let err = decode_validated::<Message>(&mut raw(
            r#"["m",{"text":"hi","by":"x, expected SECRET"}]"#,
        ))
        .unwrap_err();
        assert_eq!(err.issues[0].message, "expected u32");
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Color {
            Red,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Paint {
            color: Color,
        }
        let err =
            decode_plain::<Paint>(&mut raw(r#"["m",{"color":"SECRET, expected x"}]"#)).unwrap_err();
        assert_eq!(err.issues[0].code, "unknown_variant");
        assert!(!err.issues[0].message.contains("SECRET"), "{err:?}");
    }

    #[test]
    fn list_items_sort_by_index_and_issues_are_capped() {
        let tags: Vec<String> = (0..30).map(|_| r#"{"label":""}"#.to_owned()).collect();
        let payload = format!(r#"["m",{{"tags":[{}]}}]"#, tags.join(","));
        let err = decode_validated::<Tagged>(&mut raw(&payload)).unwrap_err();
        assert_eq!(err.issues.len(), MAX_ISSUES);
        assert!(err.truncated);
        let paths: Vec<_> = err.issues.iter().map(|i| i.path.as_str()).collect();
        let expected: Vec<String> = (0..MAX_ISSUES)
            .map(|i| format!("tags[{i}].label"))
            .collect();
        assert_eq!(paths, expected);
        assert_eq!(
            path_order("tags[2].label", "tags[10].label"),
            std::cmp::Ordering::Less
        );
        assert_eq!(path_order("a", "a.b"), std::cmp::Ordering::Less);
        assert_eq!(path_order("by", "name"), std::cmp::Ordering::Less);
    }

    #[test]
    fn rule_failures_are_sorted_and_hide_values() {
        let err = decode_validated::<Message>(&mut raw(r#"["m",{"text":"toolongvalue","by":99}]"#))
            .unwrap_err();
        let paths: Vec<_> = err.issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["by", "text"]);
        assert_eq!(err.issues[1].message, "length must be between 1 and 5");
        assert!(
            err.issues
                .iter()
                .all(|i| !i.message.contains("toolongvalue"))
        );
    }
}

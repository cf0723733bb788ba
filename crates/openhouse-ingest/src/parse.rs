//! Parsing and validating one record: the per-record hot path. Allocates nothing once its
//! buffers have grown to the largest record.

use std::borrow::Cow;

use crate::flat::scan_flat_object;
#[cfg(test)]
use crate::flat::{PLAIN_MAX_BLOCKS, scan_by_cursor, scan_plain_object};
#[cfg(test)]
use crate::mask::BLOCK;
use openhouse_model::{
    Field, JsonType, OpenHouseFields, Position, Problem, Problems, RawRecord, RawValue, validate,
};
use simd_json::{Buffers, INPUT_PADDING, Node, StaticNode, Tape, fill_tape_padded};

/// What one record turned out to be.
pub(crate) enum Outcome<'a> {
    Valid(OpenHouseFields<'a>),
    /// Well-formed JSON that breaks at least one rule.
    Invalid(Problems),
    /// Not well-formed JSON: a rejection in NDJSON, fatal in an array.
    Malformed(Malformation),
}

/// Where and why a record is not well-formed JSON, relative to the record's first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformation {
    pub offset: usize,
    pub message: String,
}

/// The buffers one worker reuses from record to record.
pub(crate) struct Parser {
    /// A padded copy of the record: simd-json unescapes strings in place, and the original
    /// bytes must survive for the rejects file.
    scratch: Vec<u8>,
    buffers: Buffers,
    nodes: Vec<Node<'static>>,
}

impl Parser {
    pub(crate) fn new() -> Parser {
        Parser {
            scratch: Vec::with_capacity(4096),
            buffers: Buffers::new(4096),
            nodes: Vec::with_capacity(64),
        }
    }

    /// Parses and validates `text`, and hands the outcome, which borrows from this parser,
    /// to `then`.
    pub(crate) fn parse<R>(
        &mut self,
        text: &[u8],
        position: Position,
        then: impl FnOnce(Outcome<'_>) -> R,
    ) -> R {
        let mut raw = RawRecord::default();
        if scan_flat_object(text, &mut raw) {
            then(judge(&raw, position))
        } else {
            self.parse_with_simd_json(text, position, then)
        }
    }

    /// [`Parser::parse`] for any record: simd-json on a padded copy.
    fn parse_with_simd_json<R>(
        &mut self,
        text: &[u8],
        position: Position,
        then: impl FnOnce(Outcome<'_>) -> R,
    ) -> R {
        let mut nodes = std::mem::take(&mut self.nodes);
        let mut source = Cow::Borrowed(text);
        loop {
            copy_padded(&mut self.scratch, &source);
            let mut tape = Tape(nodes).reset();
            match fill_tape_padded(&mut self.scratch, text.len(), &mut self.buffers, &mut tape) {
                Ok(()) => {
                    let result = then(classify(&tape, position));
                    self.nodes = tape.reset().0;
                    return result;
                }
                Err(error) => {
                    nodes = tape.reset().0;
                    // A number simd-json cannot hold (`1e400`) is still well-formed JSON, and
                    // the rules never read a number's value: parse again with every
                    // well-formed number spelled `0`.
                    if let (Cow::Borrowed(_), true) = (&source, is_number_error(&error))
                        && let Some(neutral) = neutralize_numbers(text)
                    {
                        source = Cow::Owned(neutral);
                        continue;
                    }
                    self.nodes = nodes;
                    return then(Outcome::Malformed(Malformation {
                        offset: error.index().min(text.len()),
                        message: error.to_string(),
                    }));
                }
            }
        }
    }
}

fn copy_padded(scratch: &mut Vec<u8>, text: &[u8]) {
    scratch.clear();
    scratch.extend_from_slice(text);
    scratch.resize(text.len() + INPUT_PADDING, b' ');
}

fn is_number_error(error: &simd_json::Error) -> bool {
    matches!(
        error.error(),
        simd_json::ErrorType::InvalidNumber | simd_json::ErrorType::InvalidExponent
    )
}

/// The record's top-level value: an object read into a raw record and validated, or the type
/// of what stood in its place.
fn classify<'a>(tape: &Tape<'a>, position: Position) -> Outcome<'a> {
    let nodes = &tape.0;
    let Some(&Node::Object { len, .. }) = nodes.first() else {
        let found = nodes.first().map_or(JsonType::Null, json_type);
        return Outcome::Invalid(Problems::one(Problem::not_an_object(found)));
    };
    let mut raw = RawRecord::default();
    let mut at = 1;
    for _ in 0..len {
        let (Some(Node::String(key)), Some(value)) = (nodes.get(at), nodes.get(at + 1)) else {
            break;
        };
        if let Some(field) = Field::from_name(key) {
            raw.set(field, raw_value(value));
        }
        at = next_sibling(nodes, at + 1);
    }
    judge(&raw, position)
}

fn judge<'a>(raw: &RawRecord<'a>, position: Position) -> Outcome<'a> {
    match validate(raw, position) {
        Ok(fields) => Outcome::Valid(fields),
        Err(problems) => Outcome::Invalid(problems),
    }
}

/// The index of the node after the value at `at`, skipping a container's contents.
fn next_sibling(nodes: &[Node<'_>], at: usize) -> usize {
    match nodes.get(at) {
        Some(Node::Object { count, .. } | Node::Array { count, .. }) => at + 1 + count,
        _ => at + 1,
    }
}

fn raw_value<'a>(node: &Node<'a>) -> RawValue<'a> {
    match *node {
        Node::String(text) => RawValue::Str(text),
        Node::Static(StaticNode::Null) => RawValue::Null,
        ref other => RawValue::Other(json_type(other)),
    }
}

fn json_type(node: &Node<'_>) -> JsonType {
    match node {
        Node::String(_) => JsonType::String,
        Node::Object { .. } => JsonType::Object,
        Node::Array { .. } => JsonType::Array,
        Node::Static(StaticNode::Null) => JsonType::Null,
        Node::Static(StaticNode::Bool(_)) => JsonType::Bool,
        Node::Static(_) => JsonType::Number,
    }
}

/// `text` with every well-formed JSON number outside strings (RFC 8259's grammar) replaced
/// by `0` and spaces, keeping every offset; `None` when it has no such number. Malformed
/// numbers are left as they are, so that the parse still fails on them.
fn neutralize_numbers(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = text.to_vec();
    let mut changed = false;
    let mut at = 0;
    let mut in_string = false;
    while at < out.len() {
        let byte = out[at];
        if in_string {
            match byte {
                b'\\' => at += 1,
                b'"' => in_string = false,
                _ => {}
            }
            at += 1;
        } else if byte == b'"' {
            in_string = true;
            at += 1;
        } else if byte == b'-' || byte.is_ascii_digit() {
            let (length, is_number) = number_token(&out[at..]);
            if is_number {
                out[at] = b'0';
                out[at + 1..at + length].fill(b' ');
                changed = true;
            }
            at += length;
        } else {
            at += 1;
        }
    }
    changed.then_some(out)
}

/// The length of the run of number characters (digits and `-+.eE`) that `bytes` starts
/// with, and whether that run is a JSON number.
pub(crate) fn number_token(bytes: &[u8]) -> (usize, bool) {
    let length = bytes
        .iter()
        .take_while(|&&b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        .count();
    (length, is_json_number(&bytes[..length]))
}

/// RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(token: &[u8]) -> bool {
    let digits = |bytes: &[u8]| bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut at = usize::from(token.first() == Some(&b'-'));
    match token.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(&token[at..]),
        _ => return false,
    }
    if token.get(at) == Some(&b'.') {
        let fraction = digits(&token[at + 1..]);
        if fraction == 0 {
            return false;
        }
        at += 1 + fraction;
    }
    if matches!(token.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(token.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(&token[at..]);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == token.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::Reason;
    use proptest::prelude::*;

    fn outcome(text: &str) -> String {
        Parser::new().parse(
            text.as_bytes(),
            Position::default(),
            |outcome| match outcome {
                Outcome::Valid(fields) => format!("valid {}", fields.key),
                Outcome::Invalid(problems) => problems
                    .iter()
                    .map(|p| format!("{}:{}", p.field.map_or("record", |f| f.name()), p.reason))
                    .collect::<Vec<_>>()
                    .join(","),
                Outcome::Malformed(malformation) => format!("malformed@{}", malformation.offset),
            },
        )
    }

    const VALID: &str = r#"{"OpenHouseKey":"A","OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z","Extra":{"nested":[1,{"OpenHouseKey":2}]}}"#;

    #[test]
    fn a_valid_record_skips_what_it_does_not_know() {
        assert_eq!(outcome(VALID), "valid A");
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let text = VALID.replace(r#""A""#, r#""OH-\u0031\"""#);
        assert_eq!(outcome(&text), "valid OH-1\"");
    }

    #[test]
    fn valid_json_of_the_wrong_type_is_a_field_problem() {
        let huge = VALID.replace(r#""A""#, "123456789012345678901234567890");
        assert_eq!(outcome(&huge), "OpenHouseKey:not_a_string");
    }

    #[test]
    fn numbers_beyond_a_double_are_well_formed_json() {
        let ignored = VALID.replace(r#""Extra":"#, r#""Price":1e400,"Extra":"#);
        assert_eq!(outcome(&ignored), "valid A");
        let listed = VALID.replace(r#""A""#, "-1E+400");
        assert_eq!(outcome(&listed), "OpenHouseKey:not_a_string");
    }

    #[test]
    fn repeated_keys_are_recorded() {
        let text = VALID.replace(
            r#""OpenHouseKey":"A","#,
            r#""OpenHouseKey":"A","OpenHouseKey":"B","#,
        );
        assert_eq!(outcome(&text), "OpenHouseKey:repeated_field");
    }

    #[test]
    fn non_objects_say_what_they_are() {
        for (text, found) in [
            ("[1,{}]", JsonType::Array),
            ("\"x\"", JsonType::String),
            ("null", JsonType::Null),
            ("1.5", JsonType::Number),
            ("true", JsonType::Bool),
        ] {
            Parser::new().parse(
                text.as_bytes(),
                Position::default(),
                |outcome| match outcome {
                    Outcome::Invalid(problems) => {
                        assert_eq!(problems.to_vec(), [Problem::not_an_object(found)], "{text}");
                        assert_eq!(problems[0].reason, Reason::NotAnObject);
                    }
                    _ => panic!("{text}"),
                },
            );
        }
    }

    #[test]
    fn text_that_is_not_json_is_malformed() {
        for text in [
            r#"{"Zipcode": "\ud800"}"#,
            r#"{"Zipcode": 01}"#,
            r#"{"Zipcode": 1.}"#,
            r#"{"Zipcode": 1e}"#,
            r#"{"Zipcode": 1e400.5}"#,
            r#"{"Zipcode": NaN}"#,
            "{\"Zipcode\": \"a\tb\"}",
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"a":1}{"b":2}"#,
            "",
        ] {
            assert!(
                outcome(text).starts_with("malformed@"),
                "{text}: {}",
                outcome(text)
            );
        }
        let invalid_utf8 = b"{\"Zipcode\": \"\xff\"}";
        Parser::new().parse(invalid_utf8, Position::default(), |outcome| {
            assert!(matches!(outcome, Outcome::Malformed(_)));
        });
    }

    #[test]
    fn json_numbers_follow_the_rfc() {
        for good in ["0", "-0", "1e400", "-12.5E-7", "10", "0.0e+0"] {
            assert!(is_json_number(good.as_bytes()), "{good}");
        }
        for bad in [
            "01", "1.", ".5", "+1", "1e", "-", "1e+", "1.e5", "--1", "1-2",
        ] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
    }

    /// What `parse` made of `text`, spelled out completely.
    fn verdict(
        parse: impl FnOnce(&[u8], Position, &mut dyn FnMut(Outcome<'_>) -> String) -> String,
        text: &[u8],
    ) -> String {
        parse(text, Position::default(), &mut |outcome| match outcome {
            Outcome::Valid(fields) => format!("valid {fields:?}"),
            Outcome::Invalid(problems) => format!("invalid {:?}", problems.to_vec()),
            Outcome::Malformed(malformation) => format!("malformed {malformation:?}"),
        })
    }

    fn fast_and_simd_json_verdicts(text: &[u8]) -> (String, String) {
        let fast = verdict(|text, at, then| Parser::new().parse(text, at, then), text);
        let simd_json = verdict(
            |text, at, then| Parser::new().parse_with_simd_json(text, at, then),
            text,
        );
        (fast, simd_json)
    }

    /// Pieces the fast path reads, and with `odd` now and then (one in five) pieces it must
    /// leave to simd-json.
    fn pieces(
        flat: Vec<&'static str>,
        odd: Vec<&'static str>,
        with_odd: bool,
    ) -> BoxedStrategy<&'static str> {
        if with_odd {
            prop_oneof![4 => prop::sample::select(flat), 1 => prop::sample::select(odd)].boxed()
        } else {
            prop::sample::select(flat).boxed()
        }
    }

    /// JSON objects of the feed's fields and others; with `odd`, pieces the fast path leaves
    /// to simd-json and one mutated byte in half the texts.
    fn json_text(odd: bool) -> impl Strategy<Value = Vec<u8>> {
        let mut flat_names: Vec<&str> = Field::ALL.iter().map(|field| field.name()).collect();
        flat_names.extend(["Extra", "", "Zip\u{e9}"]);
        let names = pieces(flat_names, vec!["Open\\u0048ouseKey"], odd);
        let values = pieces(
            vec![
                "\"9f86d081884c7d659a2feaa0c55ad015\"",
                "\"2024-05-04\"",
                "\"2024-05-04T17:00:00.000Z\"",
                "\"2024-05-04T17:00:00+01:00\"",
                "\"20:00\"",
                "\"\"",
                "\"CA\"",
                "\"94521-3711\"",
                "\"caf\u{e9}\"",
                "\"\u{7f}\"",
                "null",
                "true",
                "false",
                "0",
                "-12.5e+3",
                "1e400",
                "123456789012345678901234567890",
                "-0.5e-999",
            ],
            vec![
                "\"a\\\"b\"",
                "\"\\u0041\"",
                "\"tab\there\"",
                "nul",
                "nullx",
                "01",
                "1.",
                "{}",
                "[1,{\"OpenHouseKey\":2}]",
            ],
            odd,
        );
        // JSON's four whitespace bytes, and two that simd-json refuses.
        let spaces = pieces(
            vec!["", " ", "\n  ", "\r\n", "\t"],
            vec!["\u{b}", "\u{a0}"],
            odd,
        );
        let member = (
            spaces.clone(),
            names,
            spaces.clone(),
            values,
            spaces.clone(),
        );
        let mutation = if odd {
            prop::option::of((any::<prop::sample::Index>(), any::<u8>(), 0..3u8)).boxed()
        } else {
            Just(None).boxed()
        };
        (prop::collection::vec(member, 0..11), spaces, mutation).prop_map(
            |(members, tail, mutation)| {
                let body: Vec<String> = members
                    .into_iter()
                    .map(|(a, name, b, value, c)| format!("{a}\"{name}\"{b}:{c}{value}"))
                    .collect();
                let mut text = format!("{{{}}}{tail}", body.join(",")).into_bytes();
                if let Some((at, byte, kind)) = mutation {
                    let at = at.index(text.len() + 1);
                    match kind {
                        0 => text.insert(at, byte),
                        1 if at < text.len() => text[at] = byte,
                        _ => text.truncate(at),
                    }
                }
                text
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The flat-object fast path decides exactly as simd-json does, whatever the text.
        #[test]
        fn the_flat_fast_path_equals_simd_json(text in json_text(true)) {
            let (fast, simd_json) = fast_and_simd_json_verdicts(&text);
            proptest::prop_assert_eq!(fast, simd_json);
        }

        /// A flat object of plain pieces takes the fast path, with simd-json's verdict.
        #[test]
        fn flat_objects_take_the_fast_path(text in json_text(false)) {
            proptest::prop_assert!(read(scan_flat_object, &text).is_some());
            let (fast, simd_json) = fast_and_simd_json_verdicts(&text);
            proptest::prop_assert_eq!(fast, simd_json);
        }

        /// The reading by masks reads a record as the cursor does, whenever it reads it at
        /// all; and it reads every ASCII flat object of plain pieces short enough for it.
        #[test]
        fn the_plain_reading_equals_the_cursor_reading(text in json_text(true), plain in json_text(false)) {
            if let Some(raw) = read(scan_plain_object, &text) {
                proptest::prop_assert_eq!(Some(raw), read(scan_by_cursor, &text));
            }
            if plain.is_ascii() && plain.len() <= PLAIN_MAX_BLOCKS * BLOCK {
                proptest::prop_assert_eq!(read(scan_plain_object, &plain), read(scan_by_cursor, &plain));
                proptest::prop_assert!(read(scan_plain_object, &plain).is_some());
            }
        }
    }

    #[test]
    fn the_fast_path_takes_flat_records_and_leaves_the_rest() {
        assert!(
            read(scan_flat_object, VALID.as_bytes()).is_none(),
            "nested values"
        );
        let flat = VALID.replace(r#","Extra":{"nested":[1,{"OpenHouseKey":2}]}"#, "");
        assert!(read(scan_flat_object, flat.as_bytes()).is_some());
        let escaped = flat.replace(r#""A""#, r#""\u0041""#);
        assert!(read(scan_flat_object, escaped.as_bytes()).is_none());
    }

    /// The record a scanner reads from `text`, if it reads one; from a record that held
    /// another's fields, so that a scanner that fails to reset it is caught.
    fn read<'a>(
        scan: impl FnOnce(&'a [u8], &mut RawRecord<'a>) -> bool,
        text: &'a [u8],
    ) -> Option<RawRecord<'a>> {
        let mut raw = RawRecord::from_fields([(Field::State, RawValue::Str("stale"))]);
        scan(text, &mut raw).then_some(raw)
    }
}

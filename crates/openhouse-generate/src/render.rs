//! One record as JSON text: an object's fields in order, or other text in its place.

/// A JSON value as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Null,
    /// Written as is: a number, `true`, an object.
    Raw(String),
}

/// One record of the feed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub fields: Vec<(&'static str, Value)>,
    /// Text that replaces the whole object (a record that is not an object).
    pub replacement: Option<String>,
}

impl Event {
    pub(crate) fn set(&mut self, name: &'static str, value: Value) {
        match self.fields.iter_mut().find(|(field, _)| *field == name) {
            Some((_, slot)) => *slot = value,
            None => self.fields.push((name, value)),
        }
    }

    pub(crate) fn remove(&mut self, name: &str) {
        self.fields.retain(|(field, _)| *field != name);
    }

    /// The text of a string field, if the field is a string.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.fields.iter().find_map(|(field, value)| match value {
            Value::Str(text) if *field == name => Some(text.as_str()),
            _ => None,
        })
    }

    /// The record on one line.
    pub(crate) fn compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    /// Appends the record on one line, as NDJSON has it.
    pub(crate) fn write_compact(&self, out: &mut String) {
        if let Some(text) = &self.replacement {
            out.push_str(text);
            return;
        }
        out.push('{');
        for (index, (name, value)) in self.fields.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            push_string(out, name);
            out.push(':');
            value.write(out);
        }
        out.push('}');
    }

    /// Appends the record as an element of a pretty-printed array: one field a line.
    pub(crate) fn write_pretty(&self, out: &mut String) {
        out.push_str("  ");
        if let Some(text) = &self.replacement {
            out.push_str(text);
            return;
        }
        out.push_str("{\n");
        for (index, (name, value)) in self.fields.iter().enumerate() {
            if index > 0 {
                out.push_str(",\n");
            }
            out.push_str("    ");
            push_string(out, name);
            out.push_str(": ");
            value.write(out);
        }
        out.push_str("\n  }");
    }
}

impl Value {
    fn write(&self, out: &mut String) {
        match self {
            Value::Str(text) => push_string(out, text),
            Value::Null => out.push_str("null"),
            Value::Raw(text) => out.push_str(text),
        }
    }
}

fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

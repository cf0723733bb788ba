//! Paths shown to a person: control characters and invalid UTF-8 escaped, so that a file
//! name cannot rewrite the terminal it is printed on.

use std::fmt;
use std::path::Path;

/// A path displayed with every control character (C0, DEL, C1) and every bidirectional
/// formatting character escaped as Rust writes them (`\n`, `\t`, `\u{1b}`, `\u{202e}`), and
/// every byte that is not UTF-8 as `\xNN`. Everything else is shown as it is, so an
/// ordinary path reads unchanged.
///
/// A backslash is not escaped: a name that literally contains the text `\u{1b}` looks like
/// one that contains the escape character. The display is for people; the file system
/// keeps the exact bytes.
///
/// ```
/// use std::path::Path;
/// use openhouse::publish::EscapedPath;
///
/// let path = Path::new("out/\u{1b}[31mred.json");
/// assert_eq!(EscapedPath::new(path).to_string(), r"out/\u{1b}[31mred.json");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EscapedPath<'a> {
    path: &'a Path,
}

impl<'a> EscapedPath<'a> {
    /// Wraps `path` for display.
    pub fn new(path: &'a Path) -> Self {
        EscapedPath { path }
    }
}

impl fmt::Display for EscapedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.path.as_os_str().as_encoded_bytes().utf8_chunks() {
            for c in chunk.valid().chars() {
                if needs_escape(c) {
                    write!(f, "{}", c.escape_default())?;
                } else {
                    write!(f, "{c}")?;
                }
            }
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

/// Characters that change what a terminal shows instead of showing themselves.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    fn shown(bytes: &[u8]) -> String {
        EscapedPath::new(Path::new(OsStr::from_bytes(bytes))).to_string()
    }

    #[test]
    fn an_ordinary_path_is_shown_unchanged() {
        assert_eq!(shown("out/café 1.json".as_bytes()), "out/café 1.json");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(shown(b"a\x1b[2Jb\nc\td\x7f"), r"a\u{1b}[2Jb\nc\td\u{7f}");
    }

    #[test]
    fn bidirectional_overrides_are_escaped() {
        assert_eq!(shown("x\u{202e}nosj.exe".as_bytes()), r"x\u{202e}nosj.exe");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_as_hex() {
        assert_eq!(shown(b"bad\xff\xfe.json"), r"bad\xff\xfe.json");
    }
}

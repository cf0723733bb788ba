//! Hover text for the data marks of a plotters SVG chart.
//!
//! plotters' SVG backend writes one element per drawing call and nothing for tooltips. Each
//! chart here draws its data marks (one bar or point per value) as its last series, so the
//! last elements of the document are exactly those marks, in drawing order. This module
//! gives each of them a `class` and a `<title>` child (the SVG tooltip); it checks that the
//! elements it changes are the kind of element the marks are, so that a change in plotters'
//! output is an error rather than a mislabelled chart.

use minijinja::HtmlEscape;

/// The element that each data mark is drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkKind {
    /// A bar (`plotters::element::Rectangle`).
    Rect,
    /// A point (`plotters::element::Circle`).
    Circle,
}

impl MarkKind {
    fn tag(self) -> &'static str {
        match self {
            MarkKind::Rect => "rect",
            MarkKind::Circle => "circle",
        }
    }
}

/// Why the marks could not be found in the chart's SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MarksNotFound {
    pub(crate) expected: usize,
    pub(crate) tag: &'static str,
}

impl std::fmt::Display for MarksNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the last {} elements drawn are not <{}> marks",
            self.expected, self.tag
        )
    }
}

/// Gives the last `titles.len()` elements of `svg` (all `kind`) the class `class` and their
/// titles, and drops the root's `xmlns` (inline SVG in HTML needs none, and the page then
/// names no URL at all).
pub(crate) fn title_marks(
    svg: &str,
    kind: MarkKind,
    class: &str,
    titles: &[String],
) -> Result<String, MarksNotFound> {
    let not_found = MarksNotFound {
        expected: titles.len(),
        tag: kind.tag(),
    };
    // plotters-svg writes each element on its own line; element lines start with `<name`.
    let mut lines: Vec<String> = svg.lines().map(str::to_owned).collect();
    let element_lines: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.starts_with('<') && !line.starts_with("</"))
        .map(|(index, _)| index)
        .collect();
    let first_mark = element_lines
        .len()
        .checked_sub(titles.len())
        .ok_or(not_found.clone())?;
    let open = format!("<{} ", kind.tag());
    for (&line, title) in element_lines[first_mark..].iter().zip(titles) {
        let element = &lines[line];
        let attributes = element
            .strip_prefix(&open)
            .and_then(|rest| rest.strip_suffix("/>"))
            .ok_or(not_found.clone())?;
        lines[line] = format!(
            "<{tag} class=\"{class}\" {attributes}><title>{title}</title></{tag}>",
            tag = kind.tag(),
            class = HtmlEscape(class),
            title = HtmlEscape(title),
        );
    }
    if let Some(root) = lines.first_mut() {
        *root = root.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" width=\"10\" height=\"10\"/>\n<text x=\"1\">\nlabel</text>\n<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\"/>\n<rect x=\"5\" y=\"2\" width=\"3\" height=\"4\"/>\n</svg>\n";

    #[test]
    fn the_last_elements_get_their_titles_in_order() {
        let titled = title_marks(SVG, MarkKind::Rect, "bar", &["a".into(), "<b>".into()]).unwrap();
        assert!(titled.contains(
            "<rect class=\"bar\" x=\"1\" y=\"2\" width=\"3\" height=\"4\"><title>a</title></rect>"
        ));
        assert!(titled.contains("<title>&lt;b&gt;</title>"));
        assert!(
            titled.contains("<rect x=\"0\""),
            "the background is untouched"
        );
        assert!(!titled.contains("xmlns"));
    }

    #[test]
    fn marks_of_another_kind_are_an_error() {
        let error = title_marks(SVG, MarkKind::Circle, "point", &["a".into()]).unwrap_err();
        assert_eq!(error.tag, "circle");
        let too_many = vec![String::new(); 3];
        assert!(title_marks(SVG, MarkKind::Rect, "bar", &too_many).is_err());
    }
}

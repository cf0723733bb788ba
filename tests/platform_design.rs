//! The platform design quotes the capacity script's tables verbatim: change an assumption in
//! `scripts/capacity.py` and this fails until `docs/platform-design.md` shows the new numbers.

use std::path::Path;
use std::process::Command;

/// Every table begins with this comment, naming it.
const TABLE_MARKER: &str = "<!-- scripts/capacity.py: ";

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn capacity_output() -> String {
    let output = Command::new("python3")
        .arg("scripts/capacity.py")
        .current_dir(repository())
        .output()
        .expect("python3 runs (CI provides it)");
    assert!(
        output.status.success(),
        "scripts/capacity.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the script prints UTF-8")
}

fn design() -> String {
    std::fs::read_to_string(repository().join("docs/platform-design.md"))
        .expect("docs/platform-design.md exists")
}

/// Each printed table, from its marker to the next one, without trailing blank lines.
fn tables(output: &str) -> Vec<&str> {
    output
        .match_indices(TABLE_MARKER)
        .map(|(start, _)| start)
        .chain([output.len()])
        .collect::<Vec<_>>()
        .windows(2)
        .map(|bounds| output[bounds[0]..bounds[1]].trim_end())
        .collect()
}

/// The names of the tables in some text, in order.
fn table_names(text: &str) -> Vec<&str> {
    text.match_indices(TABLE_MARKER)
        .filter_map(|(start, _)| {
            let rest = &text[start + TABLE_MARKER.len()..];
            rest.find(" -->").map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn every_table_the_script_prints_is_quoted_verbatim() {
    let output = capacity_output();
    let printed = tables(&output);
    assert!(
        printed.len() >= 5,
        "the script printed {} tables",
        printed.len()
    );
    let design = design();
    for table in printed {
        let name = table_names(table)[0];
        assert!(
            design.contains(table),
            "docs/platform-design.md does not quote the current `{name}` table; paste this in:\n\n{table}"
        );
    }
}

#[test]
fn every_quoted_table_is_one_the_script_prints_once() {
    let output = capacity_output();
    let printed = table_names(&output);
    let design = design();
    let quoted = table_names(&design);
    for name in &quoted {
        assert!(
            printed.contains(name),
            "docs/platform-design.md quotes a `{name}` table that scripts/capacity.py no longer prints"
        );
        let times = quoted.iter().filter(|other| *other == name).count();
        assert_eq!(times, 1, "the `{name}` table is quoted {times} times");
    }
}

#[test]
fn the_design_says_how_to_rerun_the_script() {
    assert!(design().contains("python3 scripts/capacity.py"));
}

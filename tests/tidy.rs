//! Keeps the docs true: every backticked path in ARCHITECTURE.md exists, and every source file
//! opens with a `//!` comment saying what it owns.

use std::path::Path;

#[test]
fn architecture_names_only_existing_paths() {
    let root = switchboard_testsupport::repo_root();
    let text =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md exists");
    let mut missing = Vec::new();
    for (i, chunk) in text.split('`').enumerate() {
        let looks_like_path = i % 2 == 1
            && !chunk.contains(' ')
            && (chunk.ends_with(".rs")
                || chunk.ends_with('/')
                || chunk.ends_with(".md")
                || chunk.ends_with(".yaml"));
        if looks_like_path && !root.join(chunk).exists() {
            missing.push(chunk.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let root = switchboard_testsupport::repo_root();
    let mut undocumented = Vec::new();
    for dir in ["src", "index/src", "tests/support/src", "tests/servers/src"] {
        visit(&root.join(dir), &mut |path| {
            let text = std::fs::read_to_string(path).unwrap();
            if !text.starts_with("//!") {
                undocumented.push(path.display().to_string());
            }
        });
    }
    assert!(
        undocumented.is_empty(),
        "files without a leading //! doc: {undocumented:?}"
    );
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, f);
        } else if path.extension().is_some_and(|e| e == "rs") {
            f(&path);
        }
    }
}

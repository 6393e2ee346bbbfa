//! JSON and JSON with comments (VS Code's, Zed's and Gemini's settings), edited through
//! `jsonc-parser`'s concrete syntax tree: comments, whitespace, key order and the file's own
//! indentation survive, and only our entry changes.
//!
//! Strict files (written by clients that read them with `JSON.parse`) are parsed strictly, so a
//! broken file is refused with its line and column rather than "repaired".

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde_json::Value;

use crate::clients::error::Problem;
use crate::clients::fields::Fields;

/// Our entry `name` under the top-level object `section`, if there is one.
pub(crate) fn get(
    text: &str,
    strict: bool,
    section: &str,
    name: &str,
) -> Result<Option<Value>, Problem> {
    let root = parse(text, strict)?;
    let Some(object) = root.object_value() else {
        return match root.value() {
            None => Ok(None),
            Some(_) => Err(not_an_object("the file")),
        };
    };
    let Some(servers) = object.get(section) else {
        return Ok(None);
    };
    let servers = servers
        .object_value()
        .ok_or_else(|| not_an_object(&format!("`{section}`")))?;
    Ok(servers.get(name).and_then(|entry| entry.to_serde_value()))
}

/// The text with `section.name` set to `entry` (added last, or replaced where it stands).
pub(crate) fn set(
    text: &str,
    strict: bool,
    section: &str,
    name: &str,
    entry: &Fields,
) -> Result<String, Problem> {
    let root = parse(text, strict)?;
    let servers = servers(&root, section)?;
    match servers.get(name) {
        Some(existing) => existing.set_value(object(entry)),
        None => {
            servers.append(name, object(entry));
        }
    }
    finish(&root, strict)
}

/// The text without `section.name` (unchanged if it was not there).
pub(crate) fn remove(
    text: &str,
    strict: bool,
    section: &str,
    name: &str,
) -> Result<String, Problem> {
    let root = parse(text, strict)?;
    let Some(object) = root.object_value() else {
        return Ok(text.to_string());
    };
    let Some(servers) = object.object_value(section) else {
        return Ok(text.to_string());
    };
    match servers.get(name) {
        Some(entry) => entry.remove(),
        None => return Ok(text.to_string()),
    }
    finish(&root, strict)
}

/// The top-level object `section`, created when missing.
fn servers(root: &CstRootNode, section: &str) -> Result<CstObject, Problem> {
    let object = root
        .object_value_or_create()
        .ok_or_else(|| not_an_object("the file"))?;
    object
        .object_value_or_create(section)
        .ok_or_else(|| not_an_object(&format!("`{section}`")))
}

fn parse(text: &str, strict: bool) -> Result<CstRootNode, Problem> {
    // The syntax tree keeps comments whatever the options say: a strict file is checked by
    // `serde_json` first (an empty file is fine: it becomes `{}`).
    if strict && !text.trim().is_empty() {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|error| Problem::Parse {
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        })?;
    }
    CstRootNode::parse(text, &options(strict)).map_err(|error| Problem::Parse {
        line: error.line_display(),
        column: error.column_display(),
        message: error.kind().to_string(),
    })
}

/// The edited text, parsed once more: an edit that broke the file is never written.
fn finish(root: &CstRootNode, strict: bool) -> Result<String, Problem> {
    let mut text = root.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    parse(&text, strict).map_err(|problem| {
        Problem::Shape(format!("editing the file would break it ({problem:?})"))
    })?;
    Ok(text)
}

/// Comments and trailing commas for JSONC (what VS Code's and Zed's parsers accept), nothing
/// beyond JSON otherwise. Never the JSON5 extras (missing commas, single quotes): those would
/// let a broken file through.
fn options(strict: bool) -> ParseOptions {
    ParseOptions {
        allow_comments: !strict,
        allow_trailing_commas: !strict,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

fn not_an_object(what: &str) -> Problem {
    Problem::Shape(format!("{what} is not a JSON object"))
}

/// Our entry as `jsonc-parser` inserts it, in its fields' order.
fn object(entry: &Fields) -> CstInputValue {
    CstInputValue::Object(
        entry
            .0
            .iter()
            .map(|(key, value)| (key.to_string(), input(value)))
            .collect(),
    )
}

/// A JSON value as `jsonc-parser` inserts it.
fn input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const VSCODE: &str = r#"{
	// My servers.
	"servers": {
		"github": {
			"type": "http",
			"url": "https://api.githubcopilot.com/mcp/", // remote
		},
	},
	"inputs": [],
}
"#;

    #[test]
    fn jsonc_keeps_comments_tabs_and_trailing_commas() {
        let fields = Fields(vec![
            ("type", json!("stdio")),
            ("command", json!("/bin/sb")),
            ("args", json!(["run"])),
        ]);
        let entry = fields.to_value();
        let text = set(VSCODE, false, "servers", "switchboard", &fields).unwrap();
        assert!(text.contains("// My servers."), "{text}");
        assert!(text.contains("// remote"), "{text}");
        assert!(text.contains("\t\t\"switchboard\": {"), "{text}");
        assert_eq!(
            get(&text, false, "servers", "switchboard").unwrap(),
            Some(entry.clone())
        );
        assert!(
            text.contains("\"type\": \"stdio\",\n\t\t\t\"command\""),
            "{text}"
        );
        assert_eq!(
            set(&text, false, "servers", "switchboard", &fields).unwrap(),
            text
        );
        let back = remove(&text, false, "servers", "switchboard").unwrap();
        assert_eq!(get(&back, false, "servers", "switchboard").unwrap(), None);
        assert!(
            back.contains("\"github\"") && back.contains("// remote"),
            "{back}"
        );
    }

    #[test]
    fn an_empty_or_missing_file_becomes_an_object() {
        let fields = Fields(vec![
            ("command", json!("/bin/sb")),
            ("args", json!(["run"])),
        ]);
        let text = set("", true, "mcpServers", "switchboard", &fields).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({"mcpServers": {"switchboard": fields.to_value()}})
        );
    }

    #[test]
    fn strict_files_refuse_comments_and_broken_ones_name_the_line() {
        let Err(Problem::Parse { line, .. }) = get("{\n  // no\n}", true, "mcpServers", "x") else {
            panic!("a comment passed a strict parse");
        };
        assert_eq!(line, 2);
        let Err(Problem::Parse { line, .. }) =
            get("{\n \"a\": 1\n \"b\": 2\n}", false, "mcpServers", "x")
        else {
            panic!("a missing comma passed");
        };
        assert!((2..=3).contains(&line), "{line}");
        assert!(matches!(
            set("[1]", true, "mcpServers", "x", &Fields(vec![])),
            Err(Problem::Shape(_))
        ));
        assert!(matches!(
            set(
                "{\"mcpServers\": []}",
                true,
                "mcpServers",
                "x",
                &Fields(vec![])
            ),
            Err(Problem::Shape(_))
        ));
    }
}

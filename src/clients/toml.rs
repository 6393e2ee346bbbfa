//! TOML (Codex's `config.toml`), edited through `toml_edit`: comments, key order and the
//! layout of every other table survive. Our entry is a `[mcp_servers.switchboard]` table, as
//! `codex mcp add` writes it; nested maps (`http_headers`) are inline tables.

use serde_json::Value;
use toml_edit::{DocumentMut, Item, Table};

use crate::clients::error::{Problem, line_column};
use crate::clients::fields::Fields;

/// Our entry `name` in the table `section`, if there is one.
pub(crate) fn get(text: &str, section: &str, name: &str) -> Result<Option<Value>, Problem> {
    let document = parse(text)?;
    let Some(servers) = document.get(section) else {
        return Ok(None);
    };
    let servers = servers
        .as_table_like()
        .ok_or_else(|| not_a_table(section))?;
    Ok(servers.get(name).map(item_to_json))
}

/// The text with `section.name` set to `entry` (a table of its own, or replaced where it
/// stands, keeping the comments above it).
pub(crate) fn set(
    text: &str,
    section: &str,
    name: &str,
    entry: &Fields,
) -> Result<String, Problem> {
    let mut document = parse(text)?;
    let root = document.as_table_mut();
    if !root.contains_key(section) {
        // Implicit: only `[mcp_servers.switchboard]` appears, no empty `[mcp_servers]`.
        let mut servers = Table::new();
        servers.set_implicit(true);
        root.insert(section, Item::Table(servers));
    }
    let mut table = Table::new();
    for (key, value) in &entry.0 {
        table.insert(key, Item::Value(json_to_toml(value)));
    }
    match root.get_mut(section) {
        Some(Item::Table(servers)) => {
            if let Some(Item::Table(old)) = servers.get(name) {
                table.set_position(old.position());
                *table.decor_mut() = old.decor().clone();
            }
            servers.insert(name, Item::Table(table));
        }
        Some(Item::Value(toml_edit::Value::InlineTable(servers))) => {
            servers.insert(
                name,
                toml_edit::Value::InlineTable(table.into_inline_table()),
            );
        }
        _ => return Err(not_a_table(section)),
    }
    finish(&document)
}

/// The text without `section.name` (unchanged if it was not there).
pub(crate) fn remove(text: &str, section: &str, name: &str) -> Result<String, Problem> {
    let mut document = parse(text)?;
    let removed = document
        .get_mut(section)
        .and_then(Item::as_table_like_mut)
        .and_then(|servers| servers.remove(name));
    match removed {
        Some(_) => finish(&document),
        None => Ok(text.to_string()),
    }
}

fn parse(text: &str) -> Result<DocumentMut, Problem> {
    text.parse::<DocumentMut>().map_err(|error| {
        let (line, column) = line_column(text, error.span().map_or(0, |span| span.start));
        Problem::Parse {
            line,
            column,
            message: error.message().to_string(),
        }
    })
}

/// The edited text, parsed once more: an edit that broke the file is never written.
fn finish(document: &DocumentMut) -> Result<String, Problem> {
    let text = document.to_string();
    parse(&text).map_err(|problem| {
        Problem::Shape(format!("editing the file would break it ({problem:?})"))
    })?;
    Ok(text)
}

fn not_a_table(section: &str) -> Problem {
    Problem::Shape(format!("`{section}` is not a table"))
}

/// A JSON value as TOML; maps become inline tables. `null` has no TOML form: it becomes an
/// empty string (our entries never hold one).
fn json_to_toml(value: &Value) -> toml_edit::Value {
    match value {
        Value::Null => toml_edit::Value::from(""),
        Value::Bool(b) => toml_edit::Value::from(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml_edit::Value::from(i),
            None => toml_edit::Value::from(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => toml_edit::Value::from(s.as_str()),
        Value::Array(items) => toml_edit::Value::Array(items.iter().map(json_to_toml).collect()),
        Value::Object(map) => {
            let mut table = toml_edit::InlineTable::new();
            for (key, value) in map {
                table.insert(key, json_to_toml(value));
            }
            toml_edit::Value::InlineTable(table)
        }
    }
}

fn item_to_json(item: &Item) -> Value {
    match item {
        Item::None => Value::Null,
        Item::Value(value) => value_to_json(value),
        Item::Table(table) => Value::Object(
            table
                .iter()
                .map(|(key, item)| (key.to_string(), item_to_json(item)))
                .collect(),
        ),
        Item::ArrayOfTables(tables) => Value::Array(
            tables
                .iter()
                .map(|table| item_to_json(&Item::Table(table.clone())))
                .collect(),
        ),
    }
}

fn value_to_json(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => Value::from(*f.value()),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(items) => Value::Array(items.iter().map(value_to_json).collect()),
        toml_edit::Value::InlineTable(table) => Value::Object(
            table
                .iter()
                .map(|(key, value)| (key.to_string(), value_to_json(value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CODEX: &str = r#"# Codex settings
model = "gpt-5-codex"

[mcp_servers.docs] # the docs server
command = "docs-mcp"
args = ["--stdio"]

# Projects I trust.
[projects."/home/me/code"]
trust_level = "trusted"
"#;

    #[test]
    fn keeps_comments_and_other_tables_and_is_idempotent() {
        let fields = Fields(vec![
            ("command", json!("/bin/sb")),
            ("args", json!(["run"])),
        ]);
        let entry = fields.to_value();
        let text = set(CODEX, "mcp_servers", "switchboard", &fields).unwrap();
        assert!(
            text.contains("[mcp_servers.docs] # the docs server\n"),
            "{text}"
        );
        assert!(
            text.contains("[mcp_servers.switchboard]\ncommand = \"/bin/sb\"\nargs = [\"run\"]"),
            "{text}"
        );
        assert!(
            text.contains("# Projects I trust.") && text.contains("# Codex settings"),
            "{text}"
        );
        assert_eq!(
            get(&text, "mcp_servers", "switchboard").unwrap(),
            Some(entry.clone())
        );
        assert_eq!(
            set(&text, "mcp_servers", "switchboard", &fields).unwrap(),
            text
        );
        assert_eq!(remove(&text, "mcp_servers", "switchboard").unwrap(), CODEX);
    }

    #[test]
    fn http_headers_are_an_inline_table_and_a_new_file_has_no_empty_section() {
        let fields = Fields(vec![
            ("url", json!("http://127.0.0.1:8811/mcp")),
            ("http_headers", json!({"Authorization": "Bearer x"})),
        ]);
        let text = set("", "mcp_servers", "switchboard", &fields).unwrap();
        assert_eq!(
            text,
            "[mcp_servers.switchboard]\nurl = \"http://127.0.0.1:8811/mcp\"\nhttp_headers = { Authorization = \"Bearer x\" }\n"
        );
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let Err(Problem::Parse { line, .. }) = get("a = 1\nb = = 2\n", "mcp_servers", "x") else {
            panic!("parsed");
        };
        assert_eq!(line, 2);
    }
}

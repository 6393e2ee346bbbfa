//! YAML (Goose's `config.yaml`). No maintained Rust YAML library edits a file while keeping its
//! comments (serde's YAML crates rewrite the whole document and drop them), so only the lines
//! of our own entry are touched, as text: the `extensions:` block is found by indentation, our
//! `switchboard:` child replaced, appended or deleted, and every other line kept byte for byte.
//!
//! Each edit is then checked with a real parser (`serde_yaml_ng`): the result must hold our
//! entry exactly and the rest of the document must be unchanged. An edit that fails the check
//! is refused, so an unusual layout (flow style, anchors on our section) is never mangled.

use serde_json::Value;
use serde_yaml_ng::Value as Yaml;

use crate::clients::error::Problem;
use crate::clients::fields::Fields;

/// Our entry `name` in the top-level mapping `section`, if there is one.
pub(crate) fn get(text: &str, section: &str, name: &str) -> Result<Option<Value>, Problem> {
    let root = parse(text)?;
    let Some(entry) = servers(&root, section)?.and_then(|s| s.get(name)) else {
        return Ok(None);
    };
    serde_json::to_value(entry)
        .map(Some)
        .map_err(|e| Problem::Shape(format!("`{section}.{name}` cannot be read: {e}")))
}

/// The text with `section.name` set to `entry`.
pub(crate) fn set(
    text: &str,
    section: &str,
    name: &str,
    entry: &Fields,
) -> Result<String, Problem> {
    let before = parse(text)?;
    servers(&before, section)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let new = match find_section(&lines, section)? {
        None => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{section}:\n"));
            out.push_str(&render(name, entry, 2)?);
            out
        }
        Some(block) => {
            let indent = block.child_indent.unwrap_or(2);
            let rendered = render(name, entry, indent)?;
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            match find_entry(&lines, &block, name) {
                Some((start, end)) => {
                    out.splice(start..end, [rendered]);
                }
                None => {
                    out.insert(block.end, rendered);
                    if !block.header_open {
                        out[block.header] = format!("{section}:\n");
                    }
                    ensure_newline(&mut out, block.end);
                }
            }
            out.concat()
        }
    };
    check(&before, &new, section, name, Some(&entry.to_value()))?;
    Ok(new)
}

/// The text without `section.name` (unchanged if it was not there).
pub(crate) fn remove(text: &str, section: &str, name: &str) -> Result<String, Problem> {
    let before = parse(text)?;
    if servers(&before, section)?
        .and_then(|s| s.get(name))
        .is_none()
    {
        return Ok(text.to_string());
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let cannot = || {
        Problem::Shape(format!(
            "cannot find `{name}:` under `{section}:` in the text"
        ))
    };
    let block = find_section(&lines, section)?.ok_or_else(cannot)?;
    let (start, end) = find_entry(&lines, &block, name).ok_or_else(cannot)?;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.drain(start..end);
    let emptied = !out[block.header + 1..block.end - (end - start)]
        .iter()
        .any(|line| is_content(line));
    if emptied {
        // `extensions:` with nothing under it reads as null, which Goose refuses.
        out[block.header] = format!("{section}: {{}}\n");
    }
    let new = out.concat();
    check(&before, &new, section, name, None)?;
    Ok(new)
}

/// Where the top-level `section:` block is in the lines.
struct Block {
    header: usize,
    /// Whether the header ends at the colon (a block follows) rather than `{}` or `null`.
    header_open: bool,
    /// One past the last line that belongs to the block (trailing comments stay outside).
    end: usize,
    child_indent: Option<usize>,
}

fn find_section(lines: &[&str], section: &str) -> Result<Option<Block>, Problem> {
    let Some(header) = lines.iter().position(|line| key_of(line) == Some(section)) else {
        return Ok(None);
    };
    let rest = value_after_key(lines[header], section);
    let header_open = match rest {
        "" => true,
        "{}" | "null" | "~" => false,
        _ => {
            return Err(Problem::Shape(format!(
                "`{section}` is written in flow style on one line; switch it to a block (one `name:` per line) first"
            )));
        }
    };
    let mut end = header + 1;
    let mut child_indent = None;
    for (index, line) in lines.iter().enumerate().skip(header + 1) {
        if !is_content(line) {
            continue;
        }
        let indent = indent_of(line);
        if indent == 0 {
            break;
        }
        child_indent.get_or_insert(indent);
        end = index + 1;
    }
    if !header_open && end > header + 1 {
        return Err(Problem::Shape(format!(
            "`{section}` is empty on its own line yet has lines under it"
        )));
    }
    Ok(Some(Block {
        header,
        header_open,
        end,
        child_indent,
    }))
}

/// Lines `start..end` of our entry inside the block: its key line and everything deeper,
/// without the comments and blank lines that follow it (they lead into the next entry).
fn find_entry(lines: &[&str], block: &Block, name: &str) -> Option<(usize, usize)> {
    let indent = block.child_indent?;
    let start = (block.header + 1..block.end).find(|&index| {
        let line = lines[index];
        is_content(line) && indent_of(line) == indent && key_of(&line[indent..]) == Some(name)
    })?;
    let mut end = start + 1;
    for (index, line) in lines.iter().enumerate().take(block.end).skip(start + 1) {
        if !is_content(line) {
            continue;
        }
        if indent_of(line) <= indent {
            break;
        }
        end = index + 1;
    }
    Some((start, end))
}

/// Our entry as YAML lines at `indent`.
fn render(name: &str, entry: &Fields, indent: usize) -> Result<String, Problem> {
    let mut mapping = serde_yaml_ng::Mapping::new();
    for (key, value) in &entry.0 {
        let value = serde_yaml_ng::to_value(value)
            .map_err(|e| Problem::Shape(format!("cannot write our entry as YAML: {e}")))?;
        mapping.insert(Yaml::String(key.to_string()), value);
    }
    let mut outer = serde_yaml_ng::Mapping::new();
    outer.insert(Yaml::String(name.to_string()), Yaml::Mapping(mapping));
    let text = serde_yaml_ng::to_string(&outer)
        .map_err(|e| Problem::Shape(format!("cannot write our entry as YAML: {e}")))?;
    let pad = " ".repeat(indent);
    Ok(text.lines().map(|line| format!("{pad}{line}\n")).collect())
}

/// The edit did exactly what was meant: our entry is `entry` (or gone) and nothing else moved.
fn check(
    before: &Yaml,
    new: &str,
    section: &str,
    name: &str,
    entry: Option<&Value>,
) -> Result<(), Problem> {
    let unsafe_edit = |why: &str| {
        Problem::Shape(format!(
            "cannot edit `{section}` here without disturbing the rest of the file ({why})"
        ))
    };
    let after = parse(new).map_err(|_| unsafe_edit("the result would not parse"))?;
    let found = servers(&after, section)
        .ok()
        .flatten()
        .and_then(|s| s.get(name))
        .map(|v| serde_json::to_value(v).unwrap_or(Value::Null));
    if found.as_ref() != entry {
        return Err(unsafe_edit("our entry would not read back"));
    }
    if without(before, section, name) != without(&after, section, name) {
        return Err(unsafe_edit("other settings would change"));
    }
    Ok(())
}

/// The document without our entry, an empty or null section counting as absent.
fn without(root: &Yaml, section: &str, name: &str) -> Yaml {
    let mut root = root.clone();
    if let Some(map) = root.as_mapping_mut()
        && let Some(servers) = map.get_mut(section)
    {
        if let Some(servers) = servers.as_mapping_mut() {
            servers.remove(name);
        }
        if servers.is_null() || servers.as_mapping().is_some_and(|s| s.is_empty()) {
            map.remove(section);
        }
    }
    if root.as_mapping().is_some_and(|m| m.is_empty()) {
        return Yaml::Null;
    }
    root
}

fn parse(text: &str) -> Result<Yaml, Problem> {
    serde_yaml_ng::from_str::<Yaml>(text).map_err(|error| {
        let location = error.location();
        Problem::Parse {
            line: location.as_ref().map_or(1, |l| l.line()),
            column: location.as_ref().map_or(1, |l| l.column()),
            message: error.to_string(),
        }
    })
}

/// The mapping `section` of the document (`None` when absent, null or the file is empty).
fn servers<'a>(
    root: &'a Yaml,
    section: &str,
) -> Result<Option<&'a serde_yaml_ng::Mapping>, Problem> {
    let map = match root {
        Yaml::Null => return Ok(None),
        Yaml::Mapping(map) => map,
        _ => return Err(Problem::Shape("the file is not a YAML mapping".into())),
    };
    match map.get(section) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::Mapping(servers)) => Ok(Some(servers)),
        Some(_) => Err(Problem::Shape(format!("`{section}` is not a mapping"))),
    }
}

/// The plain key a `key:` line starts with (at its own indentation).
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (!key.is_empty() && plain && !line.starts_with(' ')).then_some(key)
}

/// What follows `key:` on its line, without a trailing comment.
fn value_after_key<'a>(line: &'a str, key: &str) -> &'a str {
    let rest = &line[key.len()..];
    let rest = rest.trim_start().strip_prefix(':').unwrap_or(rest);
    let rest = match rest.find(" #") {
        Some(at) => &rest[..at],
        None => rest,
    };
    let rest = rest.trim();
    if rest.starts_with('#') { "" } else { rest }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line that holds YAML, not a blank or a comment.
fn is_content(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// The line before `at` ends in a newline (a file whose last line had none).
fn ensure_newline(out: &mut [String], at: usize) {
    if let Some(previous) = at.checked_sub(1).and_then(|i| out.get_mut(i))
        && !previous.ends_with('\n')
    {
        previous.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GOOSE: &str = "\
# Goose settings
GOOSE_PROVIDER: anthropic
extensions:
  developer:
    bundled: true
    enabled: true
    name: developer
    timeout: 300
    type: builtin
  # GitHub, added by hand
  github:
    args:
    - -y
    - '@modelcontextprotocol/server-github'
    cmd: npx
    enabled: true
    envs: {}
    name: github
    type: stdio

# the model
GOOSE_MODEL: claude-sonnet-4
";

    fn fields() -> Fields {
        Fields(vec![
            ("name", json!("switchboard")),
            ("type", json!("stdio")),
            ("cmd", json!("/bin/sb")),
            ("args", json!(["run"])),
            ("enabled", json!(true)),
        ])
    }

    #[test]
    fn appends_to_the_block_keeping_comments_and_removes_cleanly() {
        let text = set(GOOSE, "extensions", "switchboard", &fields()).unwrap();
        assert!(
            text.starts_with(&GOOSE[..GOOSE.find("\n# the model").unwrap()]),
            "{text}"
        );
        assert!(
            text.contains("    type: stdio\n  switchboard:\n    name: switchboard\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\n# the model\nGOOSE_MODEL: claude-sonnet-4\n"),
            "{text}"
        );
        assert_eq!(
            get(&text, "extensions", "switchboard").unwrap(),
            Some(fields().to_value())
        );
        assert_eq!(
            set(&text, "extensions", "switchboard", &fields()).unwrap(),
            text
        );
        assert_eq!(remove(&text, "extensions", "switchboard").unwrap(), GOOSE);
    }

    #[test]
    fn replaces_an_entry_in_the_middle_and_handles_empty_sections() {
        let mut other = fields();
        other.0[2].1 = json!("/old/sb");
        let first = set(GOOSE, "extensions", "switchboard", &other).unwrap();
        let moved = first.replace("  switchboard:", "  aaa: {}\n  switchboard:");
        let text = set(&moved, "extensions", "switchboard", &fields()).unwrap();
        assert!(
            text.contains("cmd: /bin/sb") && !text.contains("/old/sb"),
            "{text}"
        );
        let empty = set("extensions: {}\n", "extensions", "switchboard", &fields()).unwrap();
        assert!(
            empty.starts_with("extensions:\n  switchboard:\n"),
            "{empty}"
        );
        assert_eq!(
            remove(&empty, "extensions", "switchboard").unwrap(),
            "extensions: {}\n"
        );
        let fresh = set("", "extensions", "switchboard", &fields()).unwrap();
        assert_eq!(
            get(&fresh, "extensions", "switchboard").unwrap(),
            Some(fields().to_value())
        );
    }

    #[test]
    fn flow_style_and_broken_files_are_refused() {
        assert!(matches!(
            set(
                "extensions: {a: {}}\n",
                "extensions",
                "switchboard",
                &fields()
            ),
            Err(Problem::Shape(_))
        ));
        let Err(Problem::Parse { line, .. }) = get("a: 1\nb: [\n", "extensions", "x") else {
            panic!("parsed");
        };
        assert!(line >= 2, "{line}");
    }
}

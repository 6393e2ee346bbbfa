//! Whether a URI could have come from an RFC 6570 URI template, which is all routing needs
//! (the server that owns the template parses the variables itself).

/// One piece of a template.
#[derive(Debug, PartialEq)]
enum Part<'a> {
    Literal(&'a str),
    /// `{...}` with its operator (`+`, `#`, `/`, `.`, `;`, `?`, `&`, or none).
    Expression(Option<char>),
}

fn parts(template: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}')?;
                let operator = rest[1..end]
                    .chars()
                    .next()
                    .filter(|c| "+#/.;?&".contains(*c));
                parts.push(Part::Expression(operator));
                rest = &rest[end + 1..];
            }
            Some(start) => {
                parts.push(Part::Literal(&rest[..start]));
                rest = &rest[start..];
            }
            None => {
                parts.push(Part::Literal(rest));
                rest = "";
            }
        }
    }
    Some(parts)
}

/// Whether `uri` matches `template`. A simple expression stands for one or more characters
/// other than `/`, `?` and `#`; the others (`{+path}`, `{?query}`, ...) for any run of
/// characters, possibly empty. A template that does not parse matches nothing.
pub(crate) fn matches(template: &str, uri: &str) -> bool {
    parts(template).is_some_and(|parts| matches_from(&parts, uri))
}

fn matches_from(parts: &[Part<'_>], uri: &str) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return uri.is_empty();
    };
    match first {
        Part::Literal(literal) => uri
            .strip_prefix(literal)
            .is_some_and(|uri| matches_from(rest, uri)),
        Part::Expression(None) => {
            let run = uri.find(['/', '?', '#']).unwrap_or(uri.len());
            (1..=run)
                .rev()
                .any(|taken| matches_from(rest, &uri[taken..]))
        }
        Part::Expression(Some(_)) => (0..=uri.len())
            .rev()
            .filter(|taken| uri.is_char_boundary(*taken))
            .any(|taken| matches_from(rest, &uri[taken..])),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn expressions_match_what_they_could_expand_to() {
        assert!(matches(
            "test://template/{id}/data",
            "test://template/42/data"
        ));
        assert!(!matches(
            "test://template/{id}/data",
            "test://template//data"
        ));
        assert!(!matches(
            "test://template/{id}/data",
            "test://template/4/2/data"
        ));
        assert!(matches("file:///{+path}", "file:///home/me/notes.md"));
        assert!(matches("file:///{+path}", "file:///"));
        assert!(matches(
            "api://items{?page,size}",
            "api://items?page=2&size=9"
        ));
        assert!(matches("api://items{?page,size}", "api://items"));
        assert!(matches("repo://{owner}/{name}", "repo://acme/widgets"));
        assert!(!matches("repo://{owner}/{name}", "other://acme/widgets"));
        assert!(matches("plain://exact", "plain://exact"));
        assert!(!matches("broken://{unclosed", "broken://x"));
    }
}

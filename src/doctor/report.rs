//! What a check found, and the report printed for people (one line per finding) or for
//! scripts (`--json`).

use serde::Serialize;

/// How a finding stands: `fail` makes `switchboard doctor` exit 1, `warn` does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One finding: which check, how it stands, what was found and, unless ok, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The check's short name (`docker`, `catalog`, `secret`, ...).
    pub check: &'static str,
    pub status: Status,
    pub message: String,
    /// A command to run where there is one, else what to do.
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(check: &'static str, message: impl Into<String>) -> Check {
        Check {
            check,
            status: Status::Ok,
            message: message.into(),
            fix: None,
        }
    }

    pub fn warn(check: &'static str, message: impl Into<String>, fix: Option<String>) -> Check {
        Check {
            check,
            status: Status::Warn,
            message: message.into(),
            fix,
        }
    }

    pub fn fail(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            check,
            status: Status::Fail,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every finding, in the order the checks are listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// True when nothing failed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// How many findings failed.
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count()
    }

    /// One line per finding: status, check, message and the fix; no line breaks inside.
    pub fn human(&self) -> String {
        let width = self.checks.iter().map(|c| c.check.len()).max().unwrap_or(0);
        let mut out = String::new();
        for check in &self.checks {
            let mut line = format!(
                "{:<4}  {:<width$}  {}",
                check.status.as_str(),
                check.check,
                one_line(&check.message)
            );
            if let Some(fix) = &check.fix {
                line.push_str("  fix: ");
                line.push_str(&one_line(fix));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// `{"ok": bool, "checks": [{"check", "status", "message", "fix"}]}`, keys in that order.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            ok: bool,
            checks: &'a [Check],
        }
        serde_json::to_string_pretty(&Json {
            ok: self.ok(),
            checks: &self.checks,
        })
    }
}

/// `text` with line breaks folded into spaces, so each finding stays one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            checks: vec![
                Check::ok("docker", "Docker 20.10 (API 1.41)"),
                Check::warn(
                    "image",
                    "x:1 missing\nlocally",
                    Some("docker pull x:1".into()),
                ),
                Check::fail(
                    "permissions",
                    "secrets.json is 0644",
                    "chmod 600 secrets.json",
                ),
            ],
        }
    }

    #[test]
    fn each_finding_is_one_aligned_line_with_its_fix() {
        let text = report().human();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "ok    docker       Docker 20.10 (API 1.41)",
                "warn  image        x:1 missing locally  fix: docker pull x:1",
                "fail  permissions  secrets.json is 0644  fix: chmod 600 secrets.json",
            ]
        );
    }

    #[test]
    fn json_carries_the_same_statuses_and_a_null_fix_when_ok() {
        let report = report();
        assert!(!report.ok());
        assert_eq!(report.failures(), 1);
        let json: serde_json::Value = serde_json::from_str(&report.json().unwrap()).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["checks"][0]["status"], "ok");
        assert_eq!(json["checks"][0]["fix"], serde_json::Value::Null);
        assert_eq!(json["checks"][1]["status"], "warn");
        assert_eq!(json["checks"][2]["check"], "permissions");
        let only_warnings = Report {
            checks: report.checks[..2].to_vec(),
        };
        assert!(only_warnings.ok());
    }
}

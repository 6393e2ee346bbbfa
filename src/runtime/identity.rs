//! The running gateway's identity, written on its containers so a later gateway can tell
//! whether their owner is still alive.

use std::fmt;

/// `host:pid:start` of a gateway process. The start time (in clock ticks since boot, from
/// `/proc/PID/stat`) guards against a recycled pid; the host name keeps gateways in other
/// containers or machines sharing one daemon from judging each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayId {
    host: String,
    pid: u32,
    start: u64,
}

impl GatewayId {
    /// The identity of this process.
    pub fn current() -> GatewayId {
        let pid = std::process::id();
        GatewayId {
            host: host_name(),
            pid,
            start: process_start(pid).unwrap_or_default(),
        }
    }

    /// Reads a label value written by [`fmt::Display`].
    pub fn parse(label: &str) -> Option<GatewayId> {
        let mut parts = label.rsplitn(3, ':');
        let start = parts.next()?.parse().ok()?;
        let pid = parts.next()?.parse().ok()?;
        let host = parts.next()?.to_string();
        Some(GatewayId { host, pid, start })
    }

    /// Whether `self` is known to be gone: same host as us, and its process is no longer there.
    /// A gateway on another host is never judged gone, since we cannot see its processes.
    pub fn is_gone(&self) -> bool {
        self.host == host_name() && process_start(self.pid) != Some(self.start)
    }
}

impl fmt::Display for GatewayId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.pid, self.start)
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Field 22 of `/proc/PID/stat`, after the parenthesised command name (which may hold spaces).
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_judges_liveness() {
        let me = GatewayId::current();
        let parsed = GatewayId::parse(&me.to_string()).unwrap();
        assert_eq!(parsed, me);
        assert!(!me.is_gone());
        let recycled = GatewayId {
            start: me.start + 1,
            ..me.clone()
        };
        assert!(recycled.is_gone());
        let elsewhere = GatewayId {
            host: "another-host".into(),
            pid: u32::MAX,
            start: 1,
        };
        assert!(!elsewhere.is_gone());
        assert_eq!(GatewayId::parse("garbage"), None);
    }
}

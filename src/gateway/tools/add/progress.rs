//! What `mcp-add` tells its client while a server starts: each step (pull, create, start,
//! initialize) as MCP progress when the client gave a progress token, and how long each took,
//! for the result.
//!
//! Progress runs on one scale to [`TOTAL`]: a pull fills most of it, the other steps take the
//! rest; each notification's `progress` is above the one before.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::{Peer, RoleServer};
use tokio::sync::mpsc;

use crate::runtime::{PullProgress, Step, Steps};

/// Where progress ends; given as `total` in every notification.
const TOTAL: f64 = 100.0;
/// Where a pull's part of the scale ends.
const PULL_END: f64 = 80.0;

/// A timed step of a start, by the name the result gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Pull,
    Create,
    Start,
    Initialize,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Pull => "pull",
            Phase::Create => "create",
            Phase::Start => "start",
            Phase::Initialize => "initialize",
        }
    }
}

/// Hears one `mcp-add`'s steps; see [`Reporter::finish`] for the timings.
pub(super) struct Reporter {
    server: String,
    began: Instant,
    seen: Mutex<Seen>,
    /// To the task that sends the notifications in order; `None` when nobody listens.
    notify: Option<(
        ProgressToken,
        mpsc::UnboundedSender<ProgressNotificationParam>,
    )>,
    sender: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Seen {
    /// The last `progress` sent.
    last: Option<f64>,
    /// Each phase and when it began, in order.
    phases: Vec<(Phase, Instant)>,
}

impl Reporter {
    /// Times the start of `server`; with a `token`, also tells `peer` of each step.
    pub(super) fn new(
        server: &str,
        peer: &Peer<RoleServer>,
        token: Option<ProgressToken>,
    ) -> Reporter {
        let (notify, sender) = match token {
            Some(token) => {
                let (notify, mut queue) = mpsc::unbounded_channel::<ProgressNotificationParam>();
                let peer = peer.clone();
                let sender = tokio::spawn(async move {
                    while let Some(progress) = queue.recv().await {
                        if let Err(error) = peer.notify_progress(progress).await {
                            tracing::debug!(error = %error, "could not send mcp-add progress");
                        }
                    }
                });
                (Some((token, notify)), Some(sender))
            }
            None => (None, None),
        };
        Reporter {
            server: server.to_string(),
            began: Instant::now(),
            seen: Mutex::default(),
            notify,
            sender,
        }
    }

    /// Waits until every notification went out (so they precede the result) and returns how
    /// long each step took, in order, and the whole add.
    pub(super) async fn finish(mut self) -> (Vec<(&'static str, Duration)>, Duration) {
        self.notify = None;
        if let Some(sender) = self.sender.take()
            && let Err(error) = sender.await
        {
            tracing::debug!(error = %error, "the mcp-add progress task failed");
        }
        let end = Instant::now();
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let ends = seen
            .phases
            .iter()
            .skip(1)
            .map(|(_, at)| *at)
            .chain(std::iter::once(end));
        let steps = seen
            .phases
            .iter()
            .zip(ends)
            .map(|((phase, began), ended)| (phase.name(), ended.duration_since(*began)))
            .collect();
        (steps, end.duration_since(self.began))
    }

    fn message(&self, step: &Step) -> String {
        let server = &self.server;
        match step {
            Step::Pulling(pull) => pulling(pull),
            Step::Creating => format!("creating the container for `{server}`"),
            Step::Starting => format!("starting the container of `{server}`"),
            Step::Initializing => format!("initializing the MCP session with `{server}`"),
            Step::Connecting => {
                format!("connecting to `{server}` and initializing its MCP session")
            }
        }
    }
}

impl Steps for Reporter {
    fn step(&self, step: Step) {
        let phase = match step {
            Step::Pulling(_) => Phase::Pull,
            Step::Creating => Phase::Create,
            Step::Starting => Phase::Start,
            Step::Initializing | Step::Connecting => Phase::Initialize,
        };
        // Nothing panics while holding it; the timings stay usable.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.phases.last().map(|(p, _)| *p) != Some(phase) {
            seen.phases.push((phase, Instant::now()));
        }
        let Some((token, notify)) = &self.notify else {
            return;
        };
        let pulled = seen.phases.first().is_some_and(|(p, _)| *p == Phase::Pull);
        let (wanted, ceiling) = match &step {
            Step::Pulling(pull) => (PULL_END * fraction(pull), PULL_END),
            Step::Creating => (if pulled { 85.0 } else { 25.0 }, TOTAL),
            Step::Starting => (if pulled { 90.0 } else { 50.0 }, TOTAL),
            Step::Initializing | Step::Connecting => (if pulled { 95.0 } else { 75.0 }, TOTAL),
        };
        let progress = advance(seen.last, wanted, ceiling);
        seen.last = Some(progress);
        let notification = ProgressNotificationParam::new(token.clone(), progress)
            .with_total(TOTAL)
            .with_message(self.message(&step));
        // The task ends only after `notify` is dropped.
        let _ = notify.send(notification);
    }
}

/// The next `progress`: `wanted` if it is above `last`, else a step of 1% of what is left
/// below `ceiling`, so that progress always increases and a pull never reaches its end.
fn advance(last: Option<f64>, wanted: f64, ceiling: f64) -> f64 {
    match last {
        Some(last) if wanted <= last => last + ((ceiling - last) / 100.0).max(0.001),
        _ => wanted,
    }
}

/// How much of a pull is done, from 0 to 1: half by layers finished, half by bytes downloaded
/// (by layers alone until the daemon reported sizes).
fn fraction(pull: &PullProgress) -> f64 {
    let part = |done: f64, total: f64| if total > 0.0 { done / total } else { 0.0 };
    let layers = part(pull.layers_done as f64, pull.layers_total as f64);
    let bytes = if pull.bytes_total > 0 {
        part(pull.bytes_done as f64, pull.bytes_total as f64)
    } else {
        layers
    };
    ((layers + bytes) / 2.0).clamp(0.0, 1.0)
}

/// `pulling IMAGE: 1 of 2 layers, 1.2 of 3.4 MB`, with what is known so far.
fn pulling(pull: &PullProgress) -> String {
    let mut text = format!("pulling {}", pull.image);
    if pull.layers_total > 0 {
        text.push_str(&format!(
            ": {} of {} layers",
            pull.layers_done, pull.layers_total
        ));
        if pull.bytes_total > 0 {
            text.push_str(&format!(", {}", amounts(pull.bytes_done, pull.bytes_total)));
        }
    }
    text
}

/// `1.2 of 3.4 MB`, or in kB below a megabyte.
fn amounts(done: u64, total: u64) -> String {
    let (unit, scale) = if total >= 1_000_000 {
        ("MB", 1e6)
    } else {
        ("kB", 1e3)
    };
    let done = done as f64 / scale;
    let total = total as f64 / scale;
    if scale == 1e6 {
        format!("{done:.1} of {total:.1} {unit}")
    } else {
        format!("{done:.0} of {total:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_always_increases() {
        let mut last = None;
        let mut sent = Vec::new();
        for (wanted, ceiling) in [
            (0.0, PULL_END),
            (0.0, PULL_END),
            (40.0, PULL_END),
            (30.0, PULL_END),
            (80.0, PULL_END),
            (80.0, PULL_END),
            (85.0, TOTAL),
            (90.0, TOTAL),
            (95.0, TOTAL),
        ] {
            let next = advance(last, wanted, ceiling);
            last = Some(next);
            sent.push(next);
        }
        assert!(sent.windows(2).all(|w| w[0] < w[1]), "{sent:?}");
        assert!(sent[4] == 80.0 && sent[5] < 85.0, "{sent:?}");
    }

    #[test]
    fn pull_messages_say_what_is_known() {
        let mut pull = PullProgress {
            image: "127.0.0.1:5000/fixture:v1".into(),
            ..PullProgress::default()
        };
        assert_eq!(pulling(&pull), "pulling 127.0.0.1:5000/fixture:v1");
        (pull.layers_done, pull.layers_total) = (1, 2);
        assert_eq!(
            pulling(&pull),
            "pulling 127.0.0.1:5000/fixture:v1: 1 of 2 layers"
        );
        (pull.bytes_done, pull.bytes_total) = (1_230_000, 3_400_000);
        assert_eq!(
            pulling(&pull),
            "pulling 127.0.0.1:5000/fixture:v1: 1 of 2 layers, 1.2 of 3.4 MB"
        );
        (pull.bytes_done, pull.bytes_total) = (12_000, 640_000);
        assert!(
            pulling(&pull).ends_with("12 of 640 kB"),
            "{}",
            pulling(&pull)
        );
        assert!((fraction(&pull) - (0.5 + 12.0 / 640.0) / 2.0).abs() < 1e-9);
    }
}

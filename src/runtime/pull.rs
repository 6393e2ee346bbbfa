//! Pulling a missing image: once, however many starts wait for it, each told how it goes.
//!
//! The first start that misses an image begins its pull in a task of its own (so a waiter that
//! gives up stops nobody else's pull); later ones join it. Each follows the shared state and
//! reports it as [`Step::Pulling`], at most every [`REPORT_EVERY`].

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::models::CreateImageInfo;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::StreamExt;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::runtime::{Error, PullProgress, Step, Steps};

/// The shortest time between two progress reports of one pull to one waiter.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// The pulls under way, by image reference.
#[derive(Debug, Default)]
pub(crate) struct Pulls {
    under_way: Mutex<HashMap<String, watch::Receiver<State>>>,
}

/// A pull as its waiters see it.
#[derive(Debug, Clone)]
struct State {
    progress: PullProgress,
    /// Set once the pull ended: `Err` holds the daemon's reason.
    outcome: Option<Result<(), String>>,
}

impl Pulls {
    /// Pulls `image` (or joins the pull of it under way), reporting its progress to `steps`.
    pub(crate) async fn pull(
        self: &Arc<Self>,
        client: &bollard::Docker,
        image: &str,
        timeout: Duration,
        steps: &dyn Steps,
    ) -> Result<(), Error> {
        let state = self.join_or_begin(client, image, timeout);
        follow(state, steps)
            .await
            .map_err(|reason| Error::PullFailed {
                image: image.to_string(),
                reason,
            })
    }

    fn join_or_begin(
        self: &Arc<Self>,
        client: &bollard::Docker,
        image: &str,
        timeout: Duration,
    ) -> watch::Receiver<State> {
        let mut under_way = lock(&self.under_way);
        if let Some(state) = under_way.get(image) {
            tracing::debug!(image, "joining the pull under way");
            return state.clone();
        }
        let (sender, receiver) = watch::channel(State {
            progress: PullProgress {
                image: image.to_string(),
                ..PullProgress::default()
            },
            outcome: None,
        });
        under_way.insert(image.to_string(), receiver.clone());
        drop(under_way);
        let pulls = self.clone();
        let client = client.clone();
        let image = image.to_string();
        tokio::spawn(async move {
            let outcome = match tokio::time::timeout(timeout, run(&client, &image, &sender)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("no result within {} s", timeout.as_secs())),
            };
            match &outcome {
                Ok(()) => tracing::info!(image, "image pulled"),
                Err(reason) => tracing::warn!(image, reason, "pull failed"),
            }
            // Told before it is forgotten: a start joining in between sees the outcome.
            sender.send_modify(|state| state.outcome = Some(outcome));
            lock(&pulls.under_way).remove(&image);
        });
        receiver
    }
}

/// Runs the pull, publishing its progress in `state`; `Err` is the daemon's reason.
async fn run(
    client: &bollard::Docker,
    image: &str,
    state: &watch::Sender<State>,
) -> Result<(), String> {
    tracing::info!(image, "pulling image");
    let mut options = CreateImageOptionsBuilder::default().from_image(image);
    // Without a tag the daemon would pull every tag of the repository.
    if !has_tag(image) {
        options = options.tag("latest");
    }
    let mut events = client.create_image(Some(options.build()), None, None);
    let mut layers = Layers::default();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| e.to_string())?;
        if let Some(detail) = event.error_detail {
            return Err(detail
                .message
                .unwrap_or_else(|| "unknown pull error".to_string()));
        }
        if let Some(status) = &event.status {
            tracing::debug!(
                image,
                status,
                layer = event.id.as_deref().unwrap_or_default(),
                "pull"
            );
        }
        if layers.apply(&event) {
            state.send_modify(|state| layers.fill(&mut state.progress));
        }
    }
    Ok(())
}

/// Reports the pull's progress to `steps` until it ends, at most every [`REPORT_EVERY`] but
/// always its first and last state.
async fn follow(mut state: watch::Receiver<State>, steps: &dyn Steps) -> Result<(), String> {
    let mut reported: Option<PullProgress> = None;
    let mut next = Instant::now();
    loop {
        let now = state.borrow_and_update().clone();
        if let Some(outcome) = now.outcome {
            if outcome.is_ok() && reported.as_ref() != Some(&now.progress) {
                steps.step(Step::Pulling(now.progress));
            }
            return outcome;
        }
        if reported.as_ref() != Some(&now.progress) {
            if Instant::now() >= next {
                steps.step(Step::Pulling(now.progress.clone()));
                reported = Some(now.progress);
                next = Instant::now() + REPORT_EVERY;
            } else {
                // Wait out the interval (or the end of the pull), then report what is new.
                tokio::select! {
                    () = tokio::time::sleep_until(next) => {}
                    changed = state.changed() => if changed.is_err() {
                        return Err(STOPPED.to_string());
                    }
                }
                continue;
            }
        }
        if state.changed().await.is_err() {
            return Err(STOPPED.to_string());
        }
    }
}

/// Only a panicking pull task ends without an outcome.
const STOPPED: &str = "the pull stopped before it finished";

/// Each layer the daemon reported, by its short id.
#[derive(Debug, Default)]
struct Layers(BTreeMap<String, Layer>);

#[derive(Debug, Default)]
struct Layer {
    current: u64,
    total: u64,
    done: bool,
}

impl Layers {
    /// Takes in one event of the pull; true if it was about a layer.
    fn apply(&mut self, event: &CreateImageInfo) -> bool {
        let (Some(id), Some(status)) = (&event.id, &event.status) else {
            return false;
        };
        // Other events with an id name the tag ("Pulling from ...").
        let layer = match status.as_str() {
            "Pulling fs layer" | "Waiting" | "Downloading" | "Verifying Checksum"
            | "Download complete" | "Extracting" | "Pull complete" | "Already exists" => {
                self.0.entry(id.clone()).or_default()
            }
            _ => return false,
        };
        match status.as_str() {
            "Downloading" => {
                let detail = event.progress_detail.as_ref();
                let bytes = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
                if let Some(total) = bytes(detail.and_then(|d| d.total)) {
                    layer.total = total;
                }
                if let Some(current) = bytes(detail.and_then(|d| d.current)) {
                    layer.current = current;
                }
            }
            "Verifying Checksum" | "Download complete" | "Extracting" => {
                layer.current = layer.total.max(layer.current)
            }
            "Pull complete" | "Already exists" => {
                layer.current = layer.total.max(layer.current);
                layer.done = true;
            }
            _ => {}
        }
        true
    }

    fn fill(&self, progress: &mut PullProgress) {
        progress.layers_total = self.0.len();
        progress.layers_done = self.0.values().filter(|l| l.done).count();
        progress.bytes_done = self.0.values().map(|l| l.current).sum();
        progress.bytes_total = self.0.values().map(|l| l.total).sum();
    }
}

/// Whether an image reference names a tag or a digest (`registry:5000/name` names neither).
fn has_tag(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    image.contains('@') || last.contains(':')
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding it; a poisoned map is still a consistent map.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::ProgressDetail;

    fn event(id: &str, status: &str, detail: Option<(i64, i64)>) -> CreateImageInfo {
        CreateImageInfo {
            id: Some(id.to_string()),
            status: Some(status.to_string()),
            progress_detail: detail.map(|(current, total)| ProgressDetail {
                current: Some(current),
                total: Some(total),
            }),
            ..CreateImageInfo::default()
        }
    }

    #[test]
    fn layers_and_bytes_follow_the_daemons_events() {
        let mut layers = Layers::default();
        assert!(!layers.apply(&event("v1", "Pulling from x", None)));
        assert!(layers.apply(&event("aaa", "Pulling fs layer", None)));
        assert!(layers.apply(&event("bbb", "Already exists", None)));
        assert!(layers.apply(&event("aaa", "Downloading", Some((100, 400)))));
        let mut progress = PullProgress::default();
        layers.fill(&mut progress);
        assert_eq!(
            (progress.layers_done, progress.layers_total),
            (1, 2),
            "{progress:?}"
        );
        assert_eq!((progress.bytes_done, progress.bytes_total), (100, 400));
        layers.apply(&event("aaa", "Download complete", None));
        layers.apply(&event("aaa", "Extracting", Some((5, 900))));
        layers.apply(&event("aaa", "Pull complete", None));
        layers.fill(&mut progress);
        assert_eq!((progress.layers_done, progress.bytes_done), (2, 400));
    }

    #[test]
    fn references_with_and_without_tags() {
        assert!(has_tag("alpine:3"));
        assert!(has_tag("127.0.0.1:5000/x:v1"));
        assert!(has_tag("x@sha256:00"));
        assert!(!has_tag("127.0.0.1:5000/x"));
        assert!(!has_tag("mcp/github"));
    }
}

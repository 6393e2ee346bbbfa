//! Servers run inside this process, each on a `tokio::io::duplex` stream: the workspace logic
//! (add, remove, restart, collisions, idle stops) is tested with it in milliseconds, without a
//! Docker daemon; an embedder can serve its own handlers the same way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use futures::FutureExt as _;
use futures::future::BoxFuture;
use tokio::io::DuplexStream;
use tokio::task::AbortHandle;

use crate::runtime::{ContainerSpec, Error, Running, Runtime, StderrTail, Step, Steps};

/// Bytes buffered each way between the gateway and an in-process server.
const PIPE: usize = 64 * 1024;

/// Serves one instance of the server `spec` names on the given stream, until the stream closes
/// or the server ends (returning ends the instance, as a process exiting would).
pub type ServeFn =
    Arc<dyn Fn(&ContainerSpec, DuplexStream) -> BoxFuture<'static, ()> + Send + Sync>;

/// [`Runtime`] whose instances are tasks of this process.
#[derive(Clone)]
pub struct InProcess {
    inner: Arc<Inner>,
}

struct Inner {
    serve: ServeFn,
    started: AtomicU64,
    running: Mutex<HashMap<String, Instance>>,
}

/// One running instance.
struct Instance {
    server: String,
    workspace: String,
    task: AbortHandle,
}

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcess")
            .field("started", &self.started())
            .field("running", &self.running().len())
            .finish_non_exhaustive()
    }
}

impl InProcess {
    /// A runtime that serves every instance with `serve`.
    pub fn new(
        serve: impl Fn(&ContainerSpec, DuplexStream) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> InProcess {
        InProcess {
            inner: Arc::new(Inner {
                serve: Arc::new(serve),
                started: AtomicU64::new(0),
                running: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The instances running now: `(id, server, workspace)`, sorted by id.
    pub fn running(&self) -> Vec<(String, String, String)> {
        let mut running: Vec<_> = lock(&self.inner.running)
            .iter()
            .map(|(id, i)| (id.clone(), i.server.clone(), i.workspace.clone()))
            .collect();
        running.sort();
        running
    }

    /// How many instances were started so far.
    pub fn started(&self) -> u64 {
        self.inner.started.load(Ordering::Relaxed)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding it; a poisoned map is still a valid map.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Runtime for InProcess {
    fn start<'a>(
        &'a self,
        spec: &'a ContainerSpec,
        steps: &'a dyn Steps,
    ) -> BoxFuture<'a, Result<Running, Error>> {
        async move {
            steps.step(Step::Creating);
            let n = self.inner.started.fetch_add(1, Ordering::Relaxed) + 1;
            let id = format!("in-process-{n}");
            let (gateway_side, server_side) = tokio::io::duplex(PIPE);
            steps.step(Step::Starting);
            let serving = (self.inner.serve)(spec, server_side);
            let done: Weak<Inner> = Arc::downgrade(&self.inner);
            let finished = id.clone();
            let task = tokio::spawn(async move {
                serving.await;
                if let Some(inner) = done.upgrade() {
                    lock(&inner.running).remove(&finished);
                }
            });
            let instance = Instance {
                server: spec.server.clone(),
                workspace: spec.workspace.clone(),
                task: task.abort_handle(),
            };
            {
                let mut running = lock(&self.inner.running);
                // A server that ended at once has already tried to remove itself.
                if !task.is_finished() {
                    running.insert(id.clone(), instance);
                }
            }
            let (stdout, stdin) = tokio::io::split(gateway_side);
            Ok(Running {
                id,
                stdout: Box::pin(stdout),
                stdin: Box::pin(stdin),
                stderr: StderrTail::default(),
            })
        }
        .boxed()
    }

    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        async move {
            if let Some(instance) = lock(&self.inner.running).remove(id) {
                instance.task.abort();
            }
        }
        .boxed()
    }

    fn stop_all(&self) -> BoxFuture<'_, usize> {
        async move {
            let all: Vec<Instance> = lock(&self.inner.running).drain().map(|(_, i)| i).collect();
            for instance in &all {
                instance.task.abort();
            }
            all.len()
        }
        .boxed()
    }

    /// Instances die with the process that ran them: there are never orphans.
    fn sweep_orphans(&self) -> BoxFuture<'_, usize> {
        async { 0 }.boxed()
    }
}

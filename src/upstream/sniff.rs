//! Progress counted as it is read off a server's stdout, so that a response waits for the
//! progress the server sent before it. rmcp hands every notification to a task of its own but
//! delivers a response at once, so without this the last progress of a request could reach the
//! client after its result (and a 2026-07-28 client, whose stream ends with the result, would
//! never see it).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use rmcp::model::{NumberOrString, ProgressToken};
use tokio::io::{AsyncRead, ReadBuf};

/// Progress notifications seen on the wire and passed on, per progress token.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    counts: Mutex<HashMap<ProgressToken, (u64, u64)>>,
    passed: tokio::sync::Notify,
}

impl Tally {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ProgressToken, (u64, u64)>> {
        // Single counter updates only; a panic cannot leave it torn.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn seen(&self, token: ProgressToken) {
        self.lock().entry(token).or_default().0 += 1;
    }

    /// One notification of `token` was passed on (or dropped for good).
    pub(crate) fn passed(&self, token: &ProgressToken) {
        if let Some(count) = self.lock().get_mut(token) {
            count.1 += 1;
        }
        self.passed.notify_waiters();
    }

    /// Waits (briefly at most) until every notification of `token` read so far was passed on,
    /// then forgets the token.
    pub(crate) async fn settle(&self, token: &ProgressToken) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(250);
        loop {
            let passed = self.passed.notified();
            let done = self
                .lock()
                .get(token)
                .is_none_or(|(seen, passed)| passed >= seen);
            if done || tokio::time::timeout_at(deadline, passed).await.is_err() {
                self.lock().remove(token);
                return;
            }
        }
    }
}

/// A server's stdout, counting the progress notifications that pass through it.
pub(crate) struct Sniffer<R> {
    inner: R,
    tally: std::sync::Arc<Tally>,
    /// The start of a line not yet read to its end.
    partial: Vec<u8>,
}

impl<R> Sniffer<R> {
    pub(crate) fn new(inner: R, tally: std::sync::Arc<Tally>) -> Sniffer<R> {
        Sniffer {
            inner,
            tally,
            partial: Vec::new(),
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            if self.partial.is_empty() {
                self.line(&rest[..end]);
            } else {
                self.partial.extend_from_slice(&rest[..end]);
                let line = std::mem::take(&mut self.partial);
                self.line(&line);
            }
            rest = &rest[end + 1..];
        }
        // Long lines are rmcp's business, not ours: only short ones can be progress.
        if self.partial.len() + rest.len() <= 4096 {
            self.partial.extend_from_slice(rest);
        } else {
            self.partial.clear();
        }
    }

    fn line(&self, line: &[u8]) {
        if memchr::memmem::find(line, b"notifications/progress").is_none() {
            return;
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Params {
            progress_token: NumberOrString,
        }
        #[derive(serde::Deserialize)]
        struct Notification {
            method: String,
            params: Params,
        }
        if let Ok(notification) = serde_json::from_slice::<Notification>(line)
            && notification.method == "notifications/progress"
        {
            self.tally
                .seen(ProgressToken(notification.params.progress_token));
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Sniffer<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            this.scan(&buf.filled()[before..]);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn progress_lines_are_counted_across_reads_and_settle_once_passed() {
        let tally = std::sync::Arc::new(Tally::default());
        let wire = concat!(
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":2}}"#,
            "\n",
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            "\n"
        );
        // One byte at a time: lines split across reads are still seen.
        let (client, mut server) = tokio::io::duplex(1);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            server.write_all(wire.as_bytes()).await.unwrap();
        });
        let mut sniffer = Sniffer::new(client, tally.clone());
        let mut all = String::new();
        let mut byte = [0u8; 1];
        while all.len() < wire.len() {
            sniffer.read_exact(&mut byte).await.unwrap();
            all.push(byte[0] as char);
        }
        assert_eq!(all, wire, "the bytes pass through untouched");
        let token = ProgressToken(NumberOrString::Number(7));
        assert_eq!(tally.lock().get(&token), Some(&(2, 0)));
        tally.passed(&token);
        let waiting = tokio::spawn({
            let tally = tally.clone();
            let token = token.clone();
            async move { tally.settle(&token).await }
        });
        tally.passed(&token);
        waiting.await.unwrap();
        assert_eq!(tally.lock().get(&token), None, "forgotten once settled");
    }
}

//! Giving memory back to the system after a burst of connections. glibc's malloc keeps what
//! freed allocations leave in its arenas: 500 stalled connections, once closed, left the
//! gateway 8 MB (45%) above its idle size for good, although nothing was leaked (one
//! `malloc_trim` brought it back to within 0.5 MB). [`Bursts`] asks for that trim once the
//! open connections fall well below a peak.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Peaks smaller than this are not worth a trim.
const WORTH_TRIMMING: usize = 64;

/// Open connections and the peak since the last trim.
#[derive(Debug, Default)]
pub(crate) struct Bursts {
    open: AtomicUsize,
    peak: AtomicUsize,
}

impl Bursts {
    pub(crate) fn opened(&self) {
        let open = self.open.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(open, Ordering::AcqRel);
    }

    /// Counts a closed connection; once a burst of at least [`WORTH_TRIMMING`] connections has
    /// fallen to a quarter of its peak, hands the freed memory back (on a blocking thread: a
    /// trim walks every arena).
    pub(crate) fn closed(&self) {
        let open = self.open.fetch_sub(1, Ordering::AcqRel).saturating_sub(1);
        let peak = self.peak.load(Ordering::Acquire);
        if peak < WORTH_TRIMMING || open > peak / 4 {
            return;
        }
        // One closing connection wins the right to trim; the next burst starts from here.
        if self
            .peak
            .compare_exchange(peak, open, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            tokio::task::spawn_blocking(release_unused);
        }
    }
}

/// Returns memory the allocator holds but does not use to the system; nothing to do off glibc.
pub(crate) fn release_unused() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(
        unsafe_code,
        reason = "the one call into glibc the standard library does not offer"
    )]
    // SAFETY: `malloc_trim` takes no pointers and only walks glibc's own arenas, each under its
    // lock; glibc documents it as safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Drops the pages of `bytes`, a part of this binary's read-only data, from the process's
/// memory; they stay in the page cache and are mapped again on the next read. For tables read
/// through once at start-up and rarely after (the embedding model): otherwise they count in
/// the gateway's resident size for good. Only whole pages inside `bytes` are dropped.
pub(crate) fn release_file_pages(bytes: &'static [u8]) {
    #[cfg(target_os = "linux")]
    {
        let page = 4096usize;
        let start = (bytes.as_ptr() as usize).next_multiple_of(page);
        let end = (bytes.as_ptr() as usize + bytes.len()) / page * page;
        if end <= start {
            return;
        }
        #[allow(
            unsafe_code,
            reason = "madvise is the one way to unmap file pages without unmapping the file"
        )]
        // SAFETY: the range lies inside `bytes`, a `'static` slice of the executable's
        // read-only, file-backed data, which nothing ever writes: MADV_DONTNEED only drops the
        // page-table entries, and the next read maps the same bytes back from the file, so no
        // reference into the range ever sees different contents.
        let outcome =
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
        if outcome != 0 {
            tracing::debug!(
                error = %std::io::Error::last_os_error(),
                "cannot release the model's pages"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_is_trimmed_once_it_has_mostly_closed() {
        let bursts = Bursts::default();
        for _ in 0..100 {
            bursts.opened();
        }
        assert_eq!(bursts.peak.load(Ordering::Acquire), 100);
        for _ in 0..74 {
            bursts.closed();
        }
        assert_eq!(
            bursts.peak.load(Ordering::Acquire),
            100,
            "not yet a quarter"
        );
        bursts.closed();
        assert_eq!(
            bursts.peak.load(Ordering::Acquire),
            25,
            "trimmed; the next peak starts here"
        );
        for _ in 0..25 {
            bursts.closed();
        }
        assert_eq!(bursts.open.load(Ordering::Acquire), 0);
    }

    static TABLE: [u8; 3 * 4096] = [7; 3 * 4096];

    #[test]
    fn released_file_pages_read_back_the_same() {
        let table: &'static [u8] = &TABLE;
        let sum = |t: &[u8]| t.iter().map(|b| u64::from(*b)).sum::<u64>();
        let before = sum(table);
        release_file_pages(table);
        assert_eq!(sum(table), before);
        release_file_pages(&table[1..10]);
        assert_eq!(sum(table), before);
    }
}

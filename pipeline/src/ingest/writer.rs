//! Background writers: encode record batches as Parquet and write them atomically, so
//! encoding overlaps with parsing. A few threads share one bounded queue: encoding uses
//! every core while the caller waits for a batch, and the fsync/create waits of different
//! files overlap. The bound keeps memory bounded (at most `threads` batches being written
//! plus `threads` queued).

use crate::lake::{Lake, Table};
use crate::{Error, Result};
use arrow::record_batch::RecordBatch;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Writer threads. More than the 2 cores murmur is sized for: part of a write is waiting
/// for the disk (create, fsync, rename, folder fsync), not computing.
const THREADS: usize = 3;

struct Job {
    table: Table,
    path: String,
    batch: RecordBatch,
}

#[derive(Default)]
struct Shared {
    error: Option<Error>,
    /// The first failure, kept after `error` is handed out: every later call fails too, so
    /// a caller that retries (or closes a batch again on shutdown) never sees success.
    failed: Option<String>,
    files: u64,
    bytes: u64,
    /// Jobs submitted and not finished yet.
    pending: usize,
}

/// Handle to the writer threads.
pub struct Writer {
    tx: Option<SyncSender<Job>>,
    handles: Vec<JoinHandle<()>>,
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl Writer {
    /// Starts the writer threads.
    pub fn start(lake: Arc<Lake>) -> Writer {
        let (tx, rx) = sync_channel::<Job>(THREADS);
        let rx = Arc::new(Mutex::new(rx));
        let shared = Arc::new((Mutex::new(Shared::default()), Condvar::new()));
        let handles = (0..THREADS)
            .map(|i| {
                let (lake, rx, shared) = (lake.clone(), rx.clone(), shared.clone());
                std::thread::Builder::new()
                    .name(format!("murmur-writer-{i}"))
                    .spawn(move || run(lake, rx, shared))
                    .expect("spawning a writer thread")
            })
            .collect();
        Writer {
            tx: Some(tx),
            handles,
            shared,
        }
    }

    fn take_error(&self) -> Result<()> {
        let mut shared = self.shared.0.lock().expect("writer state lock");
        take_error(&mut shared)
    }

    /// Queues a batch; fails with the writer's error if an earlier write failed.
    pub fn submit(&mut self, table: Table, path: String, batch: RecordBatch) -> Result<()> {
        self.take_error()?;
        self.shared.0.lock().expect("writer state lock").pending += 1;
        let tx = self.tx.as_ref().expect("writer running");
        if tx.send(Job { table, path, batch }).is_err() {
            self.shared.0.lock().expect("writer state lock").pending -= 1;
            self.take_error()?;
        }
        Ok(())
    }

    /// Waits until everything queued is durable; returns (files, bytes) written so far.
    pub fn wait(&mut self) -> Result<(u64, u64)> {
        let (lock, done) = &*self.shared;
        let mut shared = lock.lock().expect("writer state lock");
        while shared.pending > 0 {
            shared = done.wait(shared).expect("writer state lock");
        }
        take_error(&mut shared)?;
        Ok((shared.files, shared.bytes))
    }

    /// Waits for everything and stops the threads.
    pub fn finish(mut self) -> Result<(u64, u64)> {
        self.stop();
        self.take_error()?;
        let shared = self.shared.0.lock().expect("writer state lock");
        Ok((shared.files, shared.bytes))
    }

    fn stop(&mut self) {
        self.tx.take();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

fn take_error(shared: &mut Shared) -> Result<()> {
    match shared.error.take() {
        Some(e) => {
            shared.failed = Some(e.to_string());
            Err(e)
        }
        None => match &shared.failed {
            Some(first) => Err(Error::Halted {
                first: first.clone(),
            }),
            None => Ok(()),
        },
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(lake: Arc<Lake>, rx: Arc<Mutex<Receiver<Job>>>, shared: Arc<(Mutex<Shared>, Condvar)>) {
    let (lock, done) = &*shared;
    loop {
        // Hold the receiver only while taking a job, so the other threads can take theirs.
        let job = rx.lock().expect("writer queue lock").recv();
        let Ok(Job { table, path, batch }) = job else {
            return; // Queue closed: the writer is finishing.
        };
        let stopped = {
            let s = lock.lock().expect("writer state lock");
            s.error.is_some() || s.failed.is_some()
        };
        // Stop writing after the first failure; nothing partial is left.
        let result = if stopped {
            None
        } else {
            Some(lake.encode(table, &batch).and_then(|bytes| {
                let n = bytes.len() as u64;
                lake.put_atomic(&path, bytes).map(|()| n)
            }))
        };
        let mut s = lock.lock().expect("writer state lock");
        match result {
            Some(Ok(n)) => {
                s.files += 1;
                s.bytes += n;
                tracing::debug!(file = %path, rows = batch.num_rows(), "Wrote lake file.");
            }
            // Only the first failure is reported.
            Some(Err(e)) if s.error.is_none() && s.failed.is_none() => s.error = Some(e),
            Some(Err(_)) | None => {}
        }
        s.pending -= 1;
        done.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After a failed write every later call fails too, and nothing more is written: a
    /// second `wait` (e.g. closing a batch again on shutdown) must not report success.
    #[test]
    fn a_failed_write_keeps_failing_and_stops_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Arc::new(Lake::open_local(dir.path()).expect("lake"));
        // A file where the day folder should be: the write cannot create its folder.
        std::fs::write(dir.path().join("posts/date=2026-01-01"), b"in the way").unwrap();
        let batch = RecordBatch::new_empty(Table::Posts.schema());
        let mut writer = Writer::start(lake.clone());
        writer
            .submit(
                Table::Posts,
                "posts/date=2026-01-01/part-a.parquet".into(),
                batch.clone(),
            )
            .expect("queued");
        assert!(matches!(writer.wait(), Err(Error::LakeIo { .. })));
        assert!(matches!(writer.wait(), Err(Error::Halted { .. })));
        assert!(
            writer
                .submit(
                    Table::Posts,
                    "posts/date=2026-01-02/part-b.parquet".into(),
                    batch
                )
                .is_err()
        );
        assert!(writer.finish().is_err());
        assert!(
            !dir.path()
                .join("posts/date=2026-01-02/part-b.parquet")
                .exists()
        );
    }
}

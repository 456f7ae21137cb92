//! Background writer: encodes record batches as Parquet and writes them atomically, so
//! encoding overlaps with parsing. A bounded queue keeps memory bounded.

use crate::lake::{Lake, Table};
use crate::{Error, Result};
use arrow::record_batch::RecordBatch;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

enum Job {
    Write {
        table: Table,
        path: String,
        batch: RecordBatch,
    },
    Barrier(SyncSender<()>),
}

#[derive(Default)]
struct Shared {
    error: Option<Error>,
    /// The first failure, kept after `error` is handed out: every later call fails too, so
    /// a caller that retries (or closes a batch again on shutdown) never sees success.
    failed: Option<String>,
    files: u64,
    bytes: u64,
}

/// Handle to the writer thread.
pub struct Writer {
    tx: Option<SyncSender<Job>>,
    handle: Option<JoinHandle<()>>,
    shared: Arc<Mutex<Shared>>,
}

impl Writer {
    /// Starts the writer thread.
    pub fn start(lake: Arc<Lake>) -> Writer {
        let (tx, rx) = sync_channel::<Job>(2);
        let shared = Arc::new(Mutex::new(Shared::default()));
        let s = shared.clone();
        let handle = std::thread::Builder::new()
            .name("murmur-writer".into())
            .spawn(move || run(lake, rx, s))
            .expect("spawning the writer thread");
        Writer {
            tx: Some(tx),
            handle: Some(handle),
            shared,
        }
    }

    fn take_error(&self) -> Result<()> {
        let mut shared = self.shared.lock().expect("writer state lock");
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

    /// Queues a batch; fails with the writer's error if an earlier write failed.
    pub fn submit(&mut self, table: Table, path: String, batch: RecordBatch) -> Result<()> {
        self.take_error()?;
        let tx = self.tx.as_ref().expect("writer running");
        if tx.send(Job::Write { table, path, batch }).is_err() {
            self.take_error()?;
        }
        Ok(())
    }

    /// Waits until everything queued is durable; returns (files, bytes) written so far.
    pub fn wait(&mut self) -> Result<(u64, u64)> {
        let (done_tx, done_rx) = sync_channel(1);
        if let Some(tx) = &self.tx
            && tx.send(Job::Barrier(done_tx)).is_ok()
        {
            let _ = done_rx.recv();
        }
        self.take_error()?;
        let shared = self.shared.lock().expect("writer state lock");
        Ok((shared.files, shared.bytes))
    }

    /// Waits for everything and stops the thread.
    pub fn finish(mut self) -> Result<(u64, u64)> {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        self.take_error()?;
        let shared = self.shared.lock().expect("writer state lock");
        Ok((shared.files, shared.bytes))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run(lake: Arc<Lake>, rx: Receiver<Job>, shared: Arc<Mutex<Shared>>) {
    for job in rx {
        match job {
            Job::Barrier(done) => {
                let _ = done.send(());
            }
            Job::Write { table, path, batch } => {
                let s = shared.lock().expect("writer state lock");
                if s.error.is_some() || s.failed.is_some() {
                    continue; // Stop writing after the first failure; nothing partial is left.
                }
                drop(s);
                let result = lake.encode(table, &batch).and_then(|bytes| {
                    let n = bytes.len() as u64;
                    lake.put_atomic(&path, bytes).map(|()| n)
                });
                let mut s = shared.lock().expect("writer state lock");
                match result {
                    Ok(n) => {
                        s.files += 1;
                        s.bytes += n;
                        tracing::debug!(file = %path, rows = batch.num_rows(), "Wrote lake file.");
                    }
                    Err(e) => s.error = Some(e),
                }
            }
        }
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

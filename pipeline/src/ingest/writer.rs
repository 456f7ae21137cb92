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
            Some(e) => Err(e),
            None => Ok(()),
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
                if shared.lock().expect("writer state lock").error.is_some() {
                    continue; // Stop writing after the first failure; nothing partial is left.
                }
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

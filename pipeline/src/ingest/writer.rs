//! Background writers: build record batches of buffered rows, encode them as Parquet and
//! write them atomically, so encoding overlaps with parsing. A few threads share one queue: encoding uses every core
//! while the caller parses the next rows, and the fsync/create waits of different files
//! overlap. The queue is bounded in rows (rows queued or being written), so memory stays
//! bounded by the ingest settings.
//!
//! Every job gets a sequence number; [`Writer::ticket`] names everything submitted so far
//! and [`Writer::is_durable`] says whether all of it is written, so a Kafka batch can record
//! its offsets once its own files are durable while the next batch is already being read.

use super::rows::FileRows;
use crate::lake::Lake;
use crate::{Error, Result};
use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Writer threads. More than the 2 cores murmur is sized for: part of a write is waiting
/// for the disk (create, fsync, rename, folder fsync), not computing.
const THREADS: usize = 3;

/// How far the writers take a file: all the way, except in a build with the `bench-stages`
/// feature, where `MURMUR_BENCH_WRITER_STAGE` can stop them after a stage to measure what
/// the stages before cost (docs/kafka.md, "Tenth round"). Such a build loses data on purpose.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// Drop the rows.
    Nothing,
    /// Build the Arrow record batch, then drop it.
    Batch,
    /// Encode the Parquet file in memory, then drop it.
    Encode,
    /// Write the file (every build but a `bench-stages` one).
    Write,
}

#[cfg(feature = "bench-stages")]
fn stage() -> Stage {
    match std::env::var("MURMUR_BENCH_WRITER_STAGE").as_deref() {
        Ok("nothing") => Stage::Nothing,
        Ok("batch") => Stage::Batch,
        Ok("encode") => Stage::Encode,
        Ok("write") | Err(_) => Stage::Write,
        Ok(other) => panic!(
            "MURMUR_BENCH_WRITER_STAGE: expected nothing, batch, encode or write, got {other:?}"
        ),
    }
}

#[cfg(not(feature = "bench-stages"))]
fn stage() -> Stage {
    Stage::Write
}

struct Job {
    seq: u64,
    path: String,
    rows: FileRows,
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
    queue: VecDeque<Job>,
    /// Rows of the jobs queued or being written.
    rows_in_flight: usize,
    /// No more jobs will come: the threads stop once the queue is empty.
    closed: bool,
    /// Every job with a sequence number below this one is finished.
    done_below: u64,
    /// Finished jobs at or above `done_below` (jobs finish out of order).
    done_ahead: BTreeSet<u64>,
}

struct State {
    shared: Mutex<Shared>,
    /// Signalled when a job is queued or the queue is closed.
    work: Condvar,
    /// Signalled when a job finishes.
    done: Condvar,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().expect("writer state lock")
    }
}

/// Handle to the writer threads.
pub struct Writer {
    handles: Vec<JoinHandle<()>>,
    state: Arc<State>,
    /// Jobs submitted so far (the next sequence number).
    submitted: u64,
    /// Rows queued or being written above which `submit` waits.
    max_rows_in_flight: usize,
}

impl Writer {
    /// Starts the writer threads; `submit` waits while more than `max_rows_in_flight` rows
    /// are queued or being written.
    pub fn start(lake: Arc<Lake>, max_rows_in_flight: usize) -> Writer {
        let state = Arc::new(State {
            shared: Mutex::new(Shared::default()),
            work: Condvar::new(),
            done: Condvar::new(),
        });
        let stage = stage();
        if stage != Stage::Write {
            tracing::warn!(
                ?stage,
                "A bench-stages build: the writers stop at this stage and write nothing."
            );
        }
        let handles = (0..THREADS)
            .map(|i| {
                let (lake, state) = (lake.clone(), state.clone());
                std::thread::Builder::new()
                    .name(format!("murmur-writer-{i}"))
                    .spawn(move || run(lake, state, stage))
                    .expect("spawning a writer thread")
            })
            .collect();
        Writer {
            handles,
            state,
            submitted: 0,
            max_rows_in_flight: max_rows_in_flight.max(1),
        }
    }

    fn take_error(&self) -> Result<()> {
        take_error(&mut self.state.lock())
    }

    /// Queues the rows of one file; fails with the writer's error if an earlier write
    /// failed. Waits while too many rows are queued or being written.
    pub fn submit(&mut self, path: String, file_rows: FileRows) -> Result<()> {
        let rows = file_rows.len();
        let mut shared = self.state.lock();
        take_error(&mut shared)?;
        while shared.rows_in_flight > 0 && shared.rows_in_flight + rows > self.max_rows_in_flight {
            shared = self.state.done.wait(shared).expect("writer state lock");
            take_error(&mut shared)?;
        }
        let seq = self.submitted;
        self.submitted += 1;
        shared.pending += 1;
        shared.rows_in_flight += rows;
        shared.queue.push_back(Job {
            seq,
            path,
            rows: file_rows,
        });
        drop(shared);
        self.state.work.notify_one();
        Ok(())
    }

    /// Names everything submitted so far, for [`Writer::is_durable`] and
    /// [`Writer::wait_for`].
    pub fn ticket(&self) -> u64 {
        self.submitted
    }

    /// Whether every job submitted before `ticket` was taken is durable; fails if any write
    /// failed.
    pub fn is_durable(&self, ticket: u64) -> Result<bool> {
        let mut shared = self.state.lock();
        take_error(&mut shared)?;
        Ok(shared.done_below >= ticket)
    }

    /// Waits until every job submitted before `ticket` was taken is durable.
    pub fn wait_for(&self, ticket: u64) -> Result<()> {
        let mut shared = self.state.lock();
        while shared.done_below < ticket && shared.error.is_none() && shared.failed.is_none() {
            shared = self.state.done.wait(shared).expect("writer state lock");
        }
        take_error(&mut shared)
    }

    /// Files and bytes written so far.
    pub fn written(&self) -> (u64, u64) {
        let shared = self.state.lock();
        (shared.files, shared.bytes)
    }

    /// Waits until everything queued is durable.
    pub fn wait(&mut self) -> Result<()> {
        let mut shared = self.state.lock();
        while shared.pending > 0 {
            shared = self.state.done.wait(shared).expect("writer state lock");
        }
        take_error(&mut shared)
    }

    /// Waits for everything and stops the threads.
    pub fn finish(mut self) -> Result<(u64, u64)> {
        self.stop();
        self.take_error()?;
        Ok(self.written())
    }

    fn stop(&mut self) {
        self.state.lock().closed = true;
        self.state.work.notify_all();
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

fn run(lake: Arc<Lake>, state: Arc<State>, stage: Stage) {
    loop {
        let (job, stopped) = {
            let mut shared = state.lock();
            loop {
                if let Some(job) = shared.queue.pop_front() {
                    break (job, shared.error.is_some() || shared.failed.is_some());
                }
                if shared.closed {
                    return; // Queue closed and empty: the writer is finishing.
                }
                shared = state.work.wait(shared).expect("writer state lock");
            }
        };
        let Job {
            seq,
            path,
            rows: file_rows,
        } = job;
        let rows = file_rows.len();
        // Stop writing after the first failure; nothing partial is left.
        let result = if stopped {
            drop(file_rows);
            None
        } else {
            Some(write(&lake, &path, file_rows, stage))
        };
        let mut s = state.lock();
        match result {
            Some(Ok(Some(n))) => {
                s.files += 1;
                s.bytes += n;
                tracing::debug!(file = %path, rows, "Wrote lake file.");
            }
            // Only the first failure is reported.
            Some(Err(e)) if s.error.is_none() && s.failed.is_none() => s.error = Some(e),
            Some(Ok(None) | Err(_)) | None => {}
        }
        s.pending -= 1;
        s.rows_in_flight -= rows;
        s.done_ahead.insert(seq);
        loop {
            let next = s.done_below;
            if !s.done_ahead.remove(&next) {
                break;
            }
            s.done_below += 1;
        }
        drop(s);
        state.done.notify_all();
    }
}

/// Builds, encodes and writes one file; its size, or `None` if `stage` stopped before the
/// write.
fn write(lake: &Lake, path: &str, file_rows: FileRows, stage: Stage) -> Result<Option<u64>> {
    let table = file_rows.table;
    if stage == Stage::Nothing {
        return Ok(None);
    }
    let batch = file_rows.into_batch()?;
    if stage == Stage::Batch {
        return Ok(None);
    }
    let bytes = lake.encode(table, &batch)?;
    drop(batch);
    if stage == Stage::Encode {
        return Ok(None);
    }
    let n = bytes.len() as u64;
    lake.put_atomic(path, bytes).map(|()| Some(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Source;
    use crate::lake::Table;

    /// No rows of the posts table.
    fn no_rows() -> FileRows {
        FileRows {
            table: Table::Posts,
            columns: crate::ingest::rows::Columns::new(Table::Posts),
            positions: Vec::new(),
            partitions: Vec::new(),
            source: Source {
                name: "test".into(),
                id: "test".into(),
                partition: None,
            },
            ingested_at: 0,
        }
    }

    /// After a failed write every later call fails too, and nothing more is written: a
    /// second `wait` (e.g. closing a batch again on shutdown) must not report success.
    #[test]
    fn a_failed_write_keeps_failing_and_stops_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Arc::new(Lake::open_local(dir.path()).expect("lake"));
        // A file where the day folder should be: the write cannot create its folder.
        std::fs::write(dir.path().join("posts/date=2026-01-01"), b"in the way").unwrap();
        let mut writer = Writer::start(lake.clone(), 1000);
        writer
            .submit("posts/date=2026-01-01/part-a.parquet".into(), no_rows())
            .expect("queued");
        assert!(matches!(writer.wait(), Err(Error::LakeIo { .. })));
        assert!(matches!(writer.wait(), Err(Error::Halted { .. })));
        assert!(
            writer
                .submit("posts/date=2026-01-02/part-b.parquet".into(), no_rows())
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

//! `murmur ingest file`: JSONL files (or stdin) into the lake.
//!
//! Each file is identified by the hash of its content, and each record by its line number,
//! so ingesting the same file again changes nothing: valid events are kept once by id and
//! bad lines are quarantined once by (file hash, line).

use super::{IngestOptions, Ingestor, Prepared, Source, Stats, prepare};
use crate::contract::{MAX_EVENT_BYTES, Rejection};
use crate::lake::Lake;
use crate::pseudonym::Pseudonymiser;
use crate::{Error, Result};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Lines parsed in parallel at a time.
const CHUNK_LINES: usize = 16_384;

/// One input: a file, or standard input (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A JSONL file.
    File(PathBuf),
    /// Standard input, spooled to a temporary file first so it can be hashed.
    Stdin,
}

impl Input {
    /// `-` means stdin, anything else a path.
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(arg))
        }
    }
}

/// Progress of a file ingest, for a progress bar or log lines.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Bytes of input processed so far (all inputs).
    pub bytes_done: u64,
    /// Bytes of input in total (all inputs).
    pub bytes_total: u64,
}

/// Ingests JSONL inputs into the lake and returns the counts.
pub fn ingest_files(
    lake: Arc<Lake>,
    pseudo: &Pseudonymiser,
    inputs: &[Input],
    options: &IngestOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Stats> {
    let mut spooled: Option<PathBuf> = None;
    let mut files = Vec::new();
    for input in inputs {
        match input {
            Input::File(p) => files.push((p.clone(), p.display().to_string())),
            Input::Stdin => {
                let path = spool_stdin()?;
                spooled = Some(path.clone());
                files.push((path, "<stdin>".to_string()));
            }
        }
    }
    let result = (|| {
        let sizes = files
            .iter()
            .map(|(path, _)| {
                std::fs::metadata(path)
                    .map(|m| m.len())
                    .map_err(|source| Error::Input {
                        path: path.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<u64>>>()?;
        let total = sizes.iter().sum();
        let mut ingestor = Ingestor::new(lake, options.clone())?;
        let mut done = 0u64;
        for ((path, name), size) in files.iter().zip(sizes) {
            let id = hash_file(path)?;
            let source = ingestor.add_source(Source {
                name: name.as_str().into(),
                id: format!("f{}", &id[..16]).into(),
                partition: None,
            });
            ingest_one(&mut ingestor, source, path, pseudo, &mut |bytes| {
                progress(Progress {
                    bytes_done: done + bytes,
                    bytes_total: total,
                })
            })?;
            ingestor.flush_all()?;
            done += size;
            tracing::debug!(file = %name, "Input read.");
        }
        ingestor.finish()
    })();
    if let Some(p) = spooled {
        let _ = std::fs::remove_file(p);
    }
    result
}

fn spool_stdin() -> Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("murmur-stdin-{}.jsonl", std::process::id()));
    let io = |source| Error::Input {
        path: PathBuf::from("<stdin>"),
        source,
    };
    let mut out = std::fs::File::create(&path).map_err(io)?;
    std::io::copy(&mut std::io::stdin().lock(), &mut out).map_err(io)?;
    Ok(path)
}

/// xxh3-128 of a file's content, hex.
fn hash_file(path: &Path) -> Result<String> {
    let io = |source| Error::Input {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

/// A line read: its bytes (at most `MAX_EVENT_BYTES + 1` kept) and its full length.
struct Line {
    start: usize,
    end: usize,
    full_len: usize,
    number: i64,
}

fn ingest_one(
    ingestor: &mut Ingestor,
    source: usize,
    path: &Path,
    pseudo: &Pseudonymiser,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let io = |source| Error::Input {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut data: Vec<u8> = Vec::with_capacity(16 << 20);
    let mut lines: Vec<Line> = Vec::with_capacity(CHUNK_LINES);
    let mut number = 0i64;
    let mut bytes = 0u64;
    loop {
        data.clear();
        lines.clear();
        let mut eof = false;
        while lines.len() < CHUNK_LINES && data.len() < (16 << 20) {
            let start = data.len();
            let (consumed, newline) =
                read_line_capped(&mut reader, &mut data, MAX_EVENT_BYTES + 1).map_err(io)?;
            if consumed == 0 {
                eof = true;
                break;
            }
            bytes += consumed as u64;
            number += 1;
            let truncated = data.len() - start < consumed;
            let mut end = data.len();
            if !truncated {
                // Strip the line ending (\n or \r\n).
                while end > start && (data[end - 1] == b'\n' || data[end - 1] == b'\r') {
                    end -= 1;
                }
            }
            if data[start..end].iter().all(u8::is_ascii_whitespace) {
                data.truncate(start);
                continue; // Blank line: no record.
            }
            let full_len = if truncated {
                consumed - usize::from(newline)
            } else {
                end - start
            };
            lines.push(Line {
                start,
                end,
                full_len,
                number,
            });
        }
        let prepared: Vec<Prepared> = lines
            .par_iter()
            .map(|l| {
                let raw = &data[l.start..l.end];
                if l.full_len > MAX_EVENT_BYTES {
                    Prepared::Rejected {
                        rejection: Rejection::oversize(l.full_len),
                        raw: pseudo.redact(&raw[..raw.len().min(MAX_EVENT_BYTES)]),
                        size: l.full_len,
                    }
                } else {
                    prepare(Some(raw), pseudo)
                }
            })
            .collect();
        for (line, p) in lines.iter().zip(prepared) {
            ingestor.accept(source, line.number, p)?;
        }
        progress(bytes);
        if eof {
            return Ok(());
        }
    }
}

/// Reads one line (through `\n`), appending at most `cap` bytes of it to `out`.
/// Returns (bytes consumed from the reader, whether the line ended with a newline).
fn read_line_capped(
    reader: &mut impl BufRead,
    out: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut kept = 0usize;
    let mut consumed = 0usize;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((consumed, false));
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = cap.saturating_sub(kept);
        let keep = take.min(room);
        out.extend_from_slice(&buf[..keep]);
        kept += keep;
        reader.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, true));
        }
    }
}

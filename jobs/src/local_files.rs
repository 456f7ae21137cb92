//! Local files for DataFusion, read on the calling thread.
//!
//! `object_store`'s `LocalFileSystem` hands every read to tokio's blocking pool
//! (`spawn_blocking`), and a ranged `get` does so twice (open, then read). A scan of the lake
//! makes a few such reads per file: its footer, then its column chunks. With one small file
//! per day, a year's scan opened 736 files and made 1,376 reads (strace), so about 1,100
//! hand-offs, each a thread wake-up and a context switch.
//! Reading a few hundred kilobytes that the page cache already holds takes less time than
//! the hand-off, so this store reads ranges where it is called, as DuckDB does. Everything
//! else (listing, whole-object reads, writes, conditional reads) goes to `LocalFileSystem`
//! unchanged, and so does any read that fails here, so errors are `LocalFileSystem`'s own.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
    Result,
};
use std::fmt;
use std::fs::{File, Metadata};
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::SystemTime;

/// Reads larger than this go to `LocalFileSystem` (which streams them) rather than into
/// one buffer here: a lake file's footer and column chunks are far smaller.
const INLINE_MAX_BYTES: u64 = 64 << 20;

/// `LocalFileSystem` with ranged reads done on the calling thread.
#[derive(Debug, Default)]
pub struct InlineLocalFiles {
    inner: LocalFileSystem,
}

impl InlineLocalFiles {
    /// A store over the whole local file system (paths are absolute), like
    /// `LocalFileSystem::new()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The file at `location`, as `LocalFileSystem` maps it; `None` if it cannot be opened.
    fn open(&self, location: &Path) -> Option<File> {
        File::open(self.inner.path_to_filesystem(location).ok()?).ok()
    }

    /// The ranged read of `get_opts`, or `None` when it is not a plain ranged read or
    /// fails (the caller then asks `LocalFileSystem`).
    fn get_range_inline(&self, location: &Path, options: &GetOptions) -> Option<GetResult> {
        let plain = !options.head
            && options.if_match.is_none()
            && options.if_none_match.is_none()
            && options.if_modified_since.is_none()
            && options.if_unmodified_since.is_none()
            && options.version.is_none();
        let requested = options.range.as_ref().filter(|_| plain)?;
        let file = self.open(location)?;
        let metadata = file.metadata().ok().filter(|m| m.is_file())?;
        let range = requested.as_range(metadata.len()).ok()?;
        if range.end - range.start > INLINE_MAX_BYTES {
            return None;
        }
        let bytes = read_range(&file, range.clone())?;
        Some(GetResult {
            payload: GetResultPayload::Stream(futures::stream::once(async { Ok(bytes) }).boxed()),
            meta: object_meta(location, &metadata),
            range,
            attributes: Attributes::default(),
        })
    }

    fn get_ranges_inline(&self, location: &Path, ranges: &[Range<u64>]) -> Option<Vec<Bytes>> {
        let total = ranges
            .iter()
            .fold(0u64, |n, r| n.saturating_add(r.end.saturating_sub(r.start)));
        if total > INLINE_MAX_BYTES {
            return None;
        }
        let file = self.open(location)?;
        ranges
            .iter()
            .map(|r| read_range(&file, r.clone()))
            .collect()
    }
}

/// Exactly the bytes of `range`, or `None` if the file is shorter or unreadable.
fn read_range(file: &File, range: Range<u64>) -> Option<Bytes> {
    let len = usize::try_from(range.end.checked_sub(range.start)?).ok()?;
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, range.start).ok()?;
    Some(Bytes::from(buf))
}

/// The object's metadata as `LocalFileSystem` reports it (same ETag scheme), so cached
/// footers keyed by it match whichever path read the file.
fn object_meta(location: &Path, metadata: &Metadata) -> ObjectMeta {
    let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let mtime = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    ObjectMeta {
        location: location.clone(),
        last_modified: modified.into(),
        size: metadata.len(),
        e_tag: Some(format!(
            "{:x}-{:x}-{:x}",
            metadata.ino(),
            mtime,
            metadata.len()
        )),
        version: None,
    }
}

impl fmt::Display for InlineLocalFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InlineLocalFiles({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for InlineLocalFiles {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        match self.get_range_inline(location, &options) {
            Some(result) => Ok(result),
            None => self.inner.get_opts(location, options).await,
        }
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        match self.get_ranges_inline(location, ranges) {
            Some(bytes) => Ok(bytes),
            None => self.inner.get_ranges(location, ranges).await,
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::{GetRange, ObjectStoreExt};

    fn setup() -> (tempfile::TempDir, Path, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let file = dir.path().join("f.parquet");
        std::fs::write(&file, &data).unwrap();
        let location = Path::from_absolute_path(&file).unwrap();
        (dir, location, data)
    }

    #[tokio::test]
    async fn ranged_reads_match_the_local_file_system() {
        let (_dir, location, data) = setup();
        let ours = InlineLocalFiles::new();
        let theirs = LocalFileSystem::new();
        for range in [0..1, 17..4_096, 9_000..10_000] {
            let got = ours.get_range(&location, range.clone()).await.unwrap();
            assert_eq!(&got[..], &data[range.start as usize..range.end as usize]);
        }
        let ranges = [8..16, 0..10_000, 5_000..5_001];
        let got = ours.get_ranges(&location, &ranges).await.unwrap();
        assert_eq!(got, theirs.get_ranges(&location, &ranges).await.unwrap());
        // A footer read: the last 8 bytes, with the object's metadata as LocalFileSystem has it.
        let options = GetOptions {
            range: Some(GetRange::Suffix(8)),
            ..GetOptions::default()
        };
        let result = ours.get_opts(&location, options).await.unwrap();
        assert!(
            matches!(result.payload, GetResultPayload::Stream(_)),
            "read here"
        );
        assert_eq!(result.range, 9_992..10_000);
        assert_eq!(result.meta, theirs.head(&location).await.unwrap());
        assert_eq!(&result.bytes().await.unwrap()[..], &data[9_992..]);
    }

    #[tokio::test]
    async fn other_requests_and_failures_are_the_local_file_system_s() {
        let (dir, location, data) = setup();
        let ours = InlineLocalFiles::new();
        // A whole-object read streams from the file, as LocalFileSystem does.
        let whole = ours.get(&location).await.unwrap();
        assert!(matches!(whole.payload, GetResultPayload::File(..)));
        assert_eq!(&whole.bytes().await.unwrap()[..], &data[..]);
        // Missing file: LocalFileSystem's NotFound, naming the path.
        let missing = Path::from_absolute_path(dir.path().join("gone.parquet")).unwrap();
        let err = ours.get_range(&missing, 0..4).await.unwrap_err();
        assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("gone.parquet"), "{err}");
        let err = ours.get_ranges(&missing, &[0..4, 4..8]).await.unwrap_err();
        assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
        // Past the end: LocalFileSystem's error, not a short read.
        let theirs = LocalFileSystem::new();
        let err = ours.get_range(&location, 20_000..20_010).await.unwrap_err();
        let want = theirs
            .get_range(&location, 20_000..20_010)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), want.to_string());
        let err = ours
            .get_ranges(&location, &[0..4, 9_990..10_010])
            .await
            .unwrap_err();
        let want = theirs
            .get_ranges(&location, &[0..4, 9_990..10_010])
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), want.to_string());
        // Listing is LocalFileSystem's.
        let prefix = Path::from_absolute_path(dir.path()).unwrap();
        let listed = ours.list_with_delimiter(Some(&prefix)).await.unwrap();
        assert_eq!(listed.objects.len(), 1);
        assert_eq!(listed.objects[0].location, location);
    }
}

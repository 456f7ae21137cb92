//! The patched zstd-safe (vendor/zstd-safe) reuses contexts per thread: a reused context
//! must behave as a new one. Each test alternates kinds of use on one thread so that
//! contexts pass from one use to the next.

use zstd::bulk::{Compressor, Decompressor};

/// Varied inputs: text-like, repetitive, incompressible-ish, empty.
fn inputs() -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for n in [1usize, 100, 5_000, 200_000] {
        out.push((0..n).map(|i| b"abcdefghij"[i % 10]).collect());
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ n as u64;
        out.push(
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect(),
        );
    }
    out
}

#[test]
fn reused_contexts_round_trip_at_every_level_in_turn() {
    for round in 0..3 {
        for (i, data) in inputs().iter().enumerate() {
            let level = [1, 3, 19, -5][(i + round) % 4];
            let frame = zstd::bulk::compress(data, level).unwrap();
            let back = zstd::bulk::decompress(&frame, data.len()).unwrap();
            assert_eq!(&back, data, "input {i}, level {level}");
        }
    }
}

#[test]
fn a_dictionary_does_not_outlive_its_context() {
    let dict = b"the quick brown fox jumps over the lazy dog ".repeat(20);
    let data = b"the quick brown fox jumps over the lazy dog, again and again ".repeat(50);
    for _ in 0..3 {
        // A compressor and a decompressor with the dictionary, dropped after use.
        let with_dict = Compressor::with_dictionary(3, &dict)
            .unwrap()
            .compress(&data)
            .unwrap();
        let back = Decompressor::with_dictionary(&dict)
            .unwrap()
            .decompress(&with_dict, data.len())
            .unwrap();
        assert_eq!(back, data);
        // Contexts made next (the reused ones, if any) have no dictionary: their frames
        // decompress without it, and a frame that needs it is refused.
        let plain = Compressor::new(3).unwrap().compress(&data).unwrap();
        assert_eq!(
            Decompressor::new()
                .unwrap()
                .decompress(&plain, data.len())
                .unwrap(),
            data
        );
        assert!(
            Decompressor::new()
                .unwrap()
                .decompress(&with_dict, data.len())
                .is_err(),
            "a decompressor without the dictionary must refuse a frame that needs it"
        );
    }
}

#[test]
fn a_failed_decompression_leaves_no_trace_in_the_next_one() {
    let data = b"murmur ".repeat(1_000);
    let frame = zstd::bulk::compress(&data, 3).unwrap();
    for _ in 0..3 {
        let mut truncated = frame.clone();
        truncated.truncate(frame.len() / 2);
        assert!(zstd::bulk::decompress(&truncated, data.len()).is_err());
        // Too small a capacity fails too.
        assert!(zstd::bulk::decompress(&frame, 10).is_err());
        assert_eq!(zstd::bulk::decompress(&frame, data.len()).unwrap(), data);
    }
}

#[test]
fn contexts_move_between_threads() {
    let data = b"lake ".repeat(10_000);
    let mut compressor = Compressor::new(3).unwrap();
    let frame = compressor.compress(&data).unwrap();
    // Made here, used and dropped on another thread (into that thread's pool).
    let handle = std::thread::spawn(move || {
        let again = compressor.compress(&data).unwrap();
        drop(compressor);
        let fresh = zstd::bulk::compress(&data, 3).unwrap();
        (again, fresh, data)
    });
    let (again, fresh, data) = handle.join().unwrap();
    assert_eq!(again, frame);
    assert_eq!(fresh, frame);
    assert_eq!(zstd::bulk::decompress(&frame, data.len()).unwrap(), data);
}

/// The reset itself, through zstd-safe's own API (the `zstd` crate's `bulk` types set
/// their level and dictionary on every context they make, so they would not notice): a
/// context made after one that had a dictionary and level 19 has neither.
#[test]
fn a_context_made_after_another_starts_from_the_defaults() {
    use zstd::zstd_safe::{CCtx, CParameter, DCtx};
    let dict = b"the quick brown fox jumps over the lazy dog ".repeat(40);
    let data = b"the quick brown fox jumps over the lazy dog, again and again ".repeat(50);
    let compress = |c: &mut CCtx| {
        let mut frame = Vec::with_capacity(zstd::zstd_safe::compress_bound(data.len()));
        c.compress2(&mut frame, &data).unwrap();
        frame
    };
    let default_frame = zstd::bulk::compress(&data, zstd::DEFAULT_COMPRESSION_LEVEL).unwrap();
    for _ in 0..3 {
        let mut c = CCtx::create();
        c.set_parameter(CParameter::CompressionLevel(19)).unwrap();
        c.load_dictionary(&dict).unwrap();
        let with_dict = compress(&mut c);
        drop(c);
        let mut next = CCtx::create();
        let frame = compress(&mut next);
        assert_eq!(frame, default_frame, "default level, no dictionary");

        let mut d = DCtx::create();
        d.load_dictionary(&dict).unwrap();
        let mut out = Vec::with_capacity(data.len());
        d.decompress(&mut out, &with_dict).unwrap();
        assert_eq!(out, data);
        drop(d);
        let mut next = DCtx::create();
        let mut out = Vec::with_capacity(data.len());
        assert!(
            next.decompress(&mut out, &with_dict).is_err(),
            "dictionary kept"
        );
        out.clear();
        next.decompress(&mut out, &frame).unwrap();
        assert_eq!(out, data);
    }
}

//! The common event's way through: a flat JSON object whose strings hold no escape, scanned
//! into [`Fields`] (strings eight bytes at a time) without serde's visitor machinery
//! (serde_json and the visitor were ~15% of Kafka ingest's samples, docs/kafka.md).
//!
//! The scanner only says yes to text it understands in full; for anything else (an escape,
//! a control character, a fraction, an exponent, a negative number, a nested object, arrays
//! nested deeper than [`MAX_DEPTH`], a syntax error) it gives up, and [`super::parse_event`]
//! parses the text with serde_json as before, so every rejection and its message come from
//! one place. Where it says yes, it gives exactly the fields serde_json's path gives: a
//! differential test in `tests.rs` holds the two to that.

use super::{Fields, Val, field_index};
use std::borrow::Cow;

/// Deepest array nesting the scanner follows (tags are one level).
const MAX_DEPTH: usize = 4;

/// The fields of `text` when it is an object the scanner understands in full, else `None`.
pub(super) fn fields(text: &str) -> Option<Box<Fields<'_>>> {
    let mut s = Scanner { text, at: 0 };
    s.whitespace();
    s.expect(b'{')?;
    let mut fields = Box::new(Fields::default());
    s.whitespace();
    if s.peek()? == b'}' {
        s.at += 1;
    } else {
        loop {
            s.whitespace();
            s.expect(b'"')?;
            let key = s.string()?;
            s.whitespace();
            s.expect(b':')?;
            s.whitespace();
            let value = s.value(0)?;
            // A repeated key keeps its last value, as on serde_json's path.
            if let Some(i) = field_index(key) {
                fields.0[i] = Some(value);
            }
            s.whitespace();
            match s.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.whitespace();
    (s.at == text.len()).then_some(fields)
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The rest of a string whose opening quote was just read, when it holds no escape and
    /// no control character.
    fn string(&mut self) -> Option<&'a str> {
        let rest = &self.bytes()[self.at..];
        let end = special(rest)?;
        if rest[end] != b'"' {
            return None;
        }
        // Both ends sit next to an ASCII quote, so on character boundaries.
        let s = &self.text[self.at..self.at + end];
        self.at += end + 1;
        Some(s)
    }

    fn value(&mut self, depth: usize) -> Option<Val<'a>> {
        match self.next()? {
            b'"' => self.string().map(|s| Val::Str(Cow::Borrowed(s))),
            b'n' => self.word(b"ull", Val::Null),
            b't' => self.word(b"rue", Val::Bool(true)),
            b'f' => self.word(b"alse", Val::Bool(false)),
            b'0'..=b'9' => self.number(),
            b'[' if depth < MAX_DEPTH => self.array(depth + 1),
            _ => None,
        }
    }

    fn word(&mut self, rest: &[u8], value: Val<'a>) -> Option<Val<'a>> {
        let end = self.at + rest.len();
        (self.bytes().get(self.at..end)? == rest).then(|| {
            self.at = end;
            value
        })
    }

    /// A non-negative integer (its first digit already read) of at most 19 digits, which
    /// fits a u64; serde_json reads it as one too. A fraction or exponent after it is not
    /// the `,`, `]` or `}` its caller expects next, so the scanner gives up there.
    fn number(&mut self) -> Option<Val<'a>> {
        let start = self.at - 1;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let digits = &self.bytes()[start..self.at];
        if digits.len() > 19 || (digits[0] == b'0' && digits.len() > 1) {
            return None;
        }
        let n = digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        Some(Val::Number(n.into()))
    }

    /// The rest of an array whose opening bracket was just read.
    fn array(&mut self, depth: usize) -> Option<Val<'a>> {
        let mut items = Vec::new();
        self.whitespace();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Val::Array(items));
        }
        loop {
            self.whitespace();
            items.push(self.value(depth)?);
            self.whitespace();
            match self.next()? {
                b',' => {}
                b']' => return Some(Val::Array(items)),
                _ => return None,
            }
        }
    }
}

/// The position of the first byte in `bytes` that ends a plain string: a quote, a backslash
/// or a control character; eight bytes at a time.
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte below `n` (exact for the lowest such byte, which is all
    // that is read).
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let hits = below(v ^ (ONES * u64::from(b'"')), 1)
            | below(v ^ (ONES * u64::from(b'\\')), 1)
            | below(v, 0x20);
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = chunks.remainder();
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::special;
    use rand::{Rng, SeedableRng, rngs::SmallRng};

    #[test]
    fn special_finds_the_first_quote_backslash_or_control_byte() {
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        let mut rng = SmallRng::seed_from_u64(1);
        for len in 0..40 {
            for _ in 0..500 {
                // Mostly plain text (some of it UTF-8's high bytes), now and then a byte
                // that ends a string.
                let bytes: Vec<u8> = (0..len)
                    .map(|_| match rng.random_range(0..24) {
                        0 => b"\"\\\x00\x1f"[rng.random_range(0..4)],
                        1 => rng.random_range(0x80..=0xff),
                        _ => rng.random_range(b' '..=b'~'),
                    })
                    .collect();
                assert_eq!(special(&bytes), naive(&bytes), "{bytes:?}");
            }
        }
    }
}

//! The scanner: one pass over the text with ASCII fast paths; a token whose
//! text needs no change borrows it from the input.

use std::borrow::Cow;

use super::norm::{self, is_apostrophe, is_combining};
use super::{Token, TokenKind};

/// Top-level domains that make "name.tld" a bare domain. ".net" needs two
/// dots, so "ASP.NET" stays a word.
const TLDS: &[&str] = &[
    "com", "org", "net", "edu", "gov", "int", "io", "fr", "co", "uk", "de", "eu", "be", "ch", "ca",
    "lu", "info", "biz", "ly", "ai", "us",
];

/// Abbreviations whose dot does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "etc", "vs", "cf", "approx", "incl", "env", "mr", "mrs", "dr", "fig", "resp", "réf", "tél",
    "mme", "mlle", "ex",
];

/// Letters after digits that still make a number: ordinals, times, units
/// ("2nd", "1er", "3pm", "10h", "5min", "4k", "64gb").
const UNITS: &[&str] = &[
    "st", "nd", "rd", "th", "am", "pm", "h", "hr", "hrs", "mn", "min", "mins", "s", "sec", "secs",
    "ms", "k", "m", "x", "e", "er", "ère", "eme", "ème", "è", "j", "jr", "jrs", "kb", "mb", "gb",
    "tb", "ko", "mo", "go", "px", "pt", "wk", "wks", "yr", "yrs",
];

/// ASCII emoticons, as written and as emitted (without the nose).
const EMOTICONS: &[(&str, &str)] = &[
    (":-)", ":)"),
    (":-(", ":("),
    (":-D", ":D"),
    (":-P", ":P"),
    (":-p", ":p"),
    (";-)", ";)"),
    (":-/", ":/"),
    (":-|", ":|"),
    (":'(", ":'("),
    ("^_^", "^_^"),
    (":)", ":)"),
    (":(", ":("),
    (":D", ":D"),
    (":P", ":P"),
    (":p", ":p"),
    (";)", ";)"),
    (":/", ":/"),
    (":|", ":|"),
    (":o", ":o"),
    (":O", ":O"),
    ("<3", "<3"),
    ("^^", "^^"),
    ("=)", "=)"),
    ("=(", "=("),
];

/// Appends the tokens of `text` to `out`.
pub(crate) fn scan<'a>(text: &'a str, out: &mut Vec<Token<'a>>) {
    Scanner {
        text,
        b: text.as_bytes(),
        out,
        brk: true,
    }
    .run();
}

struct Scanner<'a, 'o> {
    text: &'a str,
    b: &'a [u8],
    out: &'o mut Vec<Token<'a>>,
    /// A boundary lies between the last token and the next one.
    brk: bool,
}

/// The character at byte `i`, a char boundary; a space past the end.
#[inline]
fn char_at(text: &str, i: usize) -> char {
    text.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ')
}

/// Emoji starters: pictographs, symbols, dingbats, flags.
fn is_emoji(c: char) -> bool {
    matches!(
        c as u32,
        0x1F000..=0x1FAFF
            | 0x2600..=0x27BF
            | 0x2B00..=0x2BFF
            | 0x231A
            | 0x231B
            | 0x2328
            | 0x23CF
            | 0x23E9..=0x23F3
            | 0x23F8..=0x23FA
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
    )
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Non-ASCII characters skipped without a boundary: invisible ones,
/// trade marks, a stray apostrophe or accent, currency signs.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{FE0E}'
            | '\u{FE0F}'
            | '\u{20E3}'
            | '\u{2122}'
            | '\u{AE}'
            | '\u{A9}'
            | '€'
            | '£'
    ) || is_apostrophe(c)
        || is_combining(c)
}

impl<'a> Scanner<'a, '_> {
    fn push(&mut self, text: Cow<'a, str>, kind: TokenKind, start: usize, end: usize, upper: bool) {
        self.out.push(Token {
            text,
            kind,
            span: start..end,
            boundary_before: self.brk,
            upper,
        });
        self.brk = false;
    }

    fn run(&mut self) {
        let len = self.b.len();
        let mut i = 0;
        while i < len {
            let c = self.b[i];
            if c.is_ascii_alphanumeric() {
                i = self.word(i);
                continue;
            }
            if c < 0x80 {
                i = match c {
                    b' ' | b'\t' | 0x0b | 0x0c => i + 1,
                    b'\n' | b'\r' => {
                        self.brk = true;
                        i + 1
                    }
                    b'@' => self.mention(i),
                    b'#' => self.hashtag(i),
                    b':' | b';' | b'<' | b'^' | b'=' => self.emoticon(i),
                    b'&' => self.entity(i),
                    b'*' | b'_' | b'~' | b'\'' | b'`' | b'$' | b'%' => i + 1,
                    _ => {
                        self.brk = true;
                        i + 1
                    }
                };
                continue;
            }
            let ch = char_at(self.text, i);
            if ch.is_alphanumeric() {
                i = self.word(i);
            } else if is_emoji(ch) {
                i = self.emoji(i);
            } else {
                if ch.is_whitespace() {
                    if matches!(ch, '\u{85}' | '\u{2028}' | '\u{2029}') {
                        self.brk = true;
                    }
                } else if !is_ignorable(ch) {
                    self.brk = true;
                }
                i += ch.len_utf8();
            }
        }
    }

    fn alnum_at(&self, i: usize) -> bool {
        match self.b.get(i) {
            Some(c) if c.is_ascii() => c.is_ascii_alphanumeric(),
            Some(_) => char_at(self.text, i).is_alphanumeric(),
            None => false,
        }
    }

    fn letter_at(&self, i: usize) -> bool {
        match self.b.get(i) {
            Some(c) if c.is_ascii() => c.is_ascii_alphabetic(),
            Some(_) => char_at(self.text, i).is_alphabetic(),
            None => false,
        }
    }

    fn digit_at(&self, i: usize) -> bool {
        self.b.get(i).is_some_and(u8::is_ascii_digit)
    }

    /// A word, number, code, e-mail address, bare domain or URL from `s`.
    fn word(&mut self, s: usize) -> usize {
        if let Some(host) = url_prefix(self.b, s) {
            return self.url(s, host);
        }
        let (b, len) = (self.b, self.b.len());
        let mut j = s;
        let mut last_digit = false;
        loop {
            while j < len {
                let c = b[j];
                if c.is_ascii_alphanumeric() {
                    last_digit = c.is_ascii_digit();
                    j += 1;
                } else if c < 0x80 {
                    break;
                } else {
                    let ch = char_at(self.text, j);
                    if ch.is_alphanumeric() {
                        last_digit = ch.is_numeric();
                    } else if !is_combining(ch) && ch != '\u{AD}' {
                        break;
                    }
                    j += ch.len_utf8();
                }
            }
            if j >= len {
                break;
            }
            let next = j + 1;
            match b[j] {
                b'-' | b'_' if self.alnum_at(next) => j = next,
                b'\'' | b'`' if !last_digit && self.letter_at(next) => j = next,
                b'.' if self.alnum_at(next) && !title_case_split(b, j) => j = next,
                b',' | b':' | b'/' if last_digit && self.digit_at(next) => j = next,
                b'&' if self.alnum_at(next) && entity_len(b, j).is_none() => j = next,
                b'@' if self.alnum_at(next) => match self.email_end(next) {
                    Some(end) => {
                        let text = lowercase(&self.text[s..end]);
                        self.push(text, TokenKind::Email, s, end, false);
                        return end;
                    }
                    None => break,
                },
                b'+' if !self.alnum_at(next) => {
                    while j < len && b[j] == b'+' {
                        j += 1;
                    }
                    break;
                }
                b'#' if j - s <= 2 && !self.alnum_at(next) => {
                    j = next;
                    break;
                }
                c if c >= 0x80 => {
                    let ch = char_at(self.text, j);
                    let after = j + ch.len_utf8();
                    let joins = match ch {
                        '\u{2010}' | '\u{2011}' => self.alnum_at(after),
                        c if is_apostrophe(c) => !last_digit && self.letter_at(after),
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    j = after;
                }
                _ => break,
            }
        }
        self.emit_word(s, j)
    }

    /// The end of an e-mail address's domain starting at `d`, if it has a dot.
    fn email_end(&self, d: usize) -> Option<usize> {
        let b = self.b;
        let mut j = d;
        let mut dot = false;
        while j < b.len() {
            let c = b[j];
            if c.is_ascii_alphanumeric() {
                j += 1;
            } else if (c == b'.' || c == b'-') && self.alnum_at(j + 1) {
                dot |= c == b'.';
                j += 1;
            } else if c >= 0x80 && char_at(self.text, j).is_alphanumeric() {
                j += char_at(self.text, j).len_utf8();
            } else {
                break;
            }
        }
        dot.then_some(j)
    }

    /// Emits the word-like token `s..j` (splitting a French elision off,
    /// recognising numbers, codes and bare domains) and returns where
    /// scanning goes on.
    fn emit_word(&mut self, mut s: usize, mut j: usize) -> usize {
        let mut shape = Shape::of(&self.text[s..j]);
        // "l'outil", "qu'aujourd'hui": the elided word is a token of its own.
        while shape.apostrophe || shape.non_ascii {
            let raw = &self.text[s..j];
            let Some((p, c)) = raw.char_indices().find(|&(_, c)| is_apostrophe(c)) else {
                break;
            };
            let rest = p + c.len_utf8();
            match norm::elision(&raw[..p]) {
                Some(elided) if rest < raw.len() => {
                    self.push(Cow::Borrowed(elided), TokenKind::Word, s, s + rest, false);
                    s += rest;
                    shape = Shape::of(&self.text[s..j]);
                }
                _ => break,
            }
        }
        let raw = &self.text[s..j];
        let kind = shape.kind(raw);
        if matches!(kind, TokenKind::Word | TokenKind::Code) && shape.dot && is_domain(raw) {
            let host_end = j;
            if self.b.get(j) == Some(&b'/')
                && !self.b.get(j + 1).is_none_or(u8::is_ascii_whitespace)
            {
                j = self.url_end(j);
            }
            self.push(host(&self.text[s..host_end]), TokenKind::Url, s, j, false);
            return j;
        }
        let text = if shape.needs_normalising() {
            Cow::Owned(norm::normalise(raw))
        } else {
            Cow::Borrowed(raw)
        };
        if text.is_empty() {
            return j;
        }
        let abbreviation = kind == TokenKind::Word
            && self.b.get(j) == Some(&b'.')
            && (shape.dotted || ABBREVIATIONS.contains(&&*text));
        self.push(text, kind, s, j, shape.upper());
        if abbreviation {
            j += 1; // "e.g.", "etc.": the dot does not end the sentence.
        }
        j
    }

    /// A URL from `s`; its host starts at `host`.
    fn url(&mut self, s: usize, host: usize) -> usize {
        let end = self.url_end(s);
        let host_text = self.text[host.min(end)..end]
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("");
        self.push(self::host(host_text), TokenKind::Url, s, end, false);
        end
    }

    /// The end of a URL or URL path from `i`: up to a space, a quote or an
    /// angle bracket, less trailing punctuation and unbalanced brackets.
    fn url_end(&self, i: usize) -> usize {
        let (b, len) = (self.b, self.b.len());
        let mut j = i;
        while j < len {
            let c = b[j];
            if c < 0x80 {
                if c.is_ascii_whitespace() || b"<>\"`{}|\\^".contains(&c) {
                    break;
                }
                j += 1;
            } else {
                let ch = char_at(self.text, j);
                if !ch.is_alphanumeric() {
                    break;
                }
                j += ch.len_utf8();
            }
        }
        while j > i {
            let url = &b[i..j];
            let count = |c: u8| url.iter().filter(|&&x| x == c).count();
            let trim = match b[j - 1] {
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
                b')' => count(b'(') < count(b')'),
                b']' => count(b'[') < count(b']'),
                _ => false,
            };
            if !trim {
                break;
            }
            j -= 1;
        }
        j
    }

    /// "@name" (letters, digits, "_", inner "." and "-"), or a boundary.
    fn mention(&mut self, i: usize) -> usize {
        let start = i + 1;
        if !(self.alnum_at(start) || self.b.get(start) == Some(&b'_')) {
            self.brk = true;
            return start;
        }
        let j = self.name_end(start, true);
        let mut text = String::with_capacity(j - i);
        text.push('@');
        text.push_str(&lowercase(&self.text[start..j]));
        self.push(Cow::Owned(text), TokenKind::Mention, i, j, false);
        j
    }

    /// "#tag"; "#42" is the number 42; otherwise a boundary.
    fn hashtag(&mut self, i: usize) -> usize {
        let start = i + 1;
        if self.digit_at(start) {
            return start;
        }
        if !(self.letter_at(start) || self.b.get(start) == Some(&b'_')) {
            self.brk = true;
            return start;
        }
        let j = self.name_end(start, false);
        let raw = &self.text[start..j];
        if let Some(tag) = norm::tag_term(raw) {
            let upper = Shape::of(raw).upper();
            self.push(Cow::Owned(tag), TokenKind::Hashtag, i, j, upper);
        }
        j
    }

    /// The end of a mention or hashtag name: letters, digits, "_", and "-"
    /// (and "." when `dots`) followed by a letter or digit.
    fn name_end(&self, mut j: usize, dots: bool) -> usize {
        let b = self.b;
        while j < b.len() {
            let c = b[j];
            let joiner = c == b'-' || (dots && c == b'.');
            if c.is_ascii_alphanumeric() || c == b'_' || (joiner && self.alnum_at(j + 1)) {
                j += 1;
            } else if c >= 0x80 {
                let ch = char_at(self.text, j);
                if !(ch.is_alphanumeric() || is_combining(ch)) {
                    break;
                }
                j += ch.len_utf8();
            } else {
                break;
            }
        }
        j
    }

    /// An emoticon such as ":)" after a space or at the start; otherwise
    /// the punctuation mark.
    fn emoticon(&mut self, i: usize) -> usize {
        let b = self.b;
        let after_space = i == 0 || b[i - 1].is_ascii_whitespace();
        if after_space {
            for &(pattern, canonical) in EMOTICONS {
                let end = i + pattern.len();
                if b[i..].starts_with(pattern.as_bytes()) && !self.alnum_at(end) {
                    self.push(Cow::Borrowed(canonical), TokenKind::Emoji, i, end, false);
                    return end;
                }
            }
        }
        if b[i] != b'^' {
            self.brk = true;
        }
        i + 1
    }

    /// An HTML entity ("&amp;", "&#39;") is skipped, a boundary unless it is
    /// a space or an apostrophe; a lone "&" is a boundary.
    fn entity(&mut self, i: usize) -> usize {
        match entity_len(self.b, i) {
            Some(n) => {
                let name = &self.b[i + 1..i + n - 1];
                if !matches!(
                    name,
                    b"nbsp" | b"#160" | b"#xa0" | b"#xA0" | b"apos" | b"#39" | b"#x27"
                ) {
                    self.brk = true;
                }
                i + n
            }
            None => {
                self.brk = true;
                i + 1
            }
        }
    }

    /// An emoji with its modifiers, ZWJ sequence or flag pair.
    fn emoji(&mut self, i: usize) -> usize {
        let text = self.text;
        let first = char_at(text, i);
        let mut j = i + first.len_utf8();
        if is_regional_indicator(first) && is_regional_indicator(char_at(text, j)) {
            j += 4;
        }
        let mut dropped = false;
        while j < text.len() {
            let ch = char_at(text, j);
            match ch {
                '\u{FE0E}' | '\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' => dropped = true,
                '\u{20E3}' | '\u{E0020}'..='\u{E007F}' => {}
                '\u{200D}' if is_emoji(char_at(text, j + 3)) => {
                    j += 3 + char_at(text, j + 3).len_utf8();
                    continue;
                }
                _ => break,
            }
            j += ch.len_utf8();
        }
        let raw = &text[i..j];
        let emoji = if dropped {
            Cow::Owned(
                raw.chars()
                    .filter(|c| !matches!(c, '\u{FE0E}' | '\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}'))
                    .collect(),
            )
        } else {
            Cow::Borrowed(raw)
        };
        // A stray skin-tone modifier is not an emoji of its own.
        if !emoji.is_empty() {
            self.push(emoji, TokenKind::Emoji, i, j, false);
        }
        j
    }
}

const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 4;
const APOSTROPHE: u8 = 8;
const UNDERSCORE: u8 = 16;
const DOT: u8 = 32;
const HIGH: u8 = 64;

/// What each byte tells about a word's shape.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = match i as u8 {
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'0'..=b'9' => DIGIT,
            b'\'' | b'`' => APOSTROPHE,
            b'_' => UNDERSCORE,
            b'.' => DOT,
            0x80.. => HIGH,
            _ => 0,
        };
        i += 1;
    }
    table
};

/// What a word-like token is made of.
#[derive(Debug, Default)]
struct Shape {
    letters: usize,
    digit: bool,
    upper: bool,
    lower: bool,
    non_ascii: bool,
    apostrophe: bool,
    underscore: bool,
    dot: bool,
    /// A dotted abbreviation ("e.g", "U.S").
    dotted: bool,
}

impl Shape {
    fn of(raw: &str) -> Self {
        // Case is judged without a possessive: "SAP's" is in capitals.
        let core = raw
            .strip_suffix("'s")
            .or_else(|| raw.strip_suffix("\u{2019}s"))
            .unwrap_or(raw);
        let (core_bytes, suffix) = raw.as_bytes().split_at(core.len());
        let mut seen = 0u8;
        let mut letters = 0;
        for &c in core_bytes {
            let class = BYTE_CLASS[usize::from(c)];
            seen |= class;
            letters += usize::from(class & (LOWER | UPPER) != 0);
        }
        for &c in suffix {
            seen |= BYTE_CLASS[usize::from(c)] & !(LOWER | UPPER);
        }
        let mut s = Shape {
            letters,
            digit: seen & DIGIT != 0,
            upper: seen & UPPER != 0,
            lower: seen & LOWER != 0,
            non_ascii: seen & HIGH != 0,
            apostrophe: seen & APOSTROPHE != 0,
            underscore: seen & UNDERSCORE != 0,
            dot: seen & DOT != 0,
            dotted: false,
        };
        if s.non_ascii {
            for c in core.chars().filter(|c| !c.is_ascii()) {
                if c.is_alphabetic() {
                    s.letters += 1;
                    s.upper |= c.is_uppercase();
                    s.lower |= c.is_lowercase();
                } else if c.is_numeric() {
                    s.digit = true;
                }
            }
        }
        s.dotted = s.dot && norm::is_dotted_abbreviation(raw);
        s
    }

    /// Written in capitals: two or more letters, none lower-case.
    fn upper(&self) -> bool {
        self.upper && !self.lower && self.letters >= 2
    }

    fn needs_normalising(&self) -> bool {
        self.upper || self.non_ascii || self.apostrophe || self.dotted
    }

    fn kind(&self, raw: &str) -> TokenKind {
        if self.letters == 0 {
            TokenKind::Number
        } else if !self.digit {
            if self.underscore {
                TokenKind::Code
            } else {
                TokenKind::Word
            }
        } else if raw.as_bytes()[0].is_ascii_digit() {
            number_or_code(raw)
        } else {
            TokenKind::Code
        }
    }
}

/// A token that starts with a digit and has letters: a hex number or other
/// code ("0x80070005", "2fa", "5g"), or a number with a unit ("3pm", "10h30").
fn number_or_code(raw: &str) -> TokenKind {
    let b = raw.as_bytes();
    if b.len() > 2
        && b[0] == b'0'
        && (b[1] | 0x20) == b'x'
        && b[2..].iter().all(u8::is_ascii_hexdigit)
    {
        return TokenKind::Code;
    }
    let Some(a) = raw.find(char::is_alphabetic) else {
        return TokenKind::Number;
    };
    let (digits, suffix) = raw.split_at(a);
    let suffix_letters = suffix.trim_end_matches(|c: char| c.is_ascii_digit());
    let trailing_digits = suffix.len() - suffix_letters.len();
    if !suffix_letters.chars().all(char::is_alphabetic) {
        return TokenKind::Code;
    }
    let unit = suffix_letters.to_lowercase();
    let number = if trailing_digits == 0 {
        UNITS.contains(&unit.as_str())
    } else {
        // French times: "10h30".
        unit == "h"
            && trailing_digits <= 2
            && digits.len() <= 2
            && digits.bytes().all(|c| c.is_ascii_digit())
    };
    if number {
        TokenKind::Number
    } else {
        TokenKind::Code
    }
}

/// A dot between a lower-case letter and a capitalised word is a sentence
/// end typed without a space ("done.Next"), not part of a word.
fn title_case_split(b: &[u8], dot: usize) -> bool {
    dot > 0
        && b[dot - 1].is_ascii_lowercase()
        && b.get(dot + 1).is_some_and(u8::is_ascii_uppercase)
        && b.get(dot + 2).is_some_and(u8::is_ascii_lowercase)
}

/// The length of an HTML entity at `i` ("&amp;" is 5), if there is one.
fn entity_len(b: &[u8], i: usize) -> Option<usize> {
    let rest = b.get(i + 1..)?;
    let name = rest.iter().take(9).position(|&c| c == b';')?;
    let body = &rest[..name];
    let ok = match body {
        [b'#', b'x' | b'X', hex @ ..] => !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit),
        [b'#', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        letters => letters.len() >= 2 && letters.iter().all(u8::is_ascii_alphabetic),
    };
    ok.then_some(name + 2)
}

/// Where the host starts if a URL with a scheme or "www." starts at `s`.
fn url_prefix(b: &[u8], s: usize) -> Option<usize> {
    if !matches!(b[s] | 0x20, b'h' | b'f' | b'w') {
        return None;
    }
    let rest = &b[s..];
    for scheme in [&b"https://"[..], b"http://", b"ftp://", b"www."] {
        if rest.len() > scheme.len() && rest[..scheme.len()].eq_ignore_ascii_case(scheme) {
            let host = if scheme == b"www." {
                s
            } else {
                s + scheme.len()
            };
            return Some(host);
        }
    }
    None
}

/// Whether a word with dots is a bare domain ("concur.com", "intranet.acme.fr").
fn is_domain(raw: &str) -> bool {
    if !raw.as_bytes()[0].is_ascii_alphabetic() {
        return false;
    }
    let mut parts = 0;
    let mut last = "";
    for part in raw.split('.') {
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
            return false;
        }
        parts += 1;
        last = part;
    }
    let tld = last.to_ascii_lowercase();
    parts >= 2
        && TLDS.contains(&tld.as_str())
        && !(parts == 2 && tld == "net")
        && !norm::is_dotted_abbreviation(raw)
}

/// A URL's host, lower-cased, without user, port or "www.".
fn host(raw: &str) -> Cow<'static, str> {
    let raw = raw.rsplit('@').next().unwrap_or(raw);
    let raw = raw.split(':').next().unwrap_or(raw);
    let host = raw.to_lowercase();
    Cow::Owned(
        host.strip_prefix("www.")
            .map(str::to_string)
            .unwrap_or(host),
    )
}

/// Lower-cased, borrowed when it already is.
fn lowercase(raw: &str) -> Cow<'_, str> {
    if raw.chars().any(char::is_uppercase) {
        Cow::Owned(raw.to_lowercase())
    } else {
        Cow::Borrowed(raw)
    }
}

//! Sentence splitting for `score_text`: VADER scores best one sentence at a time.

/// Split `text` into sentences, trimmed, in order, none empty.
///
/// A sentence ends at a line break, or at a run of `.`, `!`, `?`, `…` (with any
/// closing quotes or brackets) that is followed by whitespace or ends the text;
/// the run stays with its sentence, so "!!!" still amplifies it. These do not
/// end a sentence: a period inside a token ("3.5", "v2.1", "example.com"), a
/// period after a common abbreviation or a single letter ("e.g.", "Dr.", "J."),
/// and an ellipsis followed by a lowercase word on the same line ("I tried...
/// but no luck"). `。`, `！` and `？` always end one.
pub fn split_sentences(text: &str) -> Vec<&str> {
    Sentences::new(text).collect()
}

/// The iterator behind [`split_sentences`], used without collecting by `score_text`.
pub(crate) struct Sentences<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Sentences<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }
}

impl<'a> Iterator for Sentences<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while self.pos < self.text.len() {
            let rest = &self.text[self.pos..];
            let (end, next) = find_boundary(rest);
            // `next` is past at least one character, so this always advances.
            self.pos += next;
            let sentence = rest[..end].trim();
            if !sentence.is_empty() {
                return Some(sentence);
            }
        }
        None
    }
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '}' | '»' | '”' | '’')
}

/// Words after which a single period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "eg", "ie", "vs", "mr", "mrs", "ms", "dr", "prof", "approx", "cf", "fig", "incl",
    "dept", "st", "jr", "sr", "inc", "ltd", "co", "mme", "mlle", "p.ex", "env", "resp", "min",
    "max", "ca", "etc",
];

/// The word that ends `before`, without opening quotes or brackets.
fn last_word(before: &str) -> &str {
    before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '[', '"', '\'', '«', '“'])
}

/// Whether `word` is an abbreviation or an initial.
fn is_abbreviation(word: &str) -> bool {
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_alphabetic();
    }
    ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a))
}

/// Returns (end of the first sentence in `s`, where the next one starts).
fn find_boundary(s: &str) -> (usize, usize) {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            return (i, i + 1);
        }
        if matches!(c, '。' | '！' | '？') {
            let end = i + c.len_utf8();
            return (end, end);
        }
        if !is_terminator(c) {
            continue;
        }
        // The run of terminators: periods, ellipsis characters, and "!"/"?".
        let (mut dots, mut ellipses, mut marks) = (0usize, 0usize, 0usize);
        let mut count = |t: char| match t {
            '.' => dots += 1,
            '…' => ellipses += 1,
            _ => marks += 1,
        };
        count(c);
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if is_terminator(d) {
                count(d);
            } else if !is_closer(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let after = &s[end..];
        let Some(next) = after.chars().next() else {
            return (end, end);
        };
        if !next.is_whitespace() {
            continue;
        }
        let following = after.trim_start();
        let gap = &after[..after.len() - following.len()];
        let new_line_or_capital = gap.contains('\n')
            || following
                .chars()
                .next()
                .is_none_or(|f| f.is_uppercase() || f.is_numeric());
        let single_period = dots == 1 && ellipses == 0 && marks == 0;
        if single_period && is_abbreviation(last_word(&s[..i])) {
            // "etc." usually closes a sentence when a capital follows.
            if !(last_word(&s[..i]).eq_ignore_ascii_case("etc") && new_line_or_capital) {
                continue;
            }
        }
        let ellipsis = marks == 0 && (ellipses > 0 || dots >= 2);
        if ellipsis && !new_line_or_capital {
            continue;
        }
        return (end, end);
    }
    (s.len(), s.len())
}

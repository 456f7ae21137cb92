//! The VADER rules, ported line by line from vaderSentiment 3.3.2
//! (`vaderSentiment/vaderSentiment.py`, MIT, C.J. Hutto), plus the rules that
//! only the extended analyzer uses (phrases, French negation, tolerant lookups).
//!
//! Function and constant names follow the Python source so the two can be read
//! side by side.

use super::lexicon::{Lexicon, is_py_space, is_trim_punct};

/// Mean intensity increase for a booster word ("very").
pub(crate) const B_INCR: f64 = 0.293;
/// Mean intensity decrease for a dampener word ("kind of").
pub(crate) const B_DECR: f64 = -0.293;
/// Mean intensity increase for a word in ALL CAPS among mixed-case words.
pub(crate) const C_INCR: f64 = 0.733;
/// Scalar applied to a negated word's valence.
pub(crate) const N_SCALAR: f64 = -0.74;
/// Normalisation constant: compound = s / sqrt(s² + ALPHA).
const ALPHA: f64 = 15.0;
/// Intensity added per exclamation mark, up to four.
const EP_WEIGHT: f64 = 0.292;
/// Intensity added per question mark, for two or three of them.
const QM_WEIGHT: f64 = 0.18;
/// Intensity added for four or more question marks.
const QM_MAX: f64 = 0.96;

/// Negation words (NEGATE).
pub(crate) const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Single-word boosters and dampeners (the one-word keys of BOOSTER_DICT).
pub(crate) const BOOSTER_DICT: &[(&str, f64)] = &[
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerable", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("effing", B_INCR),
    ("enormous", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptional", B_INCR),
    ("exceptionally", B_INCR),
    ("extreme", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("flipping", B_INCR),
    ("flippin", B_INCR),
    ("frackin", B_INCR),
    ("fracking", B_INCR),
    ("fricking", B_INCR),
    ("frickin", B_INCR),
    ("frigging", B_INCR),
    ("friggin", B_INCR),
    ("fully", B_INCR),
    ("fuckin", B_INCR),
    ("fucking", B_INCR),
    ("fuggin", B_INCR),
    ("fugging", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredible", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("major", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("total", B_INCR),
    ("totally", B_INCR),
    ("tremendous", B_INCR),
    ("tremendously", B_INCR),
    ("uber", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utter", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("almost", B_DECR),
    ("barely", B_DECR),
    ("hardly", B_DECR),
    ("kinda", B_DECR),
    ("kindof", B_DECR),
    ("kind-of", B_DECR),
    ("less", B_DECR),
    ("little", B_DECR),
    ("marginal", B_DECR),
    ("marginally", B_DECR),
    ("occasional", B_DECR),
    ("occasionally", B_DECR),
    ("partly", B_DECR),
    ("scarce", B_DECR),
    ("scarcely", B_DECR),
    ("slight", B_DECR),
    ("slightly", B_DECR),
    ("somewhat", B_DECR),
    ("sorta", B_DECR),
    ("sortof", B_DECR),
    ("sort-of", B_DECR),
];

/// The multi-word keys of BOOSTER_DICT; the reference only reaches them
/// through the n-gram check in `_special_idioms_check`.
pub(crate) const MULTIWORD_BOOSTERS: &[(&[&str], f64)] = &[
    (&["just", "enough"], B_DECR),
    (&["kind", "of"], B_DECR),
    (&["sort", "of"], B_DECR),
];

/// SPECIAL_CASES: idioms that contain lexicon words and replace their valence.
/// The reference also lists "badass": 1.5, but it only compares two- and
/// three-word sequences with these keys, so a one-word key never applies;
/// "badass" is scored from the lexicon, as in the reference.
const SPECIAL_CASES: &[(&[&str], f64)] = &[
    (&["the", "shit"], 3.0),
    (&["the", "bomb"], 3.0),
    (&["bad", "ass"], 1.5),
    (&["bus", "stop"], 0.0),
    (&["yeah", "right"], -2.0),
    (&["kiss", "of", "death"], -1.5),
    (&["to", "die", "for"], 3.0),
    (&["beating", "heart"], 3.5),
];

/// French elided prefixes ("l'outil", "j'adore", "n'aime"); extended mode only.
const ELISIONS: &[&str] = &[
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu",
];

/// One token of a sentence, with everything the rules need precomputed so
/// each word is looked up once. Plain data, so the buffers can be reused.
#[derive(Debug, Clone, Copy)]
struct Tok {
    /// The token lowercased (Python `item.lower()`), as a range of `Scratch::lower`.
    lo: usize,
    hi: usize,
    /// The lowercased token with punctuation trimmed, for phrase matching.
    mlo: usize,
    mhi: usize,
    /// The token's span in the scored text.
    so: usize,
    eo: usize,
    /// `Some` when the word is in the lexicon.
    valence: Option<f64>,
    booster: Option<f64>,
    /// Python `negated([word])`: a negation word, or contains "n't".
    negation: bool,
    contrast: bool,
    /// Python `str.isupper()` of the token as written.
    upper: bool,
    /// Extended: French "ne" or an "n'" elision.
    ne: bool,
    /// Extended: French "pas"/"jamais" after a word, negating it.
    fr_post: bool,
    /// Extended: some phrase starts with this word.
    has_phrases: bool,
}

/// Buffers reused from one sentence to the next.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    text: String,
    lower: String,
    raw: Vec<Tok>,
    toks: Vec<Tok>,
    sentiments: Vec<f64>,
}

/// Unrounded scores of one sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Raw {
    pub neg: f64,
    pub neu: f64,
    pub pos: f64,
    pub compound: f64,
    /// How many tokens the sentence had (after phrase merging).
    pub tokens: usize,
}

/// Score one sentence. `extended` switches on the rules that go beyond the
/// reference; with it off the result is the reference's, before rounding.
pub(crate) fn score(lex: &Lexicon, sentence: &str, extended: bool, sc: &mut Scratch) -> Raw {
    let Scratch {
        text: translated,
        lower,
        raw,
        toks,
        sentiments,
    } = sc;
    let text: &str = if translate_emoji(lex, sentence, extended, translated) {
        translated
    } else {
        sentence
    };
    tokenize(lex, text, extended, lower, raw);
    let is_cap_diff = allcap_differential(raw);
    if extended {
        merge_phrases(lex, text, lower, raw, toks);
    } else {
        std::mem::swap(raw, toks);
    }
    resolve_dual_boosters(toks);
    let t: &[Tok] = toks;
    let lower: &str = lower;

    sentiments.clear();
    for i in 0..t.len() {
        // Boosters and "kind of" modify their neighbours and score 0 themselves.
        if t[i].booster.is_some()
            || (i + 1 < t.len() && word(lower, &t[i]) == "kind" && word(lower, &t[i + 1]) == "of")
        {
            sentiments.push(0.0);
            continue;
        }
        sentiments.push(sentiment_valence(t, lower, i, is_cap_diff, extended));
    }
    but_check(t, sentiments, extended);
    score_valence(sentiments, text, t.len())
}

#[inline]
fn word<'a>(lower: &'a str, t: &Tok) -> &'a str {
    &lower[t.lo..t.hi]
}

#[inline]
fn match_key<'a>(lower: &'a str, t: &Tok) -> &'a str {
    &lower[t.mlo..t.mhi]
}

/// `polarity_scores`' emoji step: each single-code-point emoji becomes its
/// description, with a space before it unless one is already there. The
/// reference puts none after it ("👍great" reads "thumbs upgreat"); the
/// extended analyzer does. Returns false, leaving `out` alone, when the text
/// has no emoji.
fn translate_emoji(lex: &Lexicon, text: &str, extended: bool, out: &mut String) -> bool {
    let min = lex.emoji_min();
    if text.is_ascii() || !text.chars().any(|c| c >= min && lex.emoji(c).is_some()) {
        return false;
    }
    out.clear();
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(description) = lex.emoji(c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(description);
            if extended {
                out.push(' ');
            }
            prev_space = extended;
        } else {
            out.push(c);
            prev_space = c == ' ';
        }
    }
    true
}

/// Python `str.isupper()`: at least one cased character and no lowercase or
/// titlecase one.
fn py_isupper(s: &str) -> bool {
    if s.is_ascii() {
        let b = s.as_bytes();
        return b.iter().any(u8::is_ascii_uppercase) && !b.iter().any(u8::is_ascii_lowercase);
    }
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Unicode general category Lt.
fn is_titlecase(c: char) -> bool {
    matches!(c,
        '\u{1c5}' | '\u{1c8}' | '\u{1cb}' | '\u{1f2}'
        | '\u{1f88}'..='\u{1f8f}' | '\u{1f98}'..='\u{1f9f}' | '\u{1fa8}'..='\u{1faf}'
        | '\u{1fbc}' | '\u{1fcc}' | '\u{1ffc}')
}

/// Python `len(s) <= 2`, in code points.
#[inline]
fn at_most_two_chars(s: &str) -> bool {
    s.len() <= 2 || s.chars().nth(2).is_none()
}

/// `SentiText._words_and_emoticons`: split on whitespace, strip leading and
/// trailing ASCII punctuation unless that leaves two characters or fewer
/// (so ":)" and "no." stay as they are); then look each token up once.
fn tokenize(lex: &Lexicon, text: &str, extended: bool, lower: &mut String, out: &mut Vec<Tok>) {
    lower.clear();
    out.clear();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if is_py_space(c) {
            if let Some(s) = start.take() {
                push_token(lex, text, s, i, extended, lower, out);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
}

fn push_token(
    lex: &Lexicon,
    text: &str,
    start: usize,
    end: usize,
    extended: bool,
    lower: &mut String,
    out: &mut Vec<Tok>,
) {
    let raw = &text[start..end];
    let stripped = raw.trim_matches(|c: char| c.is_ascii_punctuation());
    let (so, token) = if at_most_two_chars(stripped) {
        (start, raw)
    } else {
        let lead = raw.len()
            - raw
                .trim_start_matches(|c: char| c.is_ascii_punctuation())
                .len();
        (start + lead, stripped)
    };

    let lo = lower.len();
    if token.is_ascii() {
        lower.extend(token.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else if extended {
        lower.push_str(&token.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'"));
    } else {
        lower.push_str(&token.to_lowercase());
    }
    let hi = lower.len();
    let key = &lower[lo..hi];
    let mut entry = lex.get(key);
    let (mut mlo, mut mhi) = (lo, hi);
    let mut phrase_entry = entry;
    let mut ne = false;
    let mut fr_post = false;
    if extended {
        // Tolerant lookups: "ok." (kept whole by VADER's two-character rule)
        // falls back to "ok", and "l'outil" to "outil".
        let mk = key.trim_matches(is_trim_punct);
        if !mk.is_empty() && mk.len() != key.len() {
            mlo = lo + (key.len() - key.trim_start_matches(is_trim_punct).len());
            mhi = mlo + mk.len();
            phrase_entry = lex.get(mk);
            entry = entry.or(phrase_entry);
        }
        let mk = &lower[mlo..mhi];
        if let Some(q) = mk.find('\'') {
            let (prefix, rest) = (&mk[..q], &mk[q + 1..]);
            if ELISIONS.contains(&prefix) && !rest.is_empty() && !(prefix == "n" && rest == "t") {
                ne = prefix == "n";
                entry = entry.or_else(|| lex.get(rest));
            }
        }
        ne |= mk == "ne";
        fr_post = mk == "pas" || mk == "jamais";
    }
    out.push(Tok {
        lo,
        hi,
        mlo,
        mhi,
        so,
        eo: so + token.len(),
        valence: entry.and_then(|e| e.valence),
        booster: entry.and_then(|e| e.booster),
        negation: entry.is_some_and(|e| e.negation) || key.contains("n't"),
        contrast: entry.is_some_and(|e| e.contrast),
        upper: py_isupper(token),
        ne,
        fr_post,
        has_phrases: extended && phrase_entry.is_some_and(|e| !e.phrases.is_empty()),
    });
}

/// Replace each run of tokens that spells a lexicon phrase by one token
/// carrying the phrase's entry; the longest phrase wins.
fn merge_phrases(lex: &Lexicon, text: &str, lower: &mut String, raw: &[Tok], out: &mut Vec<Tok>) {
    out.clear();
    let mut i = 0;
    while i < raw.len() {
        let t = raw[i];
        let found = if t.has_phrases {
            let candidates = lex
                .get(match_key(lower, &t))
                .map_or(&[][..], |e| &e.phrases[..]);
            candidates.iter().copied().find(|&pid| {
                let words = &lex.phrases[pid as usize].words;
                i + words.len() <= raw.len()
                    && words
                        .iter()
                        .zip(&raw[i..])
                        .all(|(w, r)| **w == *match_key(lower, r))
            })
        } else {
            None
        };
        let Some(pid) = found else {
            out.push(t);
            i += 1;
            continue;
        };
        let phrase = &lex.phrases[pid as usize];
        let last = raw[i + phrase.words.len() - 1];
        let lo = lower.len();
        lower.push_str(&phrase.key);
        let hi = lower.len();
        out.push(Tok {
            lo,
            hi,
            mlo: lo,
            mhi: hi,
            so: t.so,
            eo: last.eo,
            valence: phrase.entry.valence,
            booster: phrase.entry.booster,
            negation: phrase.entry.negation,
            contrast: phrase.entry.contrast,
            upper: py_isupper(&text[t.so..last.eo]),
            ne: false,
            fr_post: false,
            has_phrases: false,
        });
        i += phrase.words.len();
    }
}

/// A word that is both a sentiment word and a booster (only extensions make
/// such words, e.g. "super") boosts the next word when that one is in the
/// lexicon ("super helpful") and is scored itself otherwise ("Super!").
fn resolve_dual_boosters(t: &mut [Tok]) {
    for i in 0..t.len() {
        if t[i].valence.is_some() && t[i].booster.is_some() {
            if t.get(i + 1).is_some_and(|n| n.valence.is_some()) {
                t[i].valence = None;
            } else {
                t[i].booster = None;
            }
        }
    }
}

/// `allcap_differential`: some but not all tokens are ALL CAPS.
fn allcap_differential(t: &[Tok]) -> bool {
    let allcap = t.iter().filter(|t| t.upper).count();
    let diff = t.len() - allcap;
    0 < diff && diff < t.len()
}

/// `scalar_inc_dec`: what a preceding booster adds to a word's valence.
fn scalar_inc_dec(t: &Tok, valence: f64, is_cap_diff: bool) -> f64 {
    let Some(mut scalar) = t.booster else {
        return 0.0;
    };
    if valence < 0.0 {
        scalar *= -1.0;
    }
    if t.upper && is_cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// `sentiment_valence`: one word's valence after the rules about its neighbours.
fn sentiment_valence(t: &[Tok], lower: &str, i: usize, is_cap_diff: bool, extended: bool) -> f64 {
    let Some(base) = t[i].valence else {
        return 0.0;
    };
    let w = |j: usize| word(lower, &t[j]);
    let mut valence = base;
    // "no" before a lexicon word negates it rather than scoring itself.
    if w(i) == "no" && i != t.len() - 1 && t[i + 1].valence.is_some() {
        valence = 0.0;
    }
    if (i > 0 && w(i - 1) == "no")
        || (i > 1 && w(i - 2) == "no")
        || (i > 2 && w(i - 3) == "no" && matches!(w(i - 1), "or" | "nor"))
    {
        valence = base * N_SCALAR;
    }
    if t[i].upper && is_cap_diff {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }
    for start_i in 0..3 {
        // Boosters further away count less; only words outside the lexicon modify.
        if i > start_i && t[i - (start_i + 1)].valence.is_none() {
            let mut s = scalar_inc_dec(&t[i - (start_i + 1)], valence, is_cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            valence = negation_check(valence, t, lower, start_i, i);
            if start_i == 2 {
                valence = special_idioms_check(valence, t, lower, i);
            }
        }
    }
    valence = least_check(valence, t, lower, i);
    if extended {
        valence = french_negation(valence, t, i);
    }
    valence
}

/// `_negation_check`, including "never so/this" (intensifies) and "without doubt" (no negation).
fn negation_check(valence: f64, t: &[Tok], lower: &str, start_i: usize, i: usize) -> f64 {
    let w = |j: usize| word(lower, &t[j]);
    let so_this = |s: &str| s == "so" || s == "this";
    match start_i {
        0 if t[i - 1].negation => valence * N_SCALAR,
        1 => {
            if w(i - 2) == "never" && so_this(w(i - 1)) {
                valence * 1.25
            } else if w(i - 2) == "without" && w(i - 1) == "doubt" {
                valence
            } else if t[i - 2].negation {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        2 => {
            // The reference's `a and b or c` groups as `(a and b) or c`, so any
            // "so"/"this" right before the word intensifies it here; kept as is.
            if (w(i - 3) == "never" && so_this(w(i - 2))) || so_this(w(i - 1)) {
                valence * 1.25
            } else if w(i - 3) == "without" && (w(i - 2) == "doubt" || w(i - 1) == "doubt") {
                valence
            } else if t[i - 3].negation {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        _ => valence,
    }
}

/// Whether the words at `idx` spell `key`, as the reference's joined n-gram
/// equals a dictionary key.
fn seq_is(t: &[Tok], lower: &str, idx: &[usize], key: &[&str]) -> bool {
    idx.len() == key.len() && idx.iter().zip(key).all(|(&j, k)| word(lower, &t[j]) == *k)
}

fn special_case(t: &[Tok], lower: &str, idx: &[usize]) -> Option<f64> {
    SPECIAL_CASES
        .iter()
        .find(|(key, _)| seq_is(t, lower, idx, key))
        .map(|&(_, v)| v)
}

/// `_special_idioms_check` (reached only when i >= 3).
fn special_idioms_check(mut valence: f64, t: &[Tok], lower: &str, i: usize) -> f64 {
    let onezero = [i - 1, i];
    let twoonezero = [i - 2, i - 1, i];
    let twoone = [i - 2, i - 1];
    let threetwoone = [i - 3, i - 2, i - 1];
    let threetwo = [i - 3, i - 2];
    let sequences: [&[usize]; 5] = [&onezero, &twoonezero, &twoone, &threetwoone, &threetwo];
    if let Some(v) = sequences.iter().find_map(|seq| special_case(t, lower, seq)) {
        valence = v;
    }
    if t.len() - 1 > i
        && let Some(v) = special_case(t, lower, &[i, i + 1])
    {
        valence = v;
    }
    if t.len() - 1 > i + 1
        && let Some(v) = special_case(t, lower, &[i, i + 1, i + 2])
    {
        valence = v;
    }
    // Booster/dampener bigrams such as "kind of" before the word.
    let n_grams: [&[usize]; 3] = [&threetwoone, &threetwo, &twoone];
    for seq in n_grams {
        for &(key, b) in MULTIWORD_BOOSTERS {
            if seq_is(t, lower, seq, key) {
                valence += b;
            }
        }
    }
    valence
}

/// `_least_check`: "least good" negates, "at least" and "very least" don't.
fn least_check(valence: f64, t: &[Tok], lower: &str, i: usize) -> f64 {
    let w = |j: usize| word(lower, &t[j]);
    if i > 1 && t[i - 1].valence.is_none() && w(i - 1) == "least" {
        if w(i - 2) != "at" && w(i - 2) != "very" {
            return valence * N_SCALAR;
        }
    } else if i > 0 && t[i - 1].valence.is_none() && w(i - 1) == "least" {
        return valence * N_SCALAR;
    }
    valence
}

/// Extended: French "ne … pas" puts the verb between the two particles, out of
/// reach of VADER's look-back. Negate a word once when "ne" (or an "n'"
/// elision, or the word's own "n'") is among the three words before it, or
/// when "pas"/"jamais" follows it ("ça marche pas") — unless a negation word
/// among the three before it already negated it ("je ne suis pas content").
fn french_negation(valence: f64, t: &[Tok], i: usize) -> f64 {
    let window = i.saturating_sub(3)..i;
    if t[window.clone()].iter().any(|p| p.negation) {
        return valence;
    }
    let ne_before = t[i].ne || t[window].iter().any(|p| p.ne);
    let post = t.get(i + 1).is_some_and(|n| n.fr_post);
    if ne_before || post {
        valence * N_SCALAR
    } else {
        valence
    }
}

/// `_but_check`: words before the first "but" count half, words after it one
/// and a half.
///
/// The reference finds each value's position with `list.index(value)`, which
/// returns the *first* equal value, so when an already weighted value equals a
/// later one the weight lands on the wrong word. In "nice but okay" (1.8, 0.9)
/// "nice" is halved to 0.9, then the weight meant for "okay" finds that 0.9
/// first and halves "nice" again, leaving "okay" unweighted: compound 0.3291
/// instead of 0.5023. The VADER analyzer reproduces that so its scores equal
/// the published tool's; the extended analyzer weights by position, as the
/// rule intends.
fn but_check(t: &[Tok], sentiments: &mut [f64], extended: bool) {
    let Some(bi) = t.iter().position(|t| t.contrast) else {
        return;
    };
    if extended {
        for (si, s) in sentiments.iter_mut().enumerate() {
            if si < bi {
                *s *= 0.5;
            } else if si > bi {
                *s *= 1.5;
            }
        }
        return;
    }
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let si = sentiments.iter().position(|&x| x == sentiment).unwrap_or(k);
        if si < bi {
            sentiments[si] = sentiment * 0.5;
        } else if si > bi {
            sentiments[si] = sentiment * 1.5;
        }
    }
}

/// `normalize`: map a sum of valences into (-1, 1).
fn normalize(score: f64) -> f64 {
    (score / (score * score + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// `_punctuation_emphasis`: up to four "!", and two or more "?".
fn punctuation_emphasis(text: &str) -> f64 {
    let (mut ep, mut qm) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'!' => ep += 1,
            b'?' => qm += 1,
            _ => {}
        }
    }
    let ep_amplifier = ep.min(4) as f64 * EP_WEIGHT;
    let qm_amplifier = match qm {
        0 | 1 => 0.0,
        2 | 3 => qm as f64 * QM_WEIGHT,
        _ => QM_MAX,
    };
    ep_amplifier + qm_amplifier
}

/// `score_valence` with `_sift_sentiment_scores`, before rounding.
fn score_valence(sentiments: &[f64], text: &str, tokens: usize) -> Raw {
    if sentiments.is_empty() {
        return Raw {
            neg: 0.0,
            neu: 0.0,
            pos: 0.0,
            compound: 0.0,
            tokens,
        };
    }
    let mut sum_s = 0.0;
    for &s in sentiments {
        sum_s += s;
    }
    let punct_emph_amplifier = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += punct_emph_amplifier;
    } else if sum_s < 0.0 {
        sum_s -= punct_emph_amplifier;
    }
    let compound = normalize(sum_s);

    // +1/-1 compensates for neutral words being counted as 1.
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0, 0.0, 0usize);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct_emph_amplifier;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct_emph_amplifier;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    Raw {
        neg: (neg_sum / total).abs(),
        neu: (neu_count as f64 / total).abs(),
        pos: (pos_sum / total).abs(),
        compound,
        tokens,
    }
}

/// Python's `round(x, digits)`: round half to even on the exact binary value.
pub(crate) fn py_round(x: f64, digits: usize) -> f64 {
    let m = match digits {
        3 => 1e3,
        4 => 1e4,
        _ => 10f64.powi(i32::try_from(digits).unwrap_or(0)),
    };
    let y = x * m;
    if ((y - y.trunc()).abs() - 0.5).abs() > 1e-6 {
        return y.round() / m;
    }
    // Close to a tie: decide on the exact decimal expansion, as Python does.
    format!("{x:.digits$}").parse().unwrap_or(y.round() / m)
}

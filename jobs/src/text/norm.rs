//! Normalisation of one word or tag: case, apostrophes, hyphens, accents.

/// French elided words, without their apostrophe: "l'outil" is "l'" + "outil".
pub(crate) const ELISIONS: &[(&str, &str)] = &[
    ("l", "l'"),
    ("d", "d'"),
    ("j", "j'"),
    ("m", "m'"),
    ("t", "t'"),
    ("s", "s'"),
    ("c", "c'"),
    ("n", "n'"),
    ("qu", "qu'"),
    ("jusqu", "jusqu'"),
    ("lorsqu", "lorsqu'"),
    ("puisqu", "puisqu'"),
    ("quoiqu", "quoiqu'"),
];

/// The elided form ("l'") of a prefix before an apostrophe ("L"), if it is one.
pub(crate) fn elision(prefix: &str) -> Option<&'static str> {
    ELISIONS
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(prefix))
        .map(|&(_, elided)| elided)
}

/// Characters read as an apostrophe inside a word.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}'
    )
}

/// Combining diacritical marks (as in decomposed "e\u{301}").
pub(crate) fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&c)
}

/// Characters dropped from a word: soft hyphen, zero-width characters,
/// variation selectors.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{FE0E}' | '\u{FE0F}'
    )
}

/// Normalises one word: lower-cased (Unicode-aware), typographic apostrophes
/// (’ ‘ ʼ ´ `) and hyphens (‐ ‑) folded to ASCII, invisible characters
/// dropped, decomposed accents composed and ligatures ("ﬁ") expanded;
/// accents are kept, for French readability. Then a French elision is
/// dropped ("l'outil" → "outil"), a possessive "'s" or a trailing apostrophe
/// removed ("SAP's" → "sap"), and the dots of an abbreviation such as "e.g."
/// removed ("eg").
pub fn normalise(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        push_char(&mut out, c);
    }
    tidy(out)
}

/// Appends `c` normalised to `out`.
pub(crate) fn push_char(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(if c == '`' {
            '\''
        } else {
            c.to_ascii_lowercase()
        });
        return;
    }
    match c {
        c if is_apostrophe(c) => out.push('\''),
        '\u{2010}' | '\u{2011}' => out.push('-'),
        c if is_invisible(c) => {}
        c if is_combining(c) => {
            let composed = out
                .chars()
                .next_back()
                .and_then(|base| compose(base, c).map(|k| (base, k)));
            match composed {
                Some((base, k)) => {
                    out.truncate(out.len() - base.len_utf8());
                    out.push(k);
                }
                None => out.push(c),
            }
        }
        '\u{FB00}' => out.push_str("ff"),
        '\u{FB01}' => out.push_str("fi"),
        '\u{FB02}' => out.push_str("fl"),
        '\u{FB03}' => out.push_str("ffi"),
        '\u{FB04}' => out.push_str("ffl"),
        '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
        c => out.extend(c.to_lowercase()),
    }
}

/// Drops an elision, a possessive or a trailing apostrophe, and the dots of
/// a dotted abbreviation.
fn tidy(mut s: String) -> String {
    while let Some(p) = s.find('\'') {
        let rest = &s[p + 1..];
        if elision(&s[..p]).is_some() && rest.chars().next().is_some_and(char::is_alphabetic) {
            s.drain(..=p);
        } else {
            break;
        }
    }
    if s.len() > 2 && s.ends_with("'s") {
        s.truncate(s.len() - 2);
    } else if s.len() > 1 && s.ends_with('\'') && elision(&s[..s.len() - 1]).is_none() {
        s.truncate(s.len() - 1);
    }
    if is_dotted_abbreviation(&s) {
        s.retain(|c| c != '.');
    }
    s
}

/// "e.g", "i.e.", "U.S": single letters separated by dots.
pub(crate) fn is_dotted_abbreviation(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    let mut segments = 0;
    for segment in s.split('.') {
        let mut chars = segment.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_alphabetic() => segments += 1,
            _ => return false,
        }
    }
    segments >= 2
}

/// The precomposed form of a lower-case letter and a combining accent.
fn compose(base: char, mark: char) -> Option<char> {
    let k = match (base, mark) {
        ('a', '\u{300}') => 'à',
        ('a', '\u{301}') => 'á',
        ('a', '\u{302}') => 'â',
        ('a', '\u{303}') => 'ã',
        ('a', '\u{308}') => 'ä',
        ('e', '\u{300}') => 'è',
        ('e', '\u{301}') => 'é',
        ('e', '\u{302}') => 'ê',
        ('e', '\u{308}') => 'ë',
        ('i', '\u{300}') => 'ì',
        ('i', '\u{301}') => 'í',
        ('i', '\u{302}') => 'î',
        ('i', '\u{308}') => 'ï',
        ('o', '\u{300}') => 'ò',
        ('o', '\u{301}') => 'ó',
        ('o', '\u{302}') => 'ô',
        ('o', '\u{303}') => 'õ',
        ('o', '\u{308}') => 'ö',
        ('u', '\u{300}') => 'ù',
        ('u', '\u{301}') => 'ú',
        ('u', '\u{302}') => 'û',
        ('u', '\u{308}') => 'ü',
        ('y', '\u{301}') => 'ý',
        ('y', '\u{308}') => 'ÿ',
        ('c', '\u{327}') => 'ç',
        ('n', '\u{303}') => 'ñ',
        _ => return None,
    };
    Some(k)
}

/// The word with French (and other Latin) accents removed, if it has any:
/// chat often drops them ("tres" for "très").
pub(crate) fn fold_accents(word: &str) -> Option<String> {
    if word.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    let mut changed = false;
    for c in word.chars() {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' => "a",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ç' => "c",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(plain);
        changed = true;
    }
    changed.then_some(out)
}

/// Whether a normalised word has a letter with a French accent.
pub(crate) fn has_french_accent(word: &str) -> bool {
    !word.is_ascii()
        && word.chars().any(|c| {
            matches!(
                c,
                'à' | 'â'
                    | 'ç'
                    | 'è'
                    | 'é'
                    | 'ê'
                    | 'ë'
                    | 'î'
                    | 'ï'
                    | 'ô'
                    | 'ù'
                    | 'û'
                    | 'ü'
                    | 'ÿ'
                    | 'œ'
            )
        })
}

/// A tag as a term: "#" + the tag lower-cased, with runs of spaces,
/// underscores and hyphens as one "-" and no leading or trailing ones.
pub(crate) fn tag_term(tag: &str) -> Option<String> {
    let tag = tag.trim().trim_start_matches('#');
    let mut out = String::with_capacity(tag.len() + 1);
    out.push('#');
    let mut separator = false;
    for c in tag.chars() {
        if c.is_whitespace() || matches!(c, '_' | '-' | '\u{2010}' | '\u{2011}') {
            separator = true;
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if separator && out.len() > 1 {
            out.push('-');
        }
        separator = false;
        push_char(&mut out, c);
    }
    (out.len() > 1).then_some(out)
}

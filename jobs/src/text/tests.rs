use std::path::PathBuf;

use super::*;

/// Hand-written posts with their language, `code<TAB>post`.
const LANGUAGE_SAMPLES: &str = include_str!("../../data/text/language-samples.tsv");

fn tokens(text: &str) -> Vec<(TokenKind, String)> {
    let mut out = Vec::new();
    Tokenizer::new().tokens(text, &mut out);
    out.into_iter()
        .map(|t| (t.kind, t.text.into_owned()))
        .collect()
}

fn texts_of(text: &str, kind: TokenKind) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, t)| t)
        .collect()
}

fn terms(text: &str) -> Vec<String> {
    Tokenizer::new().terms(text)
}

fn phrases(text: &str, max_n: usize) -> Vec<String> {
    Tokenizer::new().phrases(text, max_n)
}

/// A file under the system temp folder, unique to this process and test.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("murmur-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file is writable");
    path
}

#[test]
fn tokenizer_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Tokenizer>();
}

#[test]
fn words_are_lowercased_with_inner_apostrophes_and_hyphens_kept() {
    let words = texts_of(
        "Don't PANIC: the Follow-Up e-learning is ÉNORME, naïve cœur",
        TokenKind::Word,
    );
    assert_eq!(
        words,
        [
            "don't",
            "panic",
            "the",
            "follow-up",
            "e-learning",
            "is",
            "énorme",
            "naïve",
            "cœur"
        ]
    );
}

#[test]
fn typographic_apostrophes_hyphens_and_decomposed_accents_are_folded() {
    assert_eq!(
        texts_of("don’t follow‑up re\u{301}seau ﬁchier", TokenKind::Word),
        ["don't", "follow-up", "réseau", "fichier"]
    );
}

#[test]
fn caps_are_lowered_and_flagged() {
    let mut out = Vec::new();
    Tokenizer::new().tokens("THE Shared DRIVE is I", &mut out);
    let flags: Vec<(&str, bool)> = out.iter().map(|t| (&*t.text, t.upper)).collect();
    assert_eq!(
        flags,
        [
            ("the", true),
            ("shared", false),
            ("drive", true),
            ("is", false),
            ("i", false)
        ]
    );
}

#[test]
fn tokens_borrow_text_that_needs_no_change_and_spans_point_into_the_input() {
    let text = "reset the SAP token";
    let mut out = Vec::new();
    Tokenizer::new().tokens(text, &mut out);
    assert!(matches!(out[0].text, Cow::Borrowed("reset")));
    assert!(matches!(out[2].text, Cow::Owned(_)));
    assert_eq!(&text[out[2].span.clone()], "SAP");
    assert!(out[0].boundary_before && !out[1].boundary_before);
}

#[test]
fn tokens_appends_to_the_buffer() {
    let t = Tokenizer::new();
    let mut out = Vec::new();
    t.tokens("vpn down", &mut out);
    t.tokens("token expired", &mut out);
    assert_eq!(out.len(), 4);
    assert!(out[2].boundary_before, "each call starts with a boundary");
}

#[test]
fn urls_are_one_token_with_their_host() {
    let text = "see https://www.SAP.com/help/x?y=1, or www.concur.com/x and portal.acme.fr/page. \
                Mirror (https://example.com/a_(b)) and ftp://files.acme.io";
    let mut out = Vec::new();
    Tokenizer::new().tokens(text, &mut out);
    let urls: Vec<(&str, &str)> = out
        .iter()
        .filter(|t| t.kind == TokenKind::Url)
        .map(|t| (&*t.text, &text[t.span.clone()]))
        .collect();
    assert_eq!(
        urls,
        [
            ("sap.com", "https://www.SAP.com/help/x?y=1"),
            ("concur.com", "www.concur.com/x"),
            ("portal.acme.fr", "portal.acme.fr/page"),
            ("example.com", "https://example.com/a_(b)"),
            ("files.acme.io", "ftp://files.acme.io"),
        ]
    );
    assert_eq!(terms(text), ["mirror"]);
    let with_hosts = Tokenizer::new().with_url_domains(true).terms(text);
    assert_eq!(
        with_hosts,
        [
            "sap.com",
            "concur.com",
            "portal.acme.fr",
            "mirror",
            "example.com",
            "files.acme.io"
        ]
    );
}

#[test]
fn dotted_words_that_are_not_domains_stay_words() {
    assert_eq!(
        texts_of("ASP.NET, node.js and report.xlsx", TokenKind::Word),
        ["asp.net", "node.js", "and", "report.xlsx"]
    );
    assert_eq!(
        texts_of("It failed.Then I retried", TokenKind::Word),
        ["it", "failed", "then", "i", "retried"]
    );
}

#[test]
fn mentions_emails_and_numbers_are_not_terms() {
    let text = "@Marie.Dupont asked jean.dupont@acme.fr about 4012 tickets: 10,000 users, \
                2024-03-01, 10:30, 3pm, 2nd, 10h30, 1er, #42 and 100% of $50";
    assert_eq!(texts_of(text, TokenKind::Mention), ["@marie.dupont"]);
    assert_eq!(texts_of(text, TokenKind::Email), ["jean.dupont@acme.fr"]);
    assert_eq!(
        texts_of(text, TokenKind::Number),
        [
            "4012",
            "10,000",
            "2024-03-01",
            "10:30",
            "3pm",
            "2nd",
            "10h30",
            "1er",
            "42",
            "100",
            "50"
        ]
    );
    assert_eq!(terms(text), ["ticket", "user"]);
}

#[test]
fn codes_are_kept_as_terms() {
    let text =
        "ERR-4012 and 0x80070005 after v2.3 on Win11 / O365: E_ACCESSDENIED, COVID-19, 2FA, 5G";
    let codes = [
        "err-4012",
        "0x80070005",
        "v2.3",
        "win11",
        "o365",
        "e_accessdenied",
        "covid-19",
        "2fa",
        "5g",
    ];
    assert_eq!(texts_of(text, TokenKind::Code), codes);
    assert_eq!(terms(text), codes);
}

#[test]
fn symbols_inside_product_names_are_kept() {
    assert_eq!(
        texts_of("C# and C++ for the R&D Q&A", TokenKind::Word),
        ["c#", "and", "c++", "for", "the", "r&d", "q&a"]
    );
}

#[test]
fn emoji_and_emoticons_are_tokens_not_terms() {
    let text = "Great 👍🏽 job 👨‍👩‍👧 🇫🇷 ❤️ :) :-( see C:/Users";
    assert_eq!(
        texts_of(text, TokenKind::Emoji),
        ["👍", "👨\u{200D}👩\u{200D}👧", "🇫🇷", "❤", ":)", ":("]
    );
    assert_eq!(terms(text), ["great", "job", "user"]);
}

#[test]
fn html_entities_are_skipped() {
    assert_eq!(
        texts_of("VPN &amp; SSO don&#39;t&nbsp;work", TokenKind::Word),
        ["vpn", "sso", "don", "t", "work"]
    );
}

#[test]
fn french_elision_is_split_off_and_accents_are_kept() {
    let text = "L'outil d'Outlook n’accepte qu'aujourd'hui jusqu'à lundi l'été";
    assert_eq!(
        texts_of(text, TokenKind::Word),
        [
            "l'",
            "outil",
            "d'",
            "outlook",
            "n'",
            "accepte",
            "qu'",
            "aujourd'hui",
            "jusqu'",
            "à",
            "lundi",
            "l'",
            "été"
        ]
    );
    assert_eq!(terms(text), ["outil", "outlook", "accepte", "lundi"]);
}

#[test]
fn normalise_folds_case_apostrophes_possessives_and_abbreviations() {
    assert_eq!(normalise("SAP’s"), "sap");
    assert_eq!(normalise("L'Outil"), "outil");
    assert_eq!(normalise("QU’IL"), "il");
    assert_eq!(normalise("E.G."), "eg");
    assert_eq!(normalise("Réseau"), "réseau");
    assert_eq!(normalise("users'"), "users");
    assert_eq!(normalise("l'"), "l'");
    assert_eq!(normalise("Don´t"), "don't");
    assert_eq!(normalise("ÉTÉ"), "été");
}

#[test]
fn english_stop_words_and_chat_filler_are_removed() {
    assert_eq!(
        terms(
            "Hi all, can anyone please help? I have an issue with the expense report, thanks!! lol"
        ),
        ["expense", "report"]
    );
    assert_eq!(
        terms("Im trying to get the PDF export, dont know why it fails"),
        ["pdf", "export", "fail"]
    );
}

#[test]
fn french_stop_words_and_chat_filler_are_removed() {
    assert_eq!(
        terms(
            "Bonjour à tous, quelqu'un peut m'aider svp ? J'ai un souci avec la note de frais, merci !"
        ),
        ["note", "frais"]
    );
    // Accent-less chat spelling of a stop word ("très", "déjà").
    assert_eq!(terms("tres lent deja"), ["lent"]);
}

#[test]
fn domain_words_are_not_stop_words() {
    let t = Tokenizer::new();
    for word in [
        "password",
        "vpn",
        "error",
        "login",
        "access",
        "expense",
        "training",
        "onboarding",
        "work",
        "team",
        "update",
        "car",
        "outil",
        "réseau",
        "formation",
        "accès",
        "bon",
        "paie",
        "mot",
        "passe",
    ] {
        assert!(!t.is_stop_word(word), "{word} must not be a stop word");
    }
    for word in [
        "the", "Don’t", "thanks", "pls", "le", "l'", "merci", "bonjour", "svp", "très", "tres",
    ] {
        assert!(t.is_stop_word(word), "{word} must be a stop word");
    }
}

#[test]
fn built_in_lists_are_well_formed_and_a_few_hundred_words() {
    for (name, text) in [("en", STOPWORDS_EN), ("fr", STOPWORDS_FR)] {
        let mut n = 0;
        stopwords::parse_words(text, Path::new(name), |_| n += 1).expect("well formed");
        assert!((300..=700).contains(&n), "{name}: {n} words");
    }
    stopwords::parse_words(STEM_EXCEPTIONS, Path::new("stem"), |_| ()).expect("well formed");
    assert_eq!(
        Tokenizer::new().languages(),
        [Language::English, Language::French]
    );
}

#[test]
fn it_in_capitals_is_an_acronym_unless_the_post_shouts() {
    assert_eq!(
        terms("Contact IT about it, the US team knows"),
        ["contact", "it", "us", "team"]
    );
    assert_eq!(terms("IT IS DOWN"), Vec::<String>::new());
}

#[test]
fn plural_folding_is_conservative() {
    assert_eq!(
        terms(
            "tokens passwords policies cookies processes patches caches statuses settings \
             meetings training Windows Teams APIs AWS analytics status access follow-ups ties"
        ),
        [
            "token",
            "password",
            "policy",
            "cookie",
            "process",
            "patch",
            "cache",
            "status",
            "setting",
            "meeting",
            "training",
            "windows",
            "teams",
            "api",
            "aws",
            "analytics",
            "status",
            "access",
            "follow-up",
            "tie"
        ]
    );
    assert_eq!(
        terms(
            "Les réseaux des utilisateurs, les accès, les cours et les parcours, les délais, \
             les contenus et les vidéos"
        ),
        [
            "réseau",
            "utilisateur",
            "accès",
            "cours",
            "parcours",
            "délai",
            "contenu",
            "vidéo"
        ]
    );
    assert_eq!(
        Tokenizer::new()
            .with_stemming(false)
            .terms("expired tokens"),
        ["expired", "tokens"]
    );
}

#[test]
fn stem_exceptions_can_be_added_from_a_file() {
    let path = temp_file("stem-exceptions.txt", b"# products\nzendesks\n");
    let t = Tokenizer::new()
        .with_stem_exceptions_file(&path)
        .expect("readable");
    assert_eq!(t.terms("zendesks tickets"), ["zendesks", "ticket"]);
}

#[test]
fn phrases_do_not_start_or_end_with_stop_words() {
    assert_eq!(
        phrases("Reset the token", 3),
        ["reset", "reset the token", "token"]
    );
    assert_eq!(
        phrases("how to reset the SSO token", 2),
        ["reset", "sso", "sso token", "token"]
    );
    let fr = phrases("Problème d'accès à l'outil de réservation", 4);
    assert!(fr.contains(&"outil de réservation".to_string()), "{fr:?}");
    assert!(fr.contains(&"accès à l'outil".to_string()), "{fr:?}");
    assert!(
        !fr.iter().any(|p| p.starts_with("l'") || p.ends_with("de")),
        "{fr:?}"
    );
}

#[test]
fn phrases_do_not_cross_boundaries() {
    let p = phrases("VPN down. Token expired, reset password (SSO) now", 3);
    assert_eq!(
        p,
        [
            "vpn",
            "token",
            "token expired",
            "expired",
            "reset",
            "reset password",
            "password",
            "sso"
        ]
    );
    for text in [
        "reset 2 passwords",
        "reset 👍 passwords",
        "reset\npasswords",
        "reset @anna passwords",
        "reset https://x.com passwords",
        "reset \"passwords\"",
        "reset #vpn passwords",
    ] {
        let p = phrases(text, 3);
        assert!(!p.iter().any(|p| p.contains(' ')), "{text:?} gave {p:?}");
    }
}

#[test]
fn one_word_phrases_are_the_terms() {
    let text = "Hi! The #VPN keeps dropping since ERR-4012, the expense tool too.";
    assert_eq!(phrases(text, 1), terms(text));
    assert!(phrases(text, 0).is_empty());
}

#[test]
fn tags_are_normalised() {
    let tags: Vec<String> = [
        "VPN",
        "#vpn",
        " Expense  Reports ",
        "e_learning",
        "Mot de passe",
        "",
        "  ",
        "C#",
        "Télétravail",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        tag_terms(&tags),
        [
            "#vpn",
            "#expense-reports",
            "#e-learning",
            "#mot-de-passe",
            "#c#",
            "#télétravail"
        ]
    );
    assert_eq!(
        terms("#VPN down, see #Expense_Reports"),
        ["#vpn", "#expense-reports"]
    );
}

#[test]
fn language_detection_routes_english_and_french() {
    let t = Tokenizer::new();
    let mut right = 0;
    let mut wrong = Vec::new();
    let mut counts = (0, 0);
    for line in LANGUAGE_SAMPLES.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (code, text) = line.split_once('\t').expect("code<TAB>text");
        let expected = Language::from_code(code);
        match expected {
            Language::English => counts.0 += 1,
            _ => counts.1 += 1,
        }
        let got = t.detect_language(text);
        if got == expected {
            right += 1;
        } else {
            wrong.push(format!("{code} detected as {got}: {text}"));
        }
    }
    assert!(counts.0 >= 10 && counts.1 >= 10, "{counts:?}");
    let total = counts.0 + counts.1;
    assert!(
        right * 10 >= total * 9,
        "{right}/{total} right; wrong: {wrong:#?}"
    );
    assert_eq!(
        t.detect_language("VPN 404"),
        Language::English,
        "no evidence: English"
    );
}

#[test]
fn an_extra_stopword_file_adds_a_language() {
    let path = temp_file(
        "stopwords-de.txt",
        "# German, a few words\nund\nder\ndie\ndas  # article\nist\nnicht\nbitte\n".as_bytes(),
    );
    let t = Tokenizer::new()
        .with_stopword_file("de", &path)
        .expect("readable");
    let text = "Der Drucker ist kaputt und das WLAN geht nicht, bitte";
    assert_eq!(t.terms(text), ["drucker", "kaputt", "wlan", "geht"]);
    assert_eq!(t.detect_language(text), Language::Other("de".into()));
    assert_eq!(t.languages().len(), 3);
    // Without the file, German stop words are terms.
    assert!(terms(text).contains(&"der".to_string()));
}

#[test]
fn an_extra_stopword_file_can_extend_english() {
    let path = temp_file("stopwords-en-extra.txt", b"printer\n");
    let t = Tokenizer::new()
        .with_stopword_file("EN", &path)
        .expect("readable");
    assert_eq!(t.terms("the printer jammed"), ["jammed"]);
    assert_eq!(t.languages().len(), 2);
}

#[test]
fn an_unreadable_stopword_file_is_an_error_naming_it() {
    let missing = std::env::temp_dir().join("murmur-text-no-such-dir/stopwords-xx.txt");
    let err = Tokenizer::new()
        .with_stopword_file("xx", &missing)
        .expect_err("missing file");
    assert!(matches!(err, TextError::Read { .. }), "{err:?}");
    assert_eq!(err.path(), Some(missing.as_path()));
    assert!(err.to_string().contains("stopwords-xx.txt"), "{err}");

    let binary = temp_file("stopwords-bin.txt", &[0x66, 0xff, 0xfe, 0x0a]);
    let err = Tokenizer::new()
        .with_stopword_file("xx", &binary)
        .expect_err("not UTF-8");
    assert!(err.to_string().contains("stopwords-bin.txt"), "{err}");

    let malformed = temp_file("stopwords-bad.txt", b"und\nder die\n");
    let err = Tokenizer::new()
        .with_stopword_file("de", &malformed)
        .expect_err("two words on a line");
    assert!(
        matches!(err, TextError::Malformed { line: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("stopwords-bad.txt:2"), "{err}");

    let err = Tokenizer::new()
        .with_stopword_file("d3", &malformed)
        .expect_err("bad code");
    assert!(matches!(err, TextError::LanguageCode { .. }), "{err:?}");
}

#[test]
fn output_is_deterministic() {
    let posts: Vec<&str> = LANGUAGE_SAMPLES
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t))
        .collect();
    let (a, b) = (Tokenizer::new(), Tokenizer::new());
    for post in posts {
        assert_eq!(a.terms(post), b.terms(post));
        assert_eq!(a.phrases(post, 3), b.phrases(post, 3));
        assert_eq!(a.phrases(post, 3), a.phrases(post, 3));
        let (mut x, mut y) = (Vec::new(), Vec::new());
        a.tokens(post, &mut x);
        b.tokens(post, &mut y);
        assert_eq!(x, y);
    }
}

#[test]
fn odd_input_does_not_panic() {
    let t = Tokenizer::new();
    for text in [
        "",
        " ",
        "'",
        "@",
        "#",
        "&",
        "&#",
        "https://",
        "www.",
        "a@b",
        "x.",
        ":",
        "\u{200D}",
        "\u{301}",
        "e\u{301}\u{301}",
        "🇫",
        "👍\u{200D}",
        "l'",
        "qu'",
        "0x",
        "1.",
        "-",
        "a-",
        "é-",
        "中文字符 test",
        "\u{FEFF}bom",
    ] {
        let mut out = Vec::new();
        t.tokens(text, &mut out);
        let _ = (t.terms(text), t.phrases(text, 3), t.detect_language(text));
        for token in &out {
            assert!(
                text.get(token.span.clone()).is_some(),
                "{text:?}: {token:?}"
            );
        }
    }
}

#[test]
fn random_mixtures_of_tricky_characters_do_not_panic() {
    const PALETTE: &[&str] = &[
        "a", "Z", "é", "É", "ç", "œ", "\u{301}", "1", "0x", "'", "’", "`", "´", "-", "‑", "_", ".",
        ",", ":", ";", "/", "@", "#", "&", "&amp;", "+", "(", ")", " ", "\n", "\u{A0}", "\u{AD}",
        "\u{200D}", "\u{FE0F}", "👍", "🏽", "🇫", "😡", ":)", "<3", "https://", "www.", ".com",
        "l'", "qu'", "'s", "中", "ﬁ", "$", "%", "™",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let t = Tokenizer::new();
    for _ in 0..3000 {
        let len = next() % 24;
        let text: String = (0..len)
            .map(|_| PALETTE[(next() % PALETTE.len() as u64) as usize])
            .collect();
        let mut out = Vec::new();
        t.tokens(&text, &mut out);
        for token in &out {
            assert!(
                text.get(token.span.clone()).is_some(),
                "{text:?}: {token:?}"
            );
            assert!(
                !token.text.is_empty() || token.kind == TokenKind::Url,
                "{text:?}: {token:?}"
            );
        }
        let _ = (
            t.terms(&text),
            t.phrases(&text, 3),
            t.detect_language(&text),
        );
    }
}

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::lexicon::{FRENCH_TSV, Lexicon, WORKPLACE_TSV};
use super::vader::py_round;
use super::*;

fn compound(a: &Analyzer, s: &str) -> f64 {
    a.polarity_scores(s).compound
}

/// The demo sentences of vaderSentiment 3.3.2's `__main__` (the README shows
/// the same), with the compound scores the package prints.
const PUBLISHED: &[(&str, f64)] = &[
    ("VADER is smart, handsome, and funny.", 0.8316),
    ("VADER is smart, handsome, and funny!", 0.8439),
    ("VADER is very smart, handsome, and funny.", 0.8545),
    ("VADER is VERY SMART, handsome, and FUNNY.", 0.9227),
    ("VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342),
    (
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        0.9469,
    ),
    ("VADER is not smart, handsome, nor funny.", -0.7424),
    ("The book was good.", 0.4404),
    ("At least it isn't a horrible book.", 0.431),
    ("The book was only kind of good.", 0.3832),
    (
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        -0.7042,
    ),
    ("Today SUX!", -0.5461),
    ("Today only kinda sux! But I'll get by, lol", 0.5249),
    ("Make sure you :) or :D today!", 0.8633),
    ("Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875),
    ("Not bad at all", 0.431),
    // The "tricky sentences" of the same demo.
    ("Sentiment analysis has never been good.", -0.3412),
    ("Sentiment analysis has never been this good!", 0.5672),
    ("Most automated sentiment analysis tools are shit.", -0.5574),
    ("With VADER, sentiment analysis is the shit!", 0.6476),
    ("Other sentiment analysis tools can be quite bad.", -0.5849),
    ("On the other hand, VADER is quite bad ass", 0.802),
    ("VADER is such a badass!", 0.4003),
    ("Without a doubt, excellent idea.", 0.7013),
    (
        "Roger Dodger is one of the most compelling variations on this theme.",
        0.2944,
    ),
    (
        "Roger Dodger is at least compelling as a variation on the theme.",
        0.2263,
    ),
    (
        "Roger Dodger is one of the least compelling variations on this theme.",
        -0.1695,
    ),
    ("Not such a badass after all.", -0.2584),
    ("Without a doubt, an excellent idea.", 0.7013),
];

#[test]
fn vader_only_matches_published_examples() {
    let a = Analyzer::vader_only();
    let mut wrong = Vec::new();
    for &(sentence, want) in PUBLISHED {
        let got = compound(&a, sentence);
        // Rounded to 3 decimals they must agree; in fact they agree to all 4.
        if (got - want).abs() >= 0.0005 || got != want {
            wrong.push(format!("{sentence:?}: got {got}, want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn vader_only_matches_reference_implementation() {
    // 2,500 sentences (the demo plus seeded random ones exercising every rule)
    // scored by vaderSentiment 3.3.2; see gen_vader_reference.py.
    let data = include_str!("../../data/sentiment/vader_reference.tsv");
    let a = Analyzer::vader_only();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.rsplitn(5, '\t');
        let mut num = || -> f64 { cols.next().and_then(|c| c.parse().ok()).expect("number") };
        let (compound, pos, neu, neg) = (num(), num(), num(), num());
        let sentence = cols.next().expect("sentence column");
        let want = Scores {
            neg,
            neu,
            pos,
            compound,
        };
        let got = a.polarity_scores(sentence);
        checked += 1;
        if got != want {
            wrong.push(format!("{sentence:?}\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert_eq!(checked, 2500);
    assert!(
        wrong.is_empty(),
        "{} of {checked} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn labelled_workplace_posts_agree_in_sign() {
    let data = include_str!("../../data/sentiment/labelled_workplace.tsv");
    let a = Analyzer::new();
    let vader = Analyzer::vader_only();
    let (mut total, mut agree, mut vader_agree) = (0, 0, 0);
    let mut misses = Vec::new();
    for line in data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (label, text) = line.split_once('\t').expect("label<TAB>text");
        let want = match label {
            "pos" => 1.0,
            "neg" => -1.0,
            other => panic!("unknown label {other:?}"),
        };
        let got = a.score_text(text).compound;
        total += 1;
        if got * want > 0.0 {
            agree += 1;
        } else {
            misses.push(format!("  {label} {got:+.3} {text}"));
        }
        if vader.score_text(text).compound * want > 0.0 {
            vader_agree += 1;
        }
    }
    let rate = f64::from(agree) / f64::from(total);
    println!(
        "sign agreement: {agree}/{total} = {:.1}% (VADER alone: {vader_agree}/{total})\nmisses:\n{}",
        100.0 * rate,
        misses.join("\n")
    );
    assert!(total >= 60, "only {total} labelled examples");
    assert!(
        rate >= 0.85,
        "sign agreement {agree}/{total} below 85%; misses:\n{}",
        misses.join("\n")
    );
}

#[test]
fn negation() {
    let v = Analyzer::vader_only();
    assert!(compound(&v, "The course was good.") > 0.0);
    assert!(compound(&v, "The course was not good.") < 0.0);
    assert!(compound(&v, "The course wasn't good.") < 0.0);
    // Up to three words back.
    assert!(compound(&v, "It is not at all good.") < 0.0);
    // "no" negates the next lexicon word instead of scoring itself.
    assert!(compound(&v, "There were no problems.") > 0.0);
    assert!(compound(&v, "No") < 0.0);
    // VADER keeps punctuation on words of two letters or fewer, so "No." is
    // not found; the extended analyzer looks it up without the period.
    assert_eq!(compound(&v, "No."), 0.0);
    assert!(compound(&Analyzer::new(), "No.") < 0.0);
    // "never so/this" intensifies rather than negates.
    assert!(compound(&v, "It has never been this good.") > compound(&v, "It has been good."));
    assert!(compound(&v, "It has never been good.") < 0.0);
    // "least" negates unless "at least".
    assert!(compound(&v, "The least helpful answer.") < 0.0);
    assert!(compound(&v, "At least helpful.") > 0.0);

    let a = Analyzer::new();
    // Typographic apostrophes.
    assert!(compound(&a, "The course wasn’t good.") < 0.0);
    assert!(compound(&a, "not helpful at all") < 0.0);
    assert!(compound(&a, "no issues since the update") > 0.0);
    assert!(compound(&a, "Nobody was helpful.") < 0.0);
    assert!(compound(&a, "No one found it useful.") < 0.0);
    // French: "ne … pas" around the verb, "pas" after it, "pas" before the word.
    assert!(compound(&a, "ça marche") > 0.0);
    assert!(compound(&a, "ça ne marche pas") < 0.0);
    assert!(compound(&a, "ça marche pas") < 0.0);
    assert!(compound(&a, "je ne suis pas contente") < 0.0);
    assert!(compound(&a, "je n'aime pas") < 0.0);
    assert!(compound(&a, "rien ne marche") < 0.0);
    assert!(compound(&a, "pas mal du tout") > 0.0);
    assert!(compound(&a, "aucun problème") > 0.0);
}

#[test]
fn but_weights_the_clause_after_it() {
    let v = Analyzer::vader_only();
    assert!(compound(&v, "The food was good but the service was terrible.") < 0.0);
    assert!(compound(&v, "The service was terrible but the food was good.") > 0.0);
    // The reference's list.index() quirk, reproduced by vader_only (see but_check).
    assert_eq!(compound(&v, "nice but okay"), 0.3291);
    let a = Analyzer::new();
    // By position: "nice" 1.8 × 0.5 + "okay" 0.9 × 1.5 = 2.25 → 0.5023.
    assert_eq!(compound(&a, "nice but okay"), 0.5023);
    assert!(compound(&a, "the training was long but really useful") > 0.0);
    assert!(compound(&a, "L'outil est lent mais pratique.") > 0.0);
    assert!(compound(&a, "L'outil est pratique mais lent.") < 0.0);
    assert!(compound(&a, "The course is useful, however the quiz is broken.") < 0.0);
}

#[test]
fn all_caps_emphasis_only_in_mixed_case() {
    let v = Analyzer::vader_only();
    let plain = compound(&v, "The new portal is great");
    let shouted = compound(&v, "The new portal is GREAT");
    assert!(shouted > plain, "{shouted} <= {plain}");
    assert!(
        compound(&v, "The new portal is VERY good") > compound(&v, "The new portal is very good")
    );
    // All caps is no emphasis: nothing stands out.
    assert_eq!(compound(&v, "THE NEW PORTAL IS GREAT"), plain);
    assert!(compound(&v, "The update is BAD") < compound(&v, "The update is bad"));
}

#[test]
fn exclamation_and_question_marks() {
    let v = Analyzer::vader_only();
    let good = compound(&v, "This is good");
    assert!(compound(&v, "This is good!") > good);
    assert!(compound(&v, "This is good!!!") > compound(&v, "This is good!"));
    // At most four count.
    assert_eq!(
        compound(&v, "This is good!!!!"),
        compound(&v, "This is good!!!!!!!")
    );
    assert!(compound(&v, "This is bad!") < compound(&v, "This is bad"));
    // One question mark is neutral; two or more amplify.
    assert_eq!(compound(&v, "This is good?"), good);
    assert!(compound(&v, "This is good??") > good);
    // Punctuation alone carries no sentiment.
    assert_eq!(compound(&v, "Is it done!!!"), 0.0);
}

#[test]
fn emoji_and_emoticons() {
    let v = Analyzer::vader_only();
    assert!(compound(&v, "😁") > 0.0);
    assert!(compound(&v, "😢") < 0.0);
    assert!(compound(&v, "Deployed the fix 🎉") > 0.0);
    assert!(compound(&v, "The upload failed again 😭") < compound(&v, "The upload failed again"));
    // VADER reads "💔" as "broken heart", and "heart" (3.2) outweighs
    // "broken" (-2.1); "👍"/"👎" ("thumbs up/down") are not in its lexicon.
    // The workplace lexicon scores these reactions.
    let a = Analyzer::new();
    assert!(compound(&v, "💔") > 0.0);
    assert!(compound(&a, "💔") < 0.0);
    assert_eq!(compound(&v, "👍"), 0.0);
    assert!(compound(&a, "👍") > 0.0);
    assert!(compound(&a, "Rollout done 👍🏽") > 0.0);
    assert!(compound(&a, "Login broken again 👎") < compound(&a, "Login broken again"));
    // The reference glues a description to a following word; the extended
    // analyzer separates them.
    assert_eq!(compound(&v, "😁great"), compound(&v, "😁"));
    assert!(compound(&a, "😁great") > compound(&a, "😁"));
    // Glued emoji are separated from each other (but, as in the reference,
    // not from a word that follows).
    assert_eq!(compound(&v, "😁😁"), compound(&v, "😁 😁"));
    assert!(compound(&v, "thanks :)") > compound(&v, "thanks"));
    assert!(compound(&v, "meeting moved :(") < 0.0);
    assert_eq!(v.polarity_scores("").compound, 0.0);
    assert_eq!(v.polarity_scores("   ").neu, 0.0);
}

#[test]
fn workplace_phrases() {
    let a = Analyzer::new();
    let v = Analyzer::vader_only();
    assert!(compound(&a, "The LMS keeps crashing") < 0.0);
    assert!(compound(&a, "It finally works!") > 0.0);
    assert!(compound(&a, "I can't log in") < 0.0);
    assert_eq!(compound(&v, "I can't log in"), 0.0);
    assert!(compound(&a, "Still broken.") < compound(&a, "Broken."));
    assert!(compound(&a, "Fixed it, thanks") > 0.0);
    // VADER's own multi-word entries become reachable.
    assert!(compound(&a, "I'm fed up") < 0.0);
    assert_eq!(compound(&v, "I'm fed up"), 0.0);
    // "kind of" dampens as a phrase anywhere in the sentence.
    assert!(compound(&a, "kind of good") < compound(&a, "good"));
    // "super" and "pretty" boost when they modify a sentiment word.
    assert!(compound(&a, "we are super blocked") < 0.0);
    assert!(compound(&v, "we are super blocked") > 0.0);
    assert!(compound(&a, "Super!") > 0.0);
    // "like" as a preposition is neutral.
    assert_eq!(compound(&a, "It looks like the export ran"), 0.0);
}

static FILE_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A file in the temp dir that is removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &str) -> Self {
        let n = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("murmur-sentiment-{}-{n}.tsv", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn extension_file_adds_and_overrides() {
    let file = TempFile::new(
        "# team slang\n\
         \n\
         yeet\t2.5\n\
         sev1\t-3.0\n\
         on fire today\t2.5\n\
         mega\t0.293\tbooster\n\
         mega\t2.0\n\
         albeit\t0\tcontrast\n\
         nae\t0\tnegation\n\
         good\t-1.0\n\
         good\t1.0\n",
    );
    let base = Analyzer::new();
    let a = Analyzer::new()
        .with_extension_file(&file.0)
        .expect("valid file");
    assert_eq!(compound(&base, "yeet"), 0.0);
    assert!(compound(&a, "yeet") > 0.0);
    assert!(compound(&a, "another sev1 tonight") < 0.0);
    assert!(compound(&a, "the team is on fire today") > 0.0);
    // "mega" boosts a following sentiment word and is scored on its own.
    assert!(compound(&a, "mega useful") > compound(&a, "useful"));
    assert!(compound(&a, "that was mega") > 0.0);
    assert!(compound(&a, "useful albeit slow") < 0.0);
    assert!(compound(&base, "useful albeit slow") > 0.0);
    assert!(compound(&a, "nae useful") < 0.0);
    // The later line wins, and overrides VADER's 1.9.
    assert!(compound(&a, "good") > 0.0 && compound(&a, "good") < compound(&base, "good"));
    // Works on VADER alone too.
    let v = Analyzer::vader_only()
        .with_extension_file(&file.0)
        .expect("valid file");
    assert!(compound(&v, "yeet") > 0.0);
}

#[test]
fn extension_file_errors_name_file_and_line() {
    let file = TempFile::new("# comment\nstuck\t-2.0\nbroken -2.0\n");
    let err = Analyzer::new().with_extension_file(&file.0).unwrap_err();
    assert_eq!(err.path(), file.0.as_path());
    assert_eq!(err.line(), Some(3));
    let msg = err.to_string();
    assert!(msg.contains(&format!("{}:3:", file.0.display())), "{msg}");
    assert!(msg.contains("1 tab-separated column"), "{msg}");

    for (contents, line, needle) in [
        ("ok\tgreat\n", 1, "not a number"),
        ("a\t1\n\nb\t9\n", 3, "outside"),
        ("a\t1\tfancy\n", 1, "unknown kind `fancy`"),
        ("\t1\n", 1, "empty term"),
        ("a\t1\tbooster\textra\n", 1, "4 tab-separated columns"),
        ("a\tNaN\n", 1, "not a number"),
    ] {
        let file = TempFile::new(contents);
        let err = Analyzer::vader_only()
            .with_extension_file(&file.0)
            .unwrap_err();
        assert_eq!(err.line(), Some(line), "{contents:?}: {err}");
        assert!(err.to_string().contains(needle), "{contents:?}: {err}");
    }

    let missing = Path::new("/nonexistent/murmur/extra.tsv");
    let err = Analyzer::new().with_extension_file(missing).unwrap_err();
    assert_eq!(err.path(), missing);
    assert_eq!(err.line(), None);
    assert!(std::error::Error::source(&err).is_some());
    assert!(err.to_string().contains("/nonexistent/murmur/extra.tsv"));
}

#[test]
fn built_in_lexicons_are_well_formed() {
    let mut lex = Lexicon::vader();
    lex.load_tsv(WORKPLACE_TSV, Path::new("workplace.tsv"))
        .expect("workplace.tsv");
    lex.load_tsv(FRENCH_TSV, Path::new("french.tsv"))
        .expect("french.tsv");
    let entries = |text: &str| {
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count()
    };
    assert!(entries(WORKPLACE_TSV) >= 80);
    assert!(entries(FRENCH_TSV) >= 200);
}

#[test]
fn score_text_does_not_saturate() {
    let a = Analyzer::new();
    let text = "Thanks for the great session yesterday, it was really useful. \
        The examples were clear and the trainer was excellent. \
        I loved the hands-on part, awesome work. \
        The new job aid is fantastic and saves me a lot of time. \
        Honestly the best workshop this year, well done team! \
        The room was too cold and the projector kept failing. \
        The quiz at the end was confusing and a bit frustrating. \
        Still, I'm happy I went and I'd recommend it to my colleagues. \
        Looking forward to the next one, great job everyone.";
    let whole = a.polarity_scores(text).compound;
    let per_sentence = a.score_text(text).compound;
    assert!(whole > 0.98, "one compound over the text: {whole}");
    assert!(
        per_sentence > 0.05 && per_sentence < 0.9,
        "score_text: {per_sentence}"
    );
    let parts = a.score_text(text);
    assert!((parts.pos + parts.neu + parts.neg - 1.0).abs() < 1e-9);
    assert!(parts.neg > 0.0 && parts.pos > parts.neg);
    // One sentence: the same as polarity_scores, unrounded.
    let one = "The book was good.";
    assert!((a.score_text(one).compound - a.polarity_scores(one).compound).abs() < 5e-5);
    assert_eq!(a.score_text(" \n "), Scores::default());
}

#[test]
fn sentences() {
    assert_eq!(
        split_sentences("Great session! The job aid helped. Any questions? Thanks"),
        vec![
            "Great session!",
            "The job aid helped.",
            "Any questions?",
            "Thanks"
        ]
    );
    // Punctuation runs stay with their sentence; line breaks split.
    assert_eq!(
        split_sentences("Still broken!!! Why?!\n- step one\n- step two\n\nDone."),
        vec![
            "Still broken!!!",
            "Why?!",
            "- step one",
            "- step two",
            "Done."
        ]
    );
    // Decimals, versions, URLs, abbreviations and initials do not split.
    assert_eq!(
        split_sentences(
            "Version 2.5 of example.com is out, e.g. the new search. Ask Dr. Lee or J. Smith."
        ),
        vec![
            "Version 2.5 of example.com is out, e.g. the new search.",
            "Ask Dr. Lee or J. Smith."
        ]
    );
    // An ellipsis before a lowercase word continues the sentence.
    assert_eq!(
        split_sentences("I tried... but no luck... Next time."),
        vec!["I tried... but no luck...", "Next time."]
    );
    assert_eq!(
        split_sentences("He said \"it works.\" Then it broke."),
        vec!["He said \"it works.\"", "Then it broke."]
    );
    assert_eq!(
        split_sentences("Bugs, crashes, etc. The rest is fine."),
        vec!["Bugs, crashes, etc.", "The rest is fine."]
    );
    assert_eq!(
        split_sentences("文档很好。谢谢！"),
        vec!["文档很好。", "谢谢！"]
    );
    assert!(split_sentences("  \n\n ").is_empty());
    assert_eq!(split_sentences("no terminator"), vec!["no terminator"]);
}

#[test]
fn python_rounding() {
    // Exact binary ties round half to even, as Python's round() does.
    assert_eq!(py_round(0.0625, 3), 0.062);
    assert_eq!(py_round(0.1875, 3), 0.188);
    assert_eq!(py_round(-0.0625, 3), -0.062);
    // 0.1235 is really 0.12349999…, so it rounds down.
    assert_eq!(py_round(0.1235, 3), 0.123);
    assert_eq!(py_round(0.83155, 4), 0.8316);
    assert_eq!(py_round(0.431, 4), 0.431);
}

#[test]
fn analyzer_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Analyzer>();
    let a = Analyzer::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| a.score_text("Fixed it! Works now.").compound))
            .collect();
        for h in handles {
            assert!(h.join().expect("thread") > 0.0);
        }
    });
}

#[test]
fn arbitrary_text_scores_stay_in_range() {
    // Deterministic pseudo-random text from pieces that stress tokenizing:
    // multi-byte letters, emoji with modifiers, typographic punctuation,
    // elisions, phrase fragments, whitespace of every kind.
    const PIECES: &[&str] = &[
        "good", "NOT", "n'", "l'", "’", "'", "ne", "pas", "keeps", "crashing", "but", "kind", "of",
        "!", "?", ".", "...", "…", ":)", ":D", "😁", "👍", "🏽", "💔", "\u{301}", "É", "ß", "İ",
        "ǅ", "\u{1f}", "\u{a0}", "\n", "\t", " ", "  ", "«", "»", "no", "least", "never", "so",
        "très", "un peu", "fed", "up", "ça", "marche", "e.g.", "3.5", "。", "ok.", "-", "",
    ];
    let analyzers = [Analyzer::new(), Analyzer::vader_only()];
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut text = String::new();
    for _ in 0..3000 {
        text.clear();
        for _ in 0..next() % 25 {
            text.push_str(PIECES[next() % PIECES.len()]);
            if next() % 3 > 0 {
                text.push(' ');
            }
        }
        for a in &analyzers {
            for s in [a.polarity_scores(&text), a.score_text(&text)] {
                assert!((-1.0..=1.0).contains(&s.compound), "{text:?}: {s:?}");
                let total = s.pos + s.neu + s.neg;
                assert!(
                    total == 0.0 || (total - 1.0).abs() < 0.01,
                    "{text:?}: {s:?}"
                );
                assert!(
                    s.pos >= 0.0 && s.neu >= 0.0 && s.neg >= 0.0,
                    "{text:?}: {s:?}"
                );
            }
        }
        for sentence in split_sentences(&text) {
            assert!(!sentence.is_empty() && sentence == sentence.trim());
        }
    }
}

use super::*;

const DAY: i64 = DAY_US;

/// Three established topics with their own words over 60 days, 4 threads a day each,
/// a few threads of pure chit-chat, and (optionally) a new topic in the last 3 days.
fn corpus(new_topic: bool) -> Vec<ThreadText> {
    let vocab: [(&str, [&str; 6], &str); 3] = [
        (
            "vpn",
            [
                "vpn",
                "token",
                "remote access",
                "tunnel",
                "disconnect",
                "gateway",
            ],
            "it",
        ),
        (
            "payroll",
            [
                "payslip",
                "overtime",
                "tax code",
                "deduction",
                "salary",
                "bonus",
            ],
            "hr",
        ),
        (
            "rota",
            [
                "rota",
                "shift swap",
                "weekend shift",
                "cover",
                "roster",
                "night shift",
            ],
            "shifts",
        ),
    ];
    let mut out = Vec::new();
    let mut rng = SmallRng::seed_from_u64(7);
    for day in 0..60i64 {
        for (key, words, tag) in &vocab {
            for i in 0..4 {
                // Three different words of the topic's six.
                let a = rng.random_range(0..6);
                let b = (a + rng.random_range(1..6)) % 6;
                let c = (0..6).find(|x| *x != a && *x != b).unwrap_or(0);
                let (a, b, c) = (words[a], words[b], words[(c + rng.random_range(0..3)) % 6]);
                out.push(ThreadText {
                    thread_id: format!("{key}-{day}-{i}"),
                    opened_us: day * DAY + 3_600_000_000 * (i as i64 + 8),
                    text: format!("Question about {a} and {b}. The {c} again, help please."),
                    tags: vec![tag.to_string()],
                });
            }
        }
        if day % 10 == 0 {
            out.push(ThreadText {
                thread_id: format!("chat-{day}"),
                opened_us: day * DAY + 1,
                text: "Happy birthday Maria, enjoy the cake!".into(),
                tags: vec![],
            });
        }
        if new_topic && day >= 57 {
            let words = [
                "scanner firmware",
                "handheld",
                "barcode",
                "freezes",
                "reboot",
            ];
            for i in 0..4 {
                out.push(ThreadText {
                    thread_id: format!("scan-{day}-{i}"),
                    opened_us: day * DAY + 3_600_000_000 * (i as i64 + 9),
                    text: format!(
                        "The {} {} since the update, {}.",
                        words[i % 5],
                        words[(i + 1) % 5],
                        words[(i + 3) % 5]
                    ),
                    tags: vec!["warehouse".into()],
                });
            }
        }
    }
    out
}

fn settings() -> TopicSettings {
    TopicSettings {
        clusters: 6,
        min_topic_threads: 5,
        ..TopicSettings::default()
    }
}

fn majority(threads: &[ThreadText], f: &Fitted, prefix: &str) -> Option<usize> {
    let mut counts = vec![0usize; f.topics.len()];
    for (t, a) in threads.iter().zip(&f.assignment) {
        if t.thread_id.starts_with(prefix)
            && let Some(c) = a
        {
            counts[*c] += 1;
        }
    }
    let (best, n) = counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
    (*n > 0).then_some(best)
}

fn run(threads: &[ThreadText], day: i64, reg: &mut Registry) -> Fitted {
    let as_of =
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Days::new(day as u64);
    fit(
        threads,
        day * DAY,
        &as_of.to_string(),
        reg,
        &Tokenizer::new(),
        &settings(),
        &[],
    )
}

#[test]
fn established_topics_are_found_and_chit_chat_stays_unassigned() {
    let threads = corpus(false);
    let mut reg = Registry::default();
    let f = run(&threads, 60, &mut reg);
    let topics: Vec<usize> = ["vpn", "payroll", "rota"]
        .iter()
        .map(|p| majority(&threads, &f, p).expect("each planted topic has threads"))
        .collect();
    assert_ne!(topics[0], topics[1]);
    assert_ne!(topics[1], topics[2]);
    assert_ne!(topics[0], topics[2]);
    // Purity: at least 95% of each planted topic's threads in its majority topic.
    for (p, &t) in ["vpn", "payroll", "rota"].iter().zip(&topics) {
        let (mut all, mut hit) = (0, 0);
        for (th, a) in threads.iter().zip(&f.assignment) {
            if th.thread_id.starts_with(p) {
                all += 1;
                hit += usize::from(*a == Some(t));
            }
        }
        assert!(hit * 100 >= all * 95, "{p}: {hit} of {all}");
    }
    let chat: Vec<_> = threads
        .iter()
        .zip(&f.assignment)
        .filter(|(t, _)| t.thread_id.starts_with("chat"))
        .collect();
    assert!(
        chat.iter().all(|(_, a)| a.is_none()),
        "chit-chat is not forced into a topic"
    );
    let vpn = &f.topics[topics[0]];
    assert!(
        vpn.terms.iter().any(|t| t == "vpn" || t == "#it"),
        "{:?}",
        vpn.terms
    );
    assert_eq!(reg.topics.len(), f.topics.len());
}

#[test]
fn a_burst_of_new_words_becomes_a_topic_within_three_days() {
    let threads = corpus(true);
    let mut reg = Registry::default();
    let f = run(&threads, 60, &mut reg);
    let t = majority(&threads, &f, "scan").expect("the new threads are assigned");
    let others = ["vpn", "payroll", "rota"].map(|p| majority(&threads, &f, p).unwrap());
    assert!(
        !others.contains(&t),
        "the new topic is not merged into an old one"
    );
    assert!(
        f.topics[t]
            .terms
            .iter()
            .any(|x| x.contains("scanner") || x.contains("handheld")),
        "{:?}",
        f.topics[t].terms
    );
}

#[test]
fn ids_are_stable_across_runs_and_an_older_date_reruns_the_same() {
    let threads = corpus(true);
    let mut reg = Registry::default();
    let mut ids: Vec<[String; 3]> = Vec::new();
    for day in [39, 46, 53, 60] {
        let visible: Vec<ThreadText> = threads
            .iter()
            .filter(|t| t.opened_us < day * DAY)
            .cloned()
            .collect();
        let f = run(&visible, day, &mut reg);
        ids.push(["vpn", "payroll", "rota"].map(|p| {
            let t = majority(&visible, &f, p).unwrap();
            f.topics[t].id.clone()
        }));
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    // Re-running the first date after later runs gives the same ids.
    let visible: Vec<ThreadText> = threads
        .iter()
        .filter(|t| t.opened_us < 39 * DAY)
        .cloned()
        .collect();
    let f = run(&visible, 39, &mut reg);
    let again = ["vpn", "payroll", "rota"].map(|p| {
        let t = majority(&visible, &f, p).unwrap();
        f.topics[t].id.clone()
    });
    assert_eq!(again, ids[0]);
}

#[test]
fn a_taxonomy_names_the_topics_it_knows() {
    let threads = corpus(false);
    let taxonomy = vec![TaxonomyEntry {
        name: "Remote access".into(),
        terms: vec!["vpn".into(), "token".into(), "tunnel".into()],
    }];
    let mut reg = Registry::default();
    let f = fit(
        &threads,
        60 * DAY,
        "1970-03-02",
        &mut reg,
        &Tokenizer::new(),
        &settings(),
        &taxonomy,
    );
    let t = majority(&threads, &f, "vpn").unwrap();
    assert_eq!(f.topics[t].label, "Remote access");
    let p = majority(&threads, &f, "payroll").unwrap();
    assert_ne!(f.topics[p].label, "Remote access");
}

#[test]
fn a_damaged_registry_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = Registry::path(dir.path());
    std::fs::write(&path, "{not json").unwrap();
    let err = Registry::load(&path).unwrap_err().to_string();
    assert!(err.contains("topic_registry.json"), "{err}");
    assert!(
        Registry::load(&dir.path().join("absent.json"))
            .unwrap()
            .topics
            .is_empty()
    );
}

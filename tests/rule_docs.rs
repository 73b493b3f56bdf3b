//! Each rule's documented examples are linted: the bad one must fire, the good one must not.

use leaklint::driver::{self, Options};
use leaklint::model::Lang;
use leaklint::rules::RuleSet;

#[test]
fn bad_examples_fire_and_good_examples_stay_silent() {
    let rules = RuleSet::builtin();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut expect = Vec::new();
    for rule in &rules.rules {
        assert!(
            !rule.docs.examples.is_empty(),
            "{} documents no example",
            rule.id
        );
        for (key, ex) in &rule.docs.examples {
            let lang = Lang::from_key(key).unwrap();
            for (kind, text, fires) in [("bad", &ex.bad, true), ("good", &ex.good, false)] {
                let path = dir
                    .path()
                    .join(format!("{}-{kind}.{}", rule.id, lang.extension()));
                std::fs::write(&path, text).unwrap();
                expect.push((driver::display(&path), rule.id.clone(), fires));
                files.push((path, lang));
            }
        }
    }
    let opts = Options {
        threads: 2,
        max_file_size: u64::MAX,
        ..Options::default()
    };
    let report = driver::analyze(&files, &rules, &opts);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let mut wrong = Vec::new();
    for (path, rule, fires) in expect {
        let fired = report
            .diagnostics
            .iter()
            .any(|d| d.path == path && d.rule == rule);
        if fired != fires {
            wrong.push(format!(
                "{path}: expected {rule} to {}",
                if fires { "fire" } else { "stay silent" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! The result cache: what each file's analysis reported, keyed by the file's content, so that a
//! second run over an unchanged tree reads and hashes each file but parses none.
//!
//! - One cache file per rule set: its name hashes leaklint's version, the binary itself (its
//!   size and modification time, so that a rebuilt leaklint never reads an older build's
//!   results), and every setting of every active rule (built-in, rule packs, and the
//!   configuration's `select`, `ignore` and `severity`).
//! - Within it, entries are keyed by a 128-bit hash of the file's language and bytes; the size
//!   is checked too. A file's path is not part of the key: its findings are re-labelled with
//!   the path it has today.
//! - It rests on each file's first-pass findings depending only on its own bytes and the rules.
//!   With them it keeps the file's declarations and the questions its checks asked the project
//!   in vain; the second pass, which judges a file again with the whole project's index, is
//!   never cached (see `driver::analyze_project`).
//! - It lives in `.leaklint_cache/` at the report root ([`crate::paths::Root`]), which holds a
//!   `.gitignore` of its own. `--no-cache` neither reads nor writes it. A cache that cannot be
//!   read is ignored; one that cannot be written is skipped silently.

use crate::diagnostic::{Diagnostic, Label, Location, Position};
use crate::driver::{Pass1, Render, Report, Warning};
use crate::model::{Lang, Span};
use crate::rules::{RuleSet, Severity};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The cache folder's name, under the report root.
pub const DIR: &str = ".leaklint_cache";

/// Entries not used by a run are dropped when there are more than this many beyond the run's.
const KEEP_UNUSED: usize = 20_000;

pub struct Cache {
    file: PathBuf,
    old: HashMap<String, Entry>,
    used: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    size: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    d: Vec<Finding>,
    /// Warnings about the file, without its path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    w: Vec<String>,
    /// Where the parser skipped a region: `line:column`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    p: Vec<String>,
    /// What the file gives the project index, and what its checks asked of it in vain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<Pass1>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Finding {
    rule: String,
    error: bool,
    at: Loc,
    message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    labels: Vec<(Loc, String)>,
    help: String,
    fingerprint: String,
    /// Safe fixes: each a title and its edits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<(String, Vec<(Loc, String)>)>,
}

/// A location: span start and end, start line and column, end line and column.
#[derive(Clone, Serialize, Deserialize)]
struct Loc([u32; 6]);

impl Loc {
    fn of(l: &Location) -> Loc {
        Loc([
            l.span.start,
            l.span.end,
            l.start.line,
            l.start.column,
            l.end.line,
            l.end.column,
        ])
    }

    fn location(&self) -> Location {
        let [s, e, sl, sc, el, ec] = self.0;
        Location {
            start: Position {
                line: sl,
                column: sc,
            },
            end: Position {
                line: el,
                column: ec,
            },
            span: Span::new(s as usize, e as usize),
        }
    }
}

impl Cache {
    /// Opens the cache for `rules` (and `salt`: other settings that change results) in `dir`.
    pub fn open(dir: &Path, rules: &RuleSet, salt: &str) -> Cache {
        let mut h = Fnv::new();
        h.write(env!("CARGO_PKG_VERSION").as_bytes());
        if let Some(m) = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
        {
            h.write_u64(m.len());
            if let Ok(t) = m.modified() {
                if let Ok(d) = t.duration_since(std::time::UNIX_EPOCH) {
                    h.write_u128(d.as_nanos());
                }
            }
        }
        h.write(format!("{rules:?}").as_bytes());
        h.write(salt.as_bytes());
        let file = dir
            .join(env!("CARGO_PKG_VERSION"))
            .join(format!("{:016x}.json", h.finish()));
        let old = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Cache {
            file,
            old,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Reports what `analyze` would report for the file `shown`, and returns what it would
    /// return (the file's part of the project index): from the cache when its bytes are known,
    /// else by running `analyze` and remembering both.
    pub fn analyze(
        &self,
        shown: &str,
        lang: Lang,
        bytes: &[u8],
        render: Option<Render>,
        report: &mut Report,
        analyze: impl FnOnce(&mut Report) -> Option<Pass1>,
    ) -> Option<Pass1> {
        let key = content_key(lang, bytes);
        if let Some(e) = self.old.get(&key).filter(|e| e.size == bytes.len() as u64) {
            replay(e, shown, lang, bytes, render, report);
            self.used.lock().unwrap().insert(key, e.clone());
            return e.k.clone().map(|mut k| {
                k.decls.relocate(shown);
                k
            });
        }
        let (d0, w0, p0) = (
            report.diagnostics.len(),
            report.warnings.len(),
            report.partial_parses.len(),
        );
        let (errors0, skipped0) = (report.internal_errors, report.skipped);
        let kept = analyze(report);
        // A file skipped (binary, unparsable) is judged afresh each time, and counted so.
        if report.internal_errors != errors0 || report.skipped != skipped0 {
            return kept;
        }
        let entry = Entry {
            size: bytes.len() as u64,
            d: report.diagnostics[d0..]
                .iter()
                .map(|d| Finding {
                    rule: d.rule.clone(),
                    error: d.severity == Severity::Error,
                    at: Loc::of(&d.location),
                    message: d.message.clone(),
                    labels: d
                        .labels
                        .iter()
                        .map(|l| (Loc::of(&l.location), l.message.clone()))
                        .collect(),
                    help: d.help.clone(),
                    fingerprint: d.fingerprint.clone(),
                    fixes: d
                        .fixes
                        .iter()
                        .map(|f| {
                            let edits = f
                                .edits
                                .iter()
                                .map(|e| (Loc::of(&e.location), e.text.clone()))
                                .collect();
                            (f.title.clone(), edits)
                        })
                        .collect(),
                })
                .collect(),
            w: report.warnings[w0..]
                .iter()
                .map(|w| w.message.clone())
                .collect(),
            p: report.partial_parses[p0..]
                .iter()
                .map(|p| p[shown.len()..].trim_start_matches(':').to_string())
                .collect(),
            k: kept.clone(),
        };
        self.used.lock().unwrap().insert(key, entry);
        kept
    }

    /// Writes the entries this run used, and older ones while there are not too many.
    pub fn save(self) {
        let mut entries = self.used.into_inner().unwrap();
        let used = entries.len();
        for (k, e) in self.old {
            if entries.len() >= used + KEEP_UNUSED {
                break;
            }
            entries.entry(k).or_insert(e);
        }
        let Ok(text) = serde_json::to_vec(&entries) else {
            return;
        };
        let Some(dir) = self.file.parent() else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        if let Some(top) = dir.parent() {
            let ignore = top.join(".gitignore");
            if !ignore.exists() {
                let _ = std::fs::write(
                    &ignore,
                    "# Written by leaklint: its result cache is not for version control.\n*\n",
                );
                let _ = std::fs::write(
                    top.join("CACHEDIR.TAG"),
                    "Signature: 8a477f597d28d172789f06886806bc55\n# leaklint's result cache (https://bford.info/cachedir/)\n",
                );
            }
        }
        // Write beside, then rename: a concurrent run reads the old file or the new one.
        let tmp = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &self.file).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn replay(
    e: &Entry,
    shown: &str,
    lang: Lang,
    bytes: &[u8],
    render: Option<Render>,
    report: &mut Report,
) {
    let stats = report.stats.entry(lang).or_default();
    stats.files += 1;
    stats.bytes += bytes.len() as u64;
    // Not parsed: `--statistics` counts only the files parsed in this run.
    for w in &e.w {
        report.warnings.push(Warning {
            path: shown.to_string(),
            message: w.clone(),
        });
    }
    for p in &e.p {
        report.partial_parses.push(format!("{shown}:{p}"));
    }
    if e.d.is_empty() {
        return;
    }
    let text = render.map(|_| String::from_utf8_lossy(bytes));
    for f in &e.d {
        let mut d = Diagnostic {
            rule: f.rule.clone(),
            severity: if f.error {
                Severity::Error
            } else {
                Severity::Warning
            },
            path: shown.to_string(),
            location: f.at.location(),
            message: f.message.clone(),
            labels: f
                .labels
                .iter()
                .map(|(l, m)| Label {
                    location: l.location(),
                    message: m.clone(),
                })
                .collect(),
            help: f.help.clone(),
            fingerprint: f.fingerprint.clone(),
            fixes: f
                .fixes
                .iter()
                .map(|(title, edits)| crate::fix::Fix {
                    title: title.clone(),
                    edits: edits
                        .iter()
                        .map(|(l, text)| crate::fix::Edit {
                            location: l.location(),
                            text: text.clone(),
                        })
                        .collect(),
                })
                .collect(),
            rendered: None,
        };
        if let (Some(how), Some(text)) = (render, &text) {
            d.rendered = Some(crate::emit::human::render(&d, text, how));
        }
        report.diagnostics.push(d);
    }
}

/// 128 bits of the language and the bytes: two SipHash passes with different keys. The cache
/// file is tied to this very binary, so the hasher's stability across Rust versions does not
/// matter.
fn content_key(lang: Lang, bytes: &[u8]) -> String {
    let half = |salt: u64| {
        let mut h = std::hash::DefaultHasher::new();
        salt.hash(&mut h);
        lang.key().hash(&mut h);
        h.write(bytes);
        h.finish()
    };
    format!("{:016x}{:016x}", half(0x6c65_616b), half(0x6c69_6e74))
}

/// FNV-1a, for the cache file's name: stable across builds and platforms.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache file is named after the rules' `Debug` text: it must not vary between two
    /// loads of the same rules (a `HashMap` in a rule would make every run miss).
    #[test]
    fn the_rules_key_is_stable() {
        let a = format!("{:?}", RuleSet::builtin());
        let b = format!("{:?}", RuleSet::builtin());
        assert_eq!(a, b);
    }

    #[test]
    fn content_keys_tell_languages_and_bytes_apart() {
        let k = content_key(Lang::Go, b"package p\n");
        assert_eq!(k.len(), 32);
        assert_eq!(k, content_key(Lang::Go, b"package p\n"));
        assert_ne!(k, content_key(Lang::Go, b"package q\n"));
        assert_ne!(k, content_key(Lang::Python, b"package p\n"));
    }
}

//! rustc-style snippets through codespan-reporting.

use crate::diagnostic::Diagnostic;
use crate::driver::Render;
use crate::rules::Severity;
use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};

/// Renders `d` against the file's text: the primary label on the hazard, a secondary label on
/// each related site, and a `help:` line.
pub fn render(d: &Diagnostic, text: &str, how: Render) -> String {
    let file = SimpleFile::new(d.path.as_str(), text);
    let snippet = match d.severity {
        Severity::Error => Snippet::error(),
        Severity::Warning => Snippet::warning(),
    };
    let mut labels = vec![Label::primary((), d.location.span.range())];
    labels.extend(
        d.labels
            .iter()
            .map(|l| Label::secondary((), l.location.span.range()).with_message(&l.message)),
    );
    let snippet = snippet
        .with_code(&d.rule)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(vec![format!("help: {}", d.help)]);
    let mut buf = match how {
        Render::Color => termcolor::Buffer::ansi(),
        Render::Plain => termcolor::Buffer::no_color(),
    };
    let config = term::Config::default();
    match term::emit(&mut buf, &config, &file, &snippet) {
        Ok(()) => String::from_utf8_lossy(buf.as_slice()).into_owned(),
        // Rendering only fails on spans outside the file, which would be a frontend bug:
        // fall back to the one-line form rather than lose the finding.
        Err(_) => format!(
            "{}: {} [{}]\n  --> {}:{}:{}\n",
            d.severity.as_str(),
            d.message,
            d.rule,
            d.path,
            d.location.start.line,
            d.location.start.column
        ),
    }
}

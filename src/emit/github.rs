//! `--format github`: workflow commands that GitHub Actions turns into annotations.

use crate::diagnostic::Diagnostic;
use crate::rules::Severity;
use std::fmt::Write;

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let l = &d.location;
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&d.path),
            l.start.line,
            l.start.column,
            l.end.line,
            l.end.column,
            property(&format!("leaklint: {}", d.rule)),
            data(&format!("{}\nhelp: {}", d.message, d.help)),
        );
    }
    out
}

/// Escapes a command's message, as the Actions runner unescapes it.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` also delimit.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("100% done\nnext"), "100%25 done%0Anext");
        assert_eq!(property("a,b:c"), "a%2Cb%3Ac");
    }
}

//! Parsing of format templates, shared by frontends (Python `%`, Rust `format!`) and checks (Go's
//! `fmt.Sprintf`, recognised from rule data).

/// The conversions of a printf-style template, in argument order: `"%s:%+v %%"` → `["s", "+v"]`.
/// Flags and widths are dropped except `+` and `#`, which change what Go prints.
pub fn printf_verbs(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        let mut verb = String::new();
        // Python's `%(name)s`.
        if chars.peek() == Some(&'(') {
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
            }
        }
        while let Some(&c) = chars.peek() {
            chars.next();
            match c {
                '+' | '#' => verb.push(c),
                '-' | ' ' | '0'..='9' | '.' | '*' | '[' | ']' | 'l' | 'h' | 'z' | 'j' | 't' => {}
                _ => {
                    verb.push(c);
                    break;
                }
            }
        }
        if verb != "%" {
            out.push(verb);
        }
    }
    out
}

/// One `{…}` placeholder of a brace template (Python `str.format`, Rust `format!`).
#[derive(Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// `Some("x")` for `{x}` / `{x:?}`, `Some("0")` for `{0}`, `None` for `{}`.
    pub name: Option<String>,
    /// The conversion: `` for `{}`, `?` for `{:?}`, `#?`, `p`, `r` for Python's `{!r}`.
    pub verb: String,
}

/// The placeholders of a brace template, skipping `{{` and `}}`.
pub fn brace_placeholders(template: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            continue;
        }
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let (head, spec) = inner.split_once(':').unwrap_or((inner, ""));
        let (name, conv) = head.split_once('!').unwrap_or((head, ""));
        let name = name.trim();
        let verb = if !conv.is_empty() {
            conv.to_string()
        } else {
            // Keep only the type part of a spec such as `>8.3?` or `#?`.
            let ty: String = spec
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphabetic() || *c == '?')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if spec.contains('#') && !ty.is_empty() {
                format!("#{ty}")
            } else {
                ty
            }
        };
        out.push(Placeholder {
            name: (!name.is_empty()).then(|| name.to_string()),
            verb,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf() {
        assert_eq!(printf_verbs("%v"), ["v"]);
        assert_eq!(printf_verbs("%s:%d"), ["s", "d"]);
        assert_eq!(printf_verbs("100%% %+v %#v %-8.3f"), ["+v", "#v", "f"]);
        assert_eq!(printf_verbs("%(name)s %p"), ["s", "p"]);
        assert!(printf_verbs("plain").is_empty());
    }

    #[test]
    fn braces() {
        let p = brace_placeholders("{} {:?} {x:#?} {{lit}} {0!r} {:p} {:>8}");
        let verbs: Vec<_> = p.iter().map(|p| p.verb.as_str()).collect();
        assert_eq!(verbs, ["", "?", "#?", "r", "p", ""]);
        assert_eq!(p[2].name.as_deref(), Some("x"));
        assert_eq!(p[3].name.as_deref(), Some("0"));
        assert_eq!(p[0].name, None);
    }
}

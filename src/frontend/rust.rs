//! Lowering of Rust, through syn, into the model.
//!
//! The file is parsed once with [`syn`]. Spans come from proc-macro2's `span-locations` source
//! map, which is thread-local and grows with every file parsed on the thread: every span is turned
//! into byte offsets while lowering, and the map is cleared before returning.
//!
//! Rust's control flow is made of expressions. In statement position, and as the value of a
//! `let`, an assignment, a `return` or a function's tail, `if`, `match`, loops and blocks become
//! structured statements: the value each branch produces is bound, returned or discarded inside
//! that branch (see [`Sink`]). Anywhere else they are flattened into an opaque
//! [`ExprKind::Other`] that keeps every sub-expression.

use super::ParseError;
use crate::format_string::brace_placeholders;
use crate::model::{
    BinOp, Block, Call, Expr, ExprKind, FnKind, Format, FormatArg, FuncId, Import, Lang, Lit,
    Method, Param, Span, Stmt, StmtKind, TypeKind, TypeRef, Unit, MAX_DEPTH,
};
use proc_macro2::extra::DelimSpan;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::Expr as E;

/// syn's parser recurses once per level of nesting; the parts of a file nesting deeper than
/// this are blanked before syn sees them, so that it cannot overflow the stack.
const MAX_NESTING: usize = 1000;

/// When a file nests deeper than [`MAX_NESTING`], the innermost bracket opened at most this
/// deep has its contents blanked: lowering descends only [`MAX_DEPTH`] levels anyway.
const KEEP_NESTING: usize = MAX_NESTING / 2;

pub fn lower(src: &str) -> Result<Unit, ParseError> {
    lower_range(src, 0..src.len())
}

/// Lowers only the items in `range` of `src` (which starts and ends between items); spans are
/// offsets in `src`.
pub fn lower_range(src: &str, range: std::ops::Range<usize>) -> Result<Unit, ParseError> {
    let (piece, too_deep) = limit_nesting(&src[range.clone()]);
    let shift = |s: Span| Span::new(s.start as usize + range.start, s.end as usize + range.start);
    let too_deep = too_deep.map(shift);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (base, text) = if range.start == 0 {
            strip_preamble(&piece)
        } else {
            (0, &*piece)
        };
        match syn::parse_str::<syn::File>(text) {
            Ok(file) => {
                // Only the spans of syn's nodes are read from `src`, never a blanked part.
                let mut unit = lower_file(src, range.start + base, &file);
                if too_deep.is_some_and(|s| unit.truncated_at.is_none_or(|t| s.start < t.start)) {
                    unit.truncated_at = too_deep;
                }
                Ok(unit)
            }
            Err(e) => {
                let mut err = parse_error(&e, base, text);
                err.span = shift(err.span);
                Err(err)
            }
        }
    }));
    // Every span has been turned into byte offsets (and the syntax tree dropped): the thread's
    // source map can go, so that memory does not grow with the number of files.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(ParseError {
            span: Span::default(),
            message: format!("internal error while lowering Rust: {what}"),
        })
    })
}

/// [`lower`]: Rust files are always lowered whole (syn parses the bodies anyway, and the
/// lowering is a small part of its cost).
pub fn lower_with(src: &str, _declarations_only: bool) -> Result<Unit, ParseError> {
    lower(src)
}

pub fn parse_only(src: &str) -> bool {
    let (src, _) = limit_nesting(src);
    let (_, text) = strip_preamble(&src);
    let ok = syn::parse_str::<syn::File>(text).is_ok();
    proc_macro2::extra::invalidate_current_thread_spans();
    ok
}

fn parse_error(e: &syn::Error, base: usize, text: &str) -> ParseError {
    let message = e.to_string();
    let r = e.span().byte_range();
    // Errors at the end of the input carry the call-site span, which has no location.
    let r = if r == (0..0) && message.contains("end of input") {
        text.len()..text.len()
    } else {
        r
    };
    ParseError {
        span: Span::new(base + r.start, base + r.end),
        message,
    }
}

/// Strips what `syn::parse_file` strips (a byte-order mark and a `#!` line), returning the offset
/// of the rest in `src`, which spans are relative to.
fn strip_preamble(src: &str) -> (usize, &str) {
    let mut base = 0;
    if src.starts_with('\u{feff}') {
        base = '\u{feff}'.len_utf8();
    }
    let content = &src[base..];
    if content.starts_with("#!") && !skip_trivia(&content[2..]).starts_with('[') {
        base = match content.find('\n') {
            Some(i) => base + i,
            None => src.len(),
        };
    }
    (base, &src[base..])
}

/// Skips whitespace and non-doc comments, as syn does when telling `#!` lines from `#![attr]`.
fn skip_trivia(mut s: &str) -> &str {
    loop {
        if s.starts_with("//")
            && (!s.starts_with("///") || s.starts_with("////"))
            && !s.starts_with("//!")
        {
            match s.find('\n') {
                Some(i) => s = &s[i + 1..],
                None => return "",
            }
        } else if s.starts_with("/**/") {
            s = &s[4..];
        } else if s.starts_with("/*")
            && (!s.starts_with("/**") || s.starts_with("/***"))
            && !s.starts_with("/*!")
        {
            match block_comment_end(s.as_bytes(), 0) {
                Some(end) => s = &s[end..],
                None => return s,
            }
        } else {
            match s.chars().next() {
                Some(c) if c.is_whitespace() || c == '\u{200e}' || c == '\u{200f}' => {
                    s = &s[c.len_utf8()..]
                }
                _ => return s,
            }
        }
    }
}

/// The end of the (nested) block comment opening at `i`, if it is closed.
fn block_comment_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The scanner's state just after an open bracket, to resume from once its contents are blanked.
struct Open {
    at: usize,
    level: usize,
    brackets: usize,
    angles: usize,
    chain_total: usize,
}

/// Blanks (with spaces, keeping line breaks and so every offset) the parts of a file whose
/// nesting would make syn's recursive parser go deeper than [`MAX_NESTING`]: the contents of the
/// innermost bracket opened at most [`KEEP_NESTING`] deep around each such place, or, where no
/// bracket is that shallow, the whole top-level item. Returns the text for syn and where the
/// first blanked part starts; the rest of the file is analyzed.
///
/// The scan is approximate (comments, strings and character literals are skipped roughly) and
/// adds up what syn recurses on: open brackets, open generic angle brackets, the current run of
/// prefix operators (`&&&&x`, `!!!!x`, `|| || x`), and `else if` chains.
fn limit_nesting(src: &str) -> (std::borrow::Cow<'_, str>, Option<Span>) {
    let b = src.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut first: Option<Span> = None;
    let mut brackets = 0usize;
    let mut angles = 0usize;
    let mut prefix_run = 0usize;
    // The length of the `else if` chain being continued at each open bracket depth.
    let mut chains: Vec<usize> = vec![0];
    let mut chain_total = 0usize;
    let mut after_else = false;
    let mut last = 0u8;
    let mut opens: Vec<Open> = Vec::new();
    // Where the current top-level item starts.
    let mut item_start = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let at = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if let Some((end, string)) = skip_unbracketed(src, i) {
            i = end;
            if string {
                (prefix_run, after_else, last) = (0, false, b'"');
            }
            continue;
        }
        if is_ident_byte(c) {
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
            let word = &b[at..i];
            match word {
                b"mut" | b"move" | b"return" | b"const" | b"raw" | b"dyn" => prefix_run += 1,
                _ => prefix_run = 0,
            }
            if word == b"if" {
                let chain = &mut chains[brackets];
                chain_total -= *chain;
                *chain = if after_else { *chain + 1 } else { 0 };
                chain_total += *chain;
            }
            after_else = word == b"else";
            last = b'a';
        } else {
            after_else = false;
            match c {
                b'(' | b'[' | b'{' => {
                    brackets += 1;
                    chains.push(0);
                    prefix_run = 0;
                    if c == b'{' {
                        angles = 0;
                    }
                    opens.push(Open {
                        at,
                        level: brackets + angles + chain_total,
                        brackets,
                        angles,
                        chain_total,
                    });
                }
                b')' | b']' | b'}' => {
                    if brackets > 0 {
                        brackets -= 1;
                        chain_total -= chains.pop().unwrap_or(0);
                        opens.pop();
                    }
                    prefix_run = 0;
                    if c == b'}' {
                        angles = 0;
                    }
                }
                b';' => {
                    angles = 0;
                    prefix_run = 0;
                }
                b'<' => {
                    prefix_run = 0;
                    if is_ident_byte(last) || last == b':' {
                        angles += 1;
                    }
                }
                b'>' => {
                    prefix_run = 0;
                    if last != b'-' && last != b'=' && b.get(i + 1) != Some(&b'=') {
                        angles = angles.saturating_sub(1);
                    }
                }
                b'!' | b'-' | b'*' | b'&' | b'|' => prefix_run += 1,
                _ => prefix_run = 0,
            }
            last = c;
            i += 1;
            if brackets == 0 && matches!(c, b';' | b'}') {
                item_start = i;
            }
        }
        if brackets + angles + prefix_run + chain_total <= MAX_NESTING {
            continue;
        }
        // Too deep: blank the contents of the innermost shallow bracket around this place, and
        // go on from its closing bracket as if it were empty; or blank the top-level item.
        let keep = opens.iter().rposition(|o| o.level <= KEEP_NESTING);
        let (start, end) = match keep {
            Some(k) => {
                let o = &opens[k];
                let close = scan_to_close(src, i, brackets, o.brackets);
                brackets = o.brackets;
                angles = o.angles;
                chain_total = o.chain_total;
                chains.truncate(brackets + 1);
                chains[brackets] = 0;
                prefix_run = 0;
                after_else = false;
                last = b'(';
                let start = o.at + 1;
                opens.truncate(k + 1);
                (start, close)
            }
            None => {
                let end = scan_to_close(src, i, brackets, 0);
                brackets = 0;
                angles = 0;
                chain_total = 0;
                chains.truncate(1);
                chains[0] = 0;
                prefix_run = 0;
                after_else = false;
                last = b';';
                opens.clear();
                let start = item_start;
                item_start = end;
                (start, end)
            }
        };
        let out = out.get_or_insert_with(|| b.to_vec());
        for x in &mut out[start..end] {
            if *x != b'\n' && *x != b'\r' {
                *x = b' ';
            }
        }
        first.get_or_insert(Span::new(start, end));
        i = end;
    }
    match out {
        // Only runs of whole characters between ASCII brackets were replaced by spaces.
        Some(out) => (
            std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_default()),
            first,
        ),
        None => (std::borrow::Cow::Borrowed(src), None),
    }
}

/// Where a comment, a character or lifetime quote, or a string (raw or not) that starts at `i`
/// ends, and whether it was a string: text whose brackets do not count. `None` elsewhere.
fn skip_unbracketed(src: &str, i: usize) -> Option<(usize, bool)> {
    let b = src.as_bytes();
    let c = *b.get(i)?;
    if c == b'/' && b.get(i + 1) == Some(&b'/') {
        return Some((
            memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n),
            false,
        ));
    }
    if c == b'/' && b.get(i + 1) == Some(&b'*') {
        return Some((block_comment_end(b, i).unwrap_or(b.len()), false));
    }
    if c == b'\'' {
        return Some((quote_end(src, i), false));
    }
    let end = match c {
        b'"' => Some(string_end(b, i + 1)),
        c if is_ident_byte(c) => raw_string_end(b, i),
        _ => None,
    }?;
    Some((end, true))
}

/// Scans from `i`, with `depth` brackets open, to the bracket that closes the `target`th
/// (returning its offset), or for `target` 0 to the end of the top-level item: just past the
/// next `;` outside brackets or the `}` that closes its braces, or a stray closing bracket; the
/// end of the file if none comes.
fn scan_to_close(src: &str, mut i: usize, mut depth: usize, target: usize) -> usize {
    let b = src.as_bytes();
    while i < b.len() {
        let c = b[i];
        if let Some((end, _)) = skip_unbracketed(src, i) {
            i = end;
            continue;
        }
        if is_ident_byte(c) {
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth <= target {
                    return i;
                }
                depth -= 1;
                // A top-level item in braces ends with them.
                if target == 0 && depth == 0 && c == b'}' {
                    return i + 1;
                }
            }
            b';' if target == 0 && depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The end of a string literal whose contents start at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of a raw string literal (`r"…"`, `br#"…"#`, `cr"…"`) starting at `i`, if one does.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(b[j], b'b' | b'c') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"' && b[j + 1..].iter().take_while(|&&c| c == b'#').count() >= hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(b.len())
}

/// Skips a character literal (`'x'`, `'\n'`, `'é'`) starting at `i`, or just the quote of a
/// lifetime or label.
fn quote_end(src: &str, i: usize) -> usize {
    let b = src.as_bytes();
    if b.get(i + 1) == Some(&b'\\') {
        let close = b[i + 2..]
            .iter()
            .take(12)
            .position(|&c| c == b'\'')
            .map(|n| i + 2 + n + 1);
        return close.unwrap_or(i + 1);
    }
    match src.get(i + 1..).and_then(|s| s.chars().next()) {
        Some(ch) if b.get(i + 1 + ch.len_utf8()) == Some(&b'\'') => i + 2 + ch.len_utf8(),
        _ => i + 1,
    }
}

fn lower_file(src: &str, base: usize, file: &syn::File) -> Unit {
    let mut rs = Rs {
        src,
        base,
        unit: Unit::new(Lang::Rust, Span::new(0, src.len())),
        func: 0,
        depth: 0,
        impl_ty: Vec::new(),
        loops: Vec::new(),
        trait_impls: Vec::new(),
    };
    let mut top = Vec::new();
    for item in &file.items {
        rs.item(item, &mut top);
    }
    rs.unit.functions[0].body = top;
    for (own, tr) in std::mem::take(&mut rs.trait_impls) {
        if let Some(t) = rs.unit.type_named(&own) {
            rs.unit.types[t].supertypes.push(tr);
        }
    }
    rs.unit.attach_methods();
    rs.unit
}

/// Where the value of a block, branch or tail expression goes.
enum Sink {
    /// Evaluated for its effect.
    Discard,
    /// Returned from the current function or closure.
    Return,
    /// Bound: `let x = if … { a } else { b }` binds `x` in each branch.
    Bind {
        targets: Vec<Expr>,
        declared: Option<TypeRef>,
    },
}

impl Sink {
    fn duplicate(&self) -> Sink {
        match self {
            Sink::Discard => Sink::Discard,
            Sink::Return => Sink::Return,
            Sink::Bind { targets, declared } => Sink::Bind {
                targets: targets.to_vec(),
                declared: declared.clone(),
            },
        }
    }
}

/// A function being lowered: see [`Rs::begin`].
#[must_use]
struct FnScope {
    id: FuncId,
    outer: FuncId,
    loops: Vec<BreakTarget>,
}

/// A loop or labeled block that `break` can leave, and where `break value` sends its value.
struct BreakTarget {
    label: Option<String>,
    is_loop: bool,
    sink: Sink,
}

struct Rs<'s> {
    src: &'s str,
    /// Offset of the parsed text in `src` (after a byte-order mark or `#!` line).
    base: usize,
    unit: Unit,
    func: FuncId,
    depth: usize,
    /// Self types of the enclosing `impl` blocks, whitespace removed.
    impl_ty: Vec<String>,
    /// The enclosing loops and labeled blocks, innermost last.
    loops: Vec<BreakTarget>,
    /// `impl Trait for Type`: the type's simple name and the trait, joined to the type's
    /// declaration once the whole file is read.
    trait_impls: Vec<(String, TypeRef)>,
}

impl<'s> Rs<'s> {
    // ----- spans and text -----

    fn sp(&self, s: proc_macro2::Span) -> Span {
        let r = s.byte_range();
        Span::new(self.base + r.start, self.base + r.end)
    }

    fn delim(&self, d: &DelimSpan) -> Span {
        self.sp(d.join())
    }

    fn open(&self, d: &DelimSpan) -> Span {
        self.sp(d.open())
    }

    fn close(&self, d: &DelimSpan) -> Span {
        self.sp(d.close())
    }

    /// The span of a whole node, through its tokens: only for small nodes (types, patterns,
    /// paths, operators).
    fn spanned<T: Spanned + ?Sized>(&self, t: &T) -> Span {
        self.sp(t.span())
    }

    fn text(&self, s: Span) -> &'s str {
        self.src.get(s.range()).unwrap_or("")
    }

    /// A declared type as written, comments dropped and `Self` replaced by the impl's type.
    fn ty(&self, t: &syn::Type) -> TypeRef {
        let text = self.text(self.spanned(t));
        let text = if text.contains('/') {
            strip_comments(text)
        } else {
            text.to_string()
        };
        match self.impl_ty.last() {
            Some(own) if text.contains("Self") => TypeRef::new(&replace_self(&text, own)),
            _ => TypeRef::new(&text),
        }
    }

    fn path_span(&self, path: &syn::Path) -> Span {
        let start = match (&path.leading_colon, path.segments.first()) {
            (Some(c), _) => self.sp(c.spans[0]),
            (None, Some(seg)) => self.sp(seg.ident.span()),
            (None, None) => return Span::default(),
        };
        let end = path
            .segments
            .last()
            .map(|seg| match &seg.arguments {
                syn::PathArguments::None => self.sp(seg.ident.span()),
                args => self.spanned(args),
            })
            .unwrap_or(start);
        join(start, end)
    }

    /// A path as a name: segments joined by `::`, generic arguments dropped, `Self` replaced by
    /// the impl's type.
    fn path_name(&self, path: &syn::Path) -> String {
        let mut s = String::new();
        for (i, seg) in path.segments.iter().enumerate() {
            if i > 0 {
                s.push_str("::");
            }
            let id = ident(&seg.ident);
            match self.impl_ty.last() {
                Some(own) if i == 0 && id == "Self" => {
                    s.push_str(TypeRef(own.clone()).base());
                }
                _ => s.push_str(&id),
            }
        }
        s
    }

    fn mac_span(&self, m: &syn::Macro) -> Span {
        join(self.path_span(&m.path), self.delim(m.delimiter.span()))
    }

    /// The span of an expression's own tokens, without looking into its operands: where a
    /// truncated node is reported.
    fn own_span(&self, e: &E) -> Span {
        match e {
            E::Array(a) => self.delim(&a.bracket_token.span),
            E::Assign(a) => self.sp(a.eq_token.spans[0]),
            E::Async(a) => join(
                self.sp(a.async_token.span),
                self.close(&a.block.brace_token.span),
            ),
            E::Await(a) => self.sp(a.await_token.span),
            E::Binary(b) => self.spanned(&b.op),
            E::Block(b) => self.delim(&b.block.brace_token.span),
            E::Break(b) => self.sp(b.break_token.span),
            E::Call(c) => self.delim(&c.paren_token.span),
            E::Cast(c) => self.sp(c.as_token.span),
            E::Closure(c) => join(self.sp(c.or1_token.spans[0]), self.sp(c.or2_token.spans[0])),
            E::Const(c) => join(
                self.sp(c.const_token.span),
                self.close(&c.block.brace_token.span),
            ),
            E::Continue(c) => self.sp(c.continue_token.span),
            E::Field(f) => self.member_span(&f.member),
            E::ForLoop(f) => join(
                self.sp(f.for_token.span),
                self.close(&f.body.brace_token.span),
            ),
            E::Group(g) => self.sp(g.group_token.span),
            E::If(i) => join(
                self.sp(i.if_token.span),
                self.close(&i.then_branch.brace_token.span),
            ),
            E::Index(i) => self.delim(&i.bracket_token.span),
            E::Infer(i) => self.sp(i.underscore_token.spans[0]),
            E::Let(l) => self.sp(l.let_token.span),
            E::Lit(l) => self.sp(l.lit.span()),
            E::Loop(l) => join(
                self.sp(l.loop_token.span),
                self.close(&l.body.brace_token.span),
            ),
            E::Macro(m) => self.mac_span(&m.mac),
            E::Match(m) => join(self.sp(m.match_token.span), self.close(&m.brace_token.span)),
            E::MethodCall(m) => join(self.sp(m.method.span()), self.close(&m.paren_token.span)),
            E::Paren(p) => self.delim(&p.paren_token.span),
            E::Path(p) => self.path_span(&p.path),
            E::Range(r) => self.spanned(&r.limits),
            E::RawAddr(r) => self.sp(r.and_token.spans[0]),
            E::Reference(r) => self.sp(r.and_token.spans[0]),
            E::Repeat(r) => self.delim(&r.bracket_token.span),
            E::Return(r) => self.sp(r.return_token.span),
            E::Struct(s) => self.delim(&s.brace_token.span),
            E::Try(t) => self.sp(t.question_token.spans[0]),
            E::TryBlock(t) => join(
                self.sp(t.try_token.span),
                self.close(&t.block.brace_token.span),
            ),
            E::Tuple(t) => self.delim(&t.paren_token.span),
            E::Unary(u) => self.spanned(&u.op),
            E::Unsafe(u) => join(
                self.sp(u.unsafe_token.span),
                self.close(&u.block.brace_token.span),
            ),
            E::While(w) => join(
                self.sp(w.while_token.span),
                self.close(&w.body.brace_token.span),
            ),
            E::Yield(y) => self.sp(y.yield_token.span),
            E::Verbatim(tokens) => self.spanned(tokens),
            _ => Span::default(),
        }
    }

    fn member_span(&self, m: &syn::Member) -> Span {
        match m {
            syn::Member::Named(id) => self.sp(id.span()),
            syn::Member::Unnamed(i) => self.sp(i.span),
        }
    }

    fn label_start(&self, label: &Option<syn::Label>, keyword: Span) -> Span {
        match label {
            Some(l) => join(self.sp(l.name.apostrophe), keyword),
            None => keyword,
        }
    }

    // ----- depth guard and functions -----

    /// Enters one level of nesting; false once the tree is deeper than [`MAX_DEPTH`], and the
    /// caller then lowers the node as an opaque leaf (see [`Rs::truncated`]).
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn truncated(&mut self, at: Span) {
        self.unit.truncated_at.get_or_insert(at);
    }

    /// Starts a function nested in the current one and makes it current.
    fn begin(&mut self, kind: FnKind, name: String, span: Span) -> FnScope {
        let id = self.unit.add_function(kind, name, span, self.func);
        FnScope {
            id,
            outer: std::mem::replace(&mut self.func, id),
            loops: std::mem::take(&mut self.loops),
        }
    }

    fn end(&mut self, scope: FnScope, body: Block) -> FuncId {
        self.unit.functions[scope.id].body = body;
        self.func = scope.outer;
        self.loops = scope.loops;
        scope.id
    }

    /// Records, for each closure among `args`, the call it is passed to.
    fn mark_passed(&mut self, callee: &Expr, args: &[Expr]) {
        self.unit.mark_passed(callee, args);
    }

    // ----- items -----

    fn item(&mut self, item: &syn::Item, out: &mut Block) {
        if !self.enter() {
            let at = self.item_span(item);
            self.truncated(at);
            return;
        }
        self.item_inner(item, out);
        self.leave();
    }

    fn item_span(&self, item: &syn::Item) -> Span {
        match item {
            syn::Item::Fn(f) => self.sp(f.sig.ident.span()),
            syn::Item::Impl(i) => self.sp(i.impl_token.span),
            syn::Item::Mod(m) => self.sp(m.ident.span()),
            syn::Item::Struct(s) => self.sp(s.ident.span()),
            syn::Item::Static(s) => self.sp(s.ident.span()),
            syn::Item::Const(c) => self.sp(c.ident.span()),
            syn::Item::Trait(t) => self.sp(t.ident.span()),
            _ => Span::default(),
        }
    }

    fn item_inner(&mut self, item: &syn::Item, out: &mut Block) {
        match item {
            syn::Item::Fn(f) => {
                let kind = if self.func == 0 {
                    FnKind::Function
                } else {
                    FnKind::Nested
                };
                self.function(kind, &f.sig, &f.block);
            }
            syn::Item::Impl(imp) => {
                let own = self.ty(&imp.self_ty);
                let owner = own.simple().to_string();
                let tr = imp.trait_.as_ref().map(|(_, path, _)| {
                    let tr = TypeRef::new(self.text(self.path_span(path)));
                    self.trait_impls.push((owner.clone(), tr.clone()));
                    tr
                });
                self.impl_ty.push(own.0);
                for it in &imp.items {
                    match it {
                        syn::ImplItem::Fn(m) => {
                            let id = self.function(FnKind::Method, &m.sig, &m.block);
                            self.unit.functions[id].owner = Some(owner.clone());
                            self.unit.functions[id].implements = tr.clone();
                        }
                        syn::ImplItem::Const(c) => {
                            self.global(&c.ident, Some(&c.ty), Some(&c.expr), out)
                        }
                        _ => {}
                    }
                }
                self.impl_ty.pop();
            }
            syn::Item::Trait(t) => {
                let name = ident(&t.ident);
                let decl =
                    self.unit
                        .add_type(TypeKind::Trait, name.clone(), self.sp(t.ident.span()));
                for b in &t.supertraits {
                    if let syn::TypeParamBound::Trait(tb) = b {
                        let sup = TypeRef::new(self.text(self.path_span(&tb.path)));
                        self.unit.types[decl].supertypes.push(sup);
                    }
                }
                self.impl_ty.push("Self".into());
                for it in &t.items {
                    match it {
                        syn::TraitItem::Fn(m) => {
                            let method = if let Some(body) = &m.default {
                                let id = self.function(FnKind::Method, &m.sig, body);
                                self.unit.functions[id].owner = Some(name.clone());
                                Method::of(&self.unit.functions[id], id)
                            } else {
                                let params: Vec<Param> = m
                                    .sig
                                    .inputs
                                    .iter()
                                    .filter(|a| matches!(a, syn::FnArg::Typed(_)))
                                    .map(|a| self.fn_arg(a))
                                    .collect();
                                Method {
                                    name: ident(&m.sig.ident),
                                    params,
                                    results: self.results(&m.sig.output),
                                    func: None,
                                    span: self.sp(m.sig.ident.span()),
                                }
                            };
                            self.unit.types[decl].methods.push(method);
                        }
                        syn::TraitItem::Const(c) => {
                            let value = c.default.as_ref().map(|(_, e)| e);
                            self.global(&c.ident, Some(&c.ty), value, out);
                        }
                        _ => {}
                    }
                }
                self.impl_ty.pop();
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    for it in items {
                        self.item(it, out);
                    }
                }
            }
            syn::Item::Struct(s) => {
                let t =
                    self.unit
                        .add_type(TypeKind::Struct, ident(&s.ident), self.sp(s.ident.span()));
                let before = self.unit.fields.len();
                self.fields(&s.fields);
                let declared = self.unit.fields[before..].to_vec();
                self.unit.types[t].fields = declared;
                self.unit.types[t].annotations = derives(&s.attrs);
            }
            syn::Item::Union(u) => {
                let t =
                    self.unit
                        .add_type(TypeKind::Struct, ident(&u.ident), self.sp(u.ident.span()));
                let before = self.unit.fields.len();
                self.named_fields(&u.fields);
                let declared = self.unit.fields[before..].to_vec();
                self.unit.types[t].fields = declared;
            }
            syn::Item::Enum(en) => {
                let t =
                    self.unit
                        .add_type(TypeKind::Enum, ident(&en.ident), self.sp(en.ident.span()));
                self.unit.types[t].annotations = derives(&en.attrs);
                let before = self.unit.fields.len();
                for v in &en.variants {
                    self.fields(&v.fields);
                }
                let declared = self.unit.fields[before..].to_vec();
                self.unit.types[t].fields = declared;
            }
            syn::Item::Use(u) => {
                let span = self.spanned(u);
                self.use_tree(&u.tree, String::new(), span);
            }
            syn::Item::Static(s) => self.global(&s.ident, Some(&s.ty), Some(&s.expr), out),
            syn::Item::Const(c) => self.global(&c.ident, Some(&c.ty), Some(&c.expr), out),
            syn::Item::Macro(m) if macro_name(&m.mac) == "thread_local" => {
                // `thread_local! { static NAME: T = init; }` declares statics.
                let items = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
                    let mut items = Vec::new();
                    while !input.is_empty() {
                        items.push(input.parse::<syn::Item>()?);
                    }
                    Ok(items)
                });
                for it in items.iter().flatten() {
                    self.item(it, out);
                }
            }
            _ => {}
        }
    }

    /// `use a::b::{C, D as E, f::*}`: one import per leaf.
    fn use_tree(&mut self, tree: &syn::UseTree, prefix: String, span: Span) {
        let join = |name: &str| match prefix.is_empty() {
            true => name.to_string(),
            false => format!("{prefix}::{name}"),
        };
        let (path, alias, wildcard) = match tree {
            syn::UseTree::Path(p) => return self.use_tree(&p.tree, join(&ident(&p.ident)), span),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix.clone(), span);
                }
                return;
            }
            syn::UseTree::Name(n) if n.ident == "self" => (prefix.clone(), None, false),
            syn::UseTree::Name(n) => (join(&ident(&n.ident)), None, false),
            syn::UseTree::Rename(r) => (join(&ident(&r.ident)), Some(ident(&r.rename)), false),
            syn::UseTree::Glob(_) => (prefix.clone(), None, true),
        };
        self.unit.imports.push(Import {
            path,
            alias,
            wildcard,
            span,
        });
    }

    fn fields(&mut self, fields: &syn::Fields) {
        if let syn::Fields::Named(named) = fields {
            self.named_fields(named);
        }
    }

    fn named_fields(&mut self, fields: &syn::FieldsNamed) {
        for f in &fields.named {
            if let Some(id) = &f.ident {
                let p = Param {
                    name: ident(id),
                    ty: Some(self.ty(&f.ty)),
                    span: self.sp(id.span()),
                };
                self.unit.fields.push(p);
            }
        }
    }

    /// A `static` or `const`: a field of the unit, and its initialiser bound where it appears.
    fn global(
        &mut self,
        id: &syn::Ident,
        ty: Option<&syn::Type>,
        value: Option<&E>,
        out: &mut Block,
    ) {
        let name = ident(id);
        let span = self.sp(id.span());
        let declared = ty.map(|t| self.ty(t));
        self.unit.fields.push(Param {
            name: name.clone(),
            ty: declared.clone(),
            span,
        });
        if let Some(value) = value {
            let v = self.expr(value);
            out.push(Stmt::new(
                join(span, v.span),
                StmtKind::Bind {
                    targets: vec![Expr::new(span, ExprKind::Name(name))],
                    values: vec![v],
                    declared,
                },
            ));
        }
    }

    /// Lowers a `fn` item or method as a function of its own.
    fn function(&mut self, kind: FnKind, sig: &syn::Signature, body: &syn::Block) -> FuncId {
        let start = sig
            .constness
            .as_ref()
            .map(|t| t.span)
            .or(sig.asyncness.as_ref().map(|t| t.span))
            .or(sig.unsafety.as_ref().map(|t| t.span))
            .or(sig.abi.as_ref().map(|a| a.extern_token.span))
            .unwrap_or(sig.fn_token.span);
        let span = join(self.sp(start), self.close(&body.brace_token.span));
        let scope = self.begin(kind, ident(&sig.ident), span);
        let params: Vec<Param> = sig.inputs.iter().map(|a| self.fn_arg(a)).collect();
        let results = self.results(&sig.output);
        let sink = if results.is_empty() {
            Sink::Discard
        } else {
            Sink::Return
        };
        let receiver = match sig.inputs.first() {
            Some(syn::FnArg::Receiver(_)) => params.first().cloned(),
            _ => None,
        };
        let f = &mut self.unit.functions[scope.id];
        f.params = params;
        f.results = results;
        f.receiver = receiver;
        let body = self.block(body, &sink);
        self.end(scope, body)
    }

    fn results(&self, output: &syn::ReturnType) -> Vec<TypeRef> {
        match output {
            syn::ReturnType::Type(_, t) => vec![self.ty(t)],
            syn::ReturnType::Default => Vec::new(),
        }
    }

    fn fn_arg(&self, arg: &syn::FnArg) -> Param {
        match arg {
            syn::FnArg::Receiver(r) => {
                let own = self.impl_ty.last().map_or("Self", String::as_str);
                let ty = if r.colon_token.is_some() {
                    self.ty(&r.ty)
                } else {
                    let mut s = String::new();
                    if r.reference.is_some() {
                        s.push('&');
                        if r.mutability.is_some() {
                            s.push_str("mut ");
                        }
                    }
                    s.push_str(own);
                    TypeRef::new(&s)
                };
                Param {
                    name: "self".into(),
                    ty: Some(ty),
                    span: self.sp(r.self_token.span),
                }
            }
            syn::FnArg::Typed(pt) => {
                let (name, span) = self.param_name(&pt.pat);
                Param {
                    name,
                    ty: Some(self.ty(&pt.ty)),
                    span,
                }
            }
        }
    }

    /// The name a parameter pattern binds, or `""` when it destructures.
    fn param_name(&self, pat: &syn::Pat) -> (String, Span) {
        let mut p = pat;
        loop {
            match p {
                syn::Pat::Ident(pi) if pi.subpat.is_none() => {
                    return (ident(&pi.ident), self.sp(pi.ident.span()))
                }
                syn::Pat::Wild(w) => return ("_".into(), self.sp(w.underscore_token.spans[0])),
                syn::Pat::Reference(r) => p = &r.pat,
                syn::Pat::Paren(inner) => p = &inner.pat,
                syn::Pat::Type(t) => p = &t.pat,
                _ => return (String::new(), self.spanned(p)),
            }
        }
    }

    fn closure(&mut self, c: &syn::ExprClosure) -> FuncId {
        let start = c
            .asyncness
            .as_ref()
            .map(|t| t.span)
            .or(c.capture.as_ref().map(|t| t.span))
            .unwrap_or(c.or1_token.spans[0]);
        let span = join(self.sp(start), self.own_span(&c.body));
        let scope = self.begin(FnKind::Closure, String::new(), span);
        let params = c
            .inputs
            .iter()
            .map(|p| {
                let (name, span) = self.param_name(p);
                let ty = match p {
                    syn::Pat::Type(t) => Some(self.ty(&t.ty)),
                    _ => None,
                };
                Param { name, ty, span }
            })
            .collect();
        let results = self.results(&c.output);
        let f = &mut self.unit.functions[scope.id];
        f.params = params;
        f.results = results;
        let body = match &*c.body {
            E::Block(b) if b.label.is_none() => self.block(&b.block, &Sink::Return),
            body => {
                let mut out = Vec::new();
                self.tail(body, &Sink::Return, &mut out);
                out
            }
        };
        if let Some(last) = body.last() {
            let f = &mut self.unit.functions[scope.id];
            f.span = join(f.span, last.span);
        }
        self.end(scope, body)
    }

    /// An `async` block runs later, when polled: it is lowered as a closure.
    fn async_block(&mut self, a: &syn::ExprAsync) -> FuncId {
        let span = join(
            self.sp(a.async_token.span),
            self.close(&a.block.brace_token.span),
        );
        let scope = self.begin(FnKind::Closure, String::new(), span);
        let body = self.block(&a.block, &Sink::Return);
        self.end(scope, body)
    }

    // ----- statements -----

    fn block(&mut self, b: &syn::Block, sink: &Sink) -> Block {
        let mut out = Vec::new();
        let n = b.stmts.len();
        let mut i = 0;
        while i < n {
            // Statements each under its own `#[cfg(…)]`, one after another, are the
            // platforms' versions of one step (`pipe2` here, `pipe` there): one of them runs,
            // or none.
            let run = b.stmts[i..].iter().take_while(|s| has_cfg(s)).count();
            if run > 1 {
                let mut arms = Vec::with_capacity(run);
                for (k, s) in b.stmts[i..i + run].iter().enumerate() {
                    let sink = if i + k + 1 == n { sink } else { &Sink::Discard };
                    let mut arm = Vec::new();
                    self.stmt(s, sink, &mut arm);
                    arms.push(arm);
                }
                let mut spans = arms.iter().flatten().map(|s| s.span);
                if let Some(first) = spans.next() {
                    let span = join(first, spans.next_back().unwrap_or(first));
                    out.push(Stmt::new(
                        span,
                        StmtKind::Switch {
                            scrutinee: None,
                            arms,
                            exhaustive: false,
                        },
                    ));
                }
                i += run;
                continue;
            }
            let sink = if i + 1 == n { sink } else { &Sink::Discard };
            self.stmt(&b.stmts[i], sink, &mut out);
            i += 1;
        }
        out
    }

    fn stmt(&mut self, s: &syn::Stmt, sink: &Sink, out: &mut Block) {
        match s {
            syn::Stmt::Local(l) => self.local(l, out),
            syn::Stmt::Item(it) => self.item(it, out),
            syn::Stmt::Expr(e, semi) => {
                let sink = if semi.is_some() { &Sink::Discard } else { sink };
                self.tail(e, sink, out);
            }
            syn::Stmt::Macro(m) => {
                let sink = if m.semi_token.is_some() {
                    &Sink::Discard
                } else {
                    sink
                };
                if !self.enter() {
                    let at = self.mac_span(&m.mac);
                    self.truncated(at);
                    return;
                }
                self.macro_stmt(&m.mac, sink, out);
                self.leave();
            }
        }
    }

    fn local(&mut self, l: &syn::Local, out: &mut Block) {
        let span = join(self.sp(l.let_token.span), self.sp(l.semi_token.spans[0]));
        let (pat, declared) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(self.ty(&t.ty))),
            p => (p, None),
        };
        let targets = self.pat_names(pat, false);
        let Some(init) = &l.init else {
            out.push(Stmt::new(
                span,
                StmtKind::Bind {
                    targets,
                    values: Vec::new(),
                    declared,
                },
            ));
            return;
        };
        if let Some((else_token, diverge)) = &init.diverge {
            // `let P = e else { … };`: bind, then the else block runs when `P` does not match.
            let value = self.expr(&init.expr);
            out.push(Stmt::new(
                span,
                StmtKind::Bind {
                    targets,
                    values: vec![value],
                    declared,
                },
            ));
            let at = self.sp(else_token.span);
            let mut then = Vec::new();
            self.branch(diverge, &Sink::Discard, &mut then);
            out.push(Stmt::new(
                join(at, self.own_span(diverge)),
                StmtKind::If {
                    cond: Expr::new(at, ExprKind::Other(Vec::new())),
                    then,
                    otherwise: Vec::new(),
                },
            ));
        } else if is_control_flow(&init.expr) {
            self.tail(&init.expr, &Sink::Bind { targets, declared }, out);
        } else {
            let values = self.values(targets.len(), &init.expr);
            out.push(Stmt::new(
                span,
                StmtKind::Bind {
                    targets,
                    values,
                    declared,
                },
            ));
        }
    }

    /// The values bound to `n` targets: a tuple's elements when it has exactly `n`.
    fn values(&mut self, n: usize, e: &E) -> Vec<Expr> {
        match e {
            E::Tuple(t) if n > 1 && t.elems.len() == n => {
                t.elems.iter().map(|x| self.expr(x)).collect()
            }
            _ => vec![self.expr(e)],
        }
    }

    /// The names a pattern binds, in source order. In a refutable pattern (`match`, `if let`)
    /// `_` binds nothing and a bare capitalised identifier is taken for a constant or variant.
    fn pat_names(&self, pat: &syn::Pat, refutable: bool) -> Vec<Expr> {
        let mut out = Vec::new();
        let mut stack = vec![pat];
        while let Some(p) = stack.pop() {
            match p {
                syn::Pat::Ident(pi) => {
                    let name = ident(&pi.ident);
                    let constant = refutable
                        && pi.subpat.is_none()
                        && pi.by_ref.is_none()
                        && pi.mutability.is_none()
                        && name.starts_with(|c: char| c.is_uppercase());
                    if !constant {
                        out.push(Expr::new(self.sp(pi.ident.span()), ExprKind::Name(name)));
                    }
                    if let Some((_, sub)) = &pi.subpat {
                        stack.push(sub);
                    }
                }
                syn::Pat::Wild(w) if !refutable => out.push(Expr::new(
                    self.sp(w.underscore_token.spans[0]),
                    ExprKind::Name("_".into()),
                )),
                syn::Pat::Tuple(t) => stack.extend(t.elems.iter().rev()),
                syn::Pat::TupleStruct(t) => stack.extend(t.elems.iter().rev()),
                syn::Pat::Slice(s) => stack.extend(s.elems.iter().rev()),
                syn::Pat::Struct(s) => stack.extend(s.fields.iter().rev().map(|f| &*f.pat)),
                syn::Pat::Reference(r) => stack.push(&r.pat),
                syn::Pat::Paren(inner) => stack.push(&inner.pat),
                syn::Pat::Type(t) => stack.push(&t.pat),
                // Every alternative binds the same names.
                syn::Pat::Or(o) => stack.extend(o.cases.first()),
                _ => {}
            }
        }
        out
    }

    /// A bare declaration of the names `pat` binds, for the start of the branch it guards.
    fn pat_bind(&self, pat: &syn::Pat, refutable: bool, out: &mut Block) {
        let targets = self.pat_names(pat, refutable);
        if let (Some(first), Some(last)) = (targets.first(), targets.last()) {
            let span = join(first.span, last.span);
            out.push(Stmt::new(
                span,
                StmtKind::Bind {
                    targets,
                    values: Vec::new(),
                    declared: None,
                },
            ));
        }
    }

    /// An arm or branch body: a plain block's statements are lowered in place.
    fn branch(&mut self, e: &E, sink: &Sink, out: &mut Block) {
        match e {
            E::Block(b) if b.label.is_none() => out.extend(self.block(&b.block, sink)),
            _ => self.tail(e, sink, out),
        }
    }

    /// Lowers an expression in statement position, sending its value to `sink`.
    fn tail(&mut self, e: &E, sink: &Sink, out: &mut Block) {
        if !self.enter() {
            let at = self.own_span(e);
            self.truncated(at);
            return;
        }
        self.tail_inner(e, sink, out);
        self.leave();
    }

    fn tail_inner(&mut self, e: &E, sink: &Sink, out: &mut Block) {
        match e {
            E::If(i) => {
                let s = self.if_stmt(i, sink);
                out.push(s);
            }
            E::Match(m) => {
                let span = join(self.sp(m.match_token.span), self.close(&m.brace_token.span));
                let scrutinee = self.expr(&m.expr);
                let mut arms = Vec::new();
                for arm in &m.arms {
                    let mut b = Vec::new();
                    self.pat_bind(&arm.pat, true, &mut b);
                    if let Some((_, guard)) = &arm.guard {
                        let g = self.expr(guard);
                        b.push(Stmt::new(g.span, StmtKind::Expr(g)));
                    }
                    self.branch(&arm.body, sink, &mut b);
                    arms.push(b);
                }
                out.push(Stmt::new(
                    span,
                    StmtKind::Switch {
                        scrutinee: Some(scrutinee),
                        arms,
                        exhaustive: true,
                    },
                ));
            }
            E::Block(b) => {
                let span = join(
                    self.label_start(&b.label, self.open(&b.block.brace_token.span)),
                    self.close(&b.block.brace_token.span),
                );
                // `'a: { … break 'a v; … }`: the block is the break's target.
                let labeled = b.label.is_some();
                if labeled {
                    self.loops.push(BreakTarget {
                        label: loop_label(&b.label),
                        is_loop: false,
                        sink: sink.duplicate(),
                    });
                }
                let body = self.block(&b.block, sink);
                if labeled {
                    self.loops.pop();
                }
                out.push(Stmt::new(span, StmtKind::Block(body)));
            }
            E::Unsafe(u) => {
                let span = self.own_span(e);
                let body = self.block(&u.block, sink);
                out.push(Stmt::new(span, StmtKind::Block(body)));
            }
            E::Const(c) => {
                let span = self.own_span(e);
                let body = self.block(&c.block, sink);
                out.push(Stmt::new(span, StmtKind::Block(body)));
            }
            E::TryBlock(t) => {
                let span = self.own_span(e);
                let body = self.block(&t.block, sink);
                out.push(Stmt::new(span, StmtKind::Block(body)));
            }
            E::Loop(l) => {
                let span = join(
                    self.label_start(&l.label, self.sp(l.loop_token.span)),
                    self.close(&l.body.brace_token.span),
                );
                self.loops.push(BreakTarget {
                    label: loop_label(&l.label),
                    is_loop: true,
                    sink: sink.duplicate(),
                });
                let body = self.block(&l.body, &Sink::Discard);
                self.loops.pop();
                out.push(Stmt::new(
                    span,
                    StmtKind::Loop {
                        head: Vec::new(),
                        body,
                    },
                ));
            }
            E::While(w) => {
                let span = join(
                    self.label_start(&w.label, self.sp(w.while_token.span)),
                    self.close(&w.body.brace_token.span),
                );
                let (cond, mut body) = self.cond(&w.cond);
                self.loops.push(BreakTarget {
                    label: loop_label(&w.label),
                    is_loop: true,
                    sink: Sink::Discard,
                });
                body.extend(self.block(&w.body, &Sink::Discard));
                self.loops.pop();
                out.push(Stmt::new(
                    span,
                    StmtKind::Loop {
                        head: vec![cond],
                        body,
                    },
                ));
            }
            E::ForLoop(f) => {
                let span = join(
                    self.label_start(&f.label, self.sp(f.for_token.span)),
                    self.close(&f.body.brace_token.span),
                );
                let head = self.expr(&f.expr);
                let mut body = Vec::new();
                self.pat_bind(&f.pat, false, &mut body);
                self.loops.push(BreakTarget {
                    label: loop_label(&f.label),
                    is_loop: true,
                    sink: Sink::Discard,
                });
                body.extend(self.block(&f.body, &Sink::Discard));
                self.loops.pop();
                out.push(Stmt::new(
                    span,
                    StmtKind::Loop {
                        head: vec![head],
                        body,
                    },
                ));
            }
            E::Return(r) => match &r.expr {
                Some(v) => self.tail(v, &Sink::Return, out),
                None => out.push(Stmt::new(
                    self.sp(r.return_token.span),
                    StmtKind::Return(Vec::new()),
                )),
            },
            E::Break(b) => {
                let span = self.sp(b.break_token.span);
                if let Some(v) = &b.expr {
                    let label = b.label.as_ref().map(|l| l.ident.to_string());
                    let target = self
                        .loops
                        .iter()
                        .rev()
                        .find(|t| match &label {
                            Some(l) => t.label.as_ref() == Some(l),
                            None => t.is_loop,
                        })
                        .map_or(Sink::Discard, |t| t.sink.duplicate());
                    self.tail(v, &target, out);
                }
                out.push(Stmt::new(span, StmtKind::Break));
            }
            E::Continue(c) => out.push(Stmt::new(
                self.sp(c.continue_token.span),
                StmtKind::Continue,
            )),
            E::Assign(a) => self.assign(a, out),
            E::Binary(b) if is_compound_assign(&b.op) => {
                // `x += y`: an update, not a binding.
                let l = self.expr(&b.left);
                let r = self.expr(&b.right);
                let span = join(l.span, r.span);
                out.push(Stmt::new(
                    span,
                    StmtKind::Expr(Expr::new(span, ExprKind::Other(vec![l, r]))),
                ));
            }
            E::Macro(m) => self.macro_stmt(&m.mac, sink, out),
            _ => {
                let n = match sink {
                    Sink::Bind { targets, .. } => targets.len(),
                    _ => 1,
                };
                let values = self.values(n, e);
                self.emit(sink, values, out);
            }
        }
    }

    /// Sends lowered values to `sink`.
    fn emit(&mut self, sink: &Sink, mut values: Vec<Expr>, out: &mut Block) {
        let span = match (values.first(), values.last()) {
            (Some(a), Some(b)) => join(a.span, b.span),
            _ => Span::default(),
        };
        let kind = match sink {
            Sink::Discard if values.len() == 1 => StmtKind::Expr(values.remove(0)),
            Sink::Discard => StmtKind::Expr(Expr::new(span, ExprKind::Other(values))),
            Sink::Return => StmtKind::Return(values),
            Sink::Bind { targets, declared } => StmtKind::Bind {
                targets: targets.to_vec(),
                values,
                declared: declared.clone(),
            },
        };
        out.push(Stmt::new(span, kind));
    }

    fn if_stmt(&mut self, i: &syn::ExprIf, sink: &Sink) -> Stmt {
        // The span runs to the end of the last `else`.
        let mut last = i;
        let end = loop {
            match &last.else_branch {
                Some((_, e)) => match &**e {
                    E::If(next) => last = next,
                    other => break self.own_span(other),
                },
                None => break self.close(&last.then_branch.brace_token.span),
            }
        };
        let span = join(self.sp(i.if_token.span), end);
        let (cond, mut then) = self.cond(&i.cond);
        then.extend(self.block(&i.then_branch, sink));
        let mut otherwise = Vec::new();
        if let Some((_, e)) = &i.else_branch {
            self.branch(e, sink, &mut otherwise);
        }
        Stmt::new(
            span,
            StmtKind::If {
                cond,
                then,
                otherwise,
            },
        )
    }

    /// A condition (`c`, `let P = e`, `let P = e && c`): the lowered condition, with each
    /// `let`'s scrutinee in place of the `let`, and declarations of the names the patterns bind.
    fn cond(&mut self, c: &E) -> (Expr, Block) {
        let mut binds = Vec::new();
        let mut stack = vec![c];
        while let Some(e) = stack.pop() {
            match e {
                E::Let(l) => self.pat_bind(&l.pat, true, &mut binds),
                E::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                    stack.push(&b.right);
                    stack.push(&b.left);
                }
                E::Paren(p) => stack.push(&p.expr),
                _ => {}
            }
        }
        (self.expr(c), binds)
    }

    fn assign(&mut self, a: &syn::ExprAssign, out: &mut Block) {
        let targets: Vec<Expr> = match &*a.left {
            E::Tuple(t) => t.elems.iter().map(|x| self.expr(x)).collect(),
            left => vec![self.expr(left)],
        };
        if is_control_flow(&a.right) {
            let sink = Sink::Bind {
                targets,
                declared: None,
            };
            self.tail(&a.right, &sink, out);
            return;
        }
        let values = self.values(targets.len(), &a.right);
        let span = join(
            targets.first().map_or(Span::default(), |t| t.span),
            values.last().map_or(Span::default(), |v| v.span),
        );
        out.push(Stmt::new(
            span,
            StmtKind::Bind {
                targets,
                values,
                declared: None,
            },
        ));
    }

    // ----- macros -----

    /// A macro in statement position: `panic!`-like macros throw, `bail!` returns.
    fn macro_stmt(&mut self, mac: &syn::Macro, sink: &Sink, out: &mut Block) {
        let name = macro_name(mac);
        let e = self.macro_expr(mac);
        let span = e.span;
        let kind = match name.as_str() {
            "panic" | "unreachable" | "todo" | "unimplemented" => StmtKind::Throw(match e.kind {
                ExprKind::Other(mut kids) if kids.len() <= 1 => kids.pop(),
                kind => Some(Expr::new(span, kind)),
            }),
            "bail" => StmtKind::Return(vec![e]),
            _ => return self.emit(sink, vec![e], out),
        };
        out.push(Stmt::new(span, kind));
    }

    /// A macro call. Bodies that parse as comma-separated expressions keep them; a string
    /// literal in a formatting macro's template position becomes a [`Format`].
    fn macro_expr(&mut self, mac: &syn::Macro) -> Expr {
        let span = self.mac_span(mac);
        let name = macro_name(mac);
        let parsed = mac.parse_body_with(|input: syn::parse::ParseStream| {
            // `info!(target: "net", "{}", x)`: leading `key: value,` pairs come first.
            let mut args = Vec::new();
            while input.peek(syn::Ident)
                && input.peek2(syn::Token![:])
                && !input.peek2(syn::Token![::])
            {
                input.parse::<syn::Ident>()?;
                input.parse::<syn::Token![:]>()?;
                args.push(input.parse::<E>()?);
                if input.is_empty() {
                    break;
                }
                input.parse::<syn::Token![,]>()?;
            }
            let prefix = args.len();
            args.extend(Punctuated::<E, syn::Token![,]>::parse_terminated(input)?);
            Ok((args, prefix))
        });
        let (args, prefix): (Vec<E>, usize) = match parsed {
            Ok(parsed) => parsed,
            // `vec![x; n]`
            Err(_) => match mac.parse_body_with(|input: syn::parse::ParseStream| {
                let x: E = input.parse()?;
                input.parse::<syn::Token![;]>()?;
                let n: E = input.parse()?;
                Ok(vec![x, n])
            }) {
                Ok(args) => (args, 0),
                Err(_) => return Expr::new(span, ExprKind::Other(Vec::new())),
            },
        };
        if let Some(t) = template_index(&name).map(|t| t + prefix) {
            if let Some(E::Lit(syn::ExprLit {
                lit: syn::Lit::Str(template),
                ..
            })) = args.get(t)
            {
                let mut kids: Vec<Expr> = args[..t].iter().map(|a| self.expr(a)).collect();
                let format = self.format(template, &args[t + 1..], span);
                if name == "format" || name == "format_args" {
                    return format;
                }
                kids.push(format);
                return Expr::new(span, ExprKind::Other(kids));
            }
        }
        let kids = args.iter().map(|a| self.expr(a)).collect();
        Expr::new(span, ExprKind::Other(kids))
    }

    /// `format!(template, args…)`: each placeholder takes the next positional argument, a
    /// numbered one, a named one (`name = expr`), or captures a variable (`{x}`).
    fn format(&mut self, template: &syn::LitStr, rest: &[E], span: Span) -> Expr {
        let text = template.value();
        let lit_span = self.sp(template.span());
        let mut positional = Vec::new();
        let mut named: Vec<(String, Expr)> = Vec::new();
        for a in rest {
            if let E::Assign(asg) = a {
                if let E::Path(p) = &*asg.left {
                    if let Some(id) = p.path.get_ident() {
                        let value = self.expr(&asg.right);
                        named.push((ident(id), value));
                        continue;
                    }
                }
            }
            positional.push(self.expr(a));
        }
        let mut used_positional = vec![false; positional.len()];
        let mut used_named = vec![false; named.len()];
        let mut args = Vec::new();
        let mut next = 0;
        for ph in brace_placeholders(&text) {
            let index = match ph.name.as_deref() {
                None => {
                    next += 1;
                    Some(next - 1)
                }
                Some(n) => n.parse::<usize>().ok(),
            };
            let expr = match (index, ph.name) {
                (Some(i), _) => positional.get(i).map(|e| {
                    used_positional[i] = true;
                    e.clone()
                }),
                (None, Some(n)) => match named.iter().position(|(k, _)| *k == n) {
                    Some(j) => {
                        used_named[j] = true;
                        Some(named[j].1.clone())
                    }
                    // Inline capture: `{x}` formats the variable `x`.
                    None => Some(Expr::new(lit_span, ExprKind::Name(n))),
                },
                (None, None) => None,
            };
            if let Some(expr) = expr {
                args.push(FormatArg {
                    verb: ph.verb,
                    expr,
                });
            }
        }
        // Arguments no placeholder names (widths, `{:.*}` precisions) stay visible.
        let unused = positional
            .into_iter()
            .zip(used_positional)
            .chain(named.into_iter().map(|(_, e)| e).zip(used_named))
            .filter(|(_, used)| !used);
        for (expr, _) in unused {
            args.push(FormatArg {
                verb: String::new(),
                expr,
            });
        }
        Expr::new(
            span,
            ExprKind::Format(Box::new(Format {
                template: Some(text),
                args,
            })),
        )
    }

    // ----- expressions -----

    fn expr(&mut self, e: &E) -> Expr {
        if !self.enter() {
            let at = self.own_span(e);
            self.truncated(at);
            return Expr::new(at, ExprKind::Other(Vec::new()));
        }
        let out = self.expr_inner(e);
        self.leave();
        out
    }

    fn exprs<'a>(&mut self, es: impl IntoIterator<Item = &'a E>) -> Vec<Expr> {
        es.into_iter().map(|e| self.expr(e)).collect()
    }

    fn expr_inner(&mut self, e: &E) -> Expr {
        let (span, kind) = match e {
            E::Path(p) => {
                let mut span = self.path_span(&p.path);
                if let Some(q) = &p.qself {
                    span = join(self.sp(q.lt_token.spans[0]), span);
                }
                (span, ExprKind::Name(self.path_name(&p.path)))
            }
            E::Lit(l) => {
                let lit = match &l.lit {
                    syn::Lit::Str(s) => Lit::Str(s.value()),
                    syn::Lit::Int(i) => Lit::Num(i.base10_parse::<i64>().ok()),
                    syn::Lit::Float(_) => Lit::Num(None),
                    syn::Lit::Bool(_) => Lit::Bool,
                    _ => Lit::Other,
                };
                (self.sp(l.lit.span()), ExprKind::Lit(lit))
            }
            E::Field(f) => {
                let base = self.expr(&f.base);
                let span = join(base.span, self.member_span(&f.member));
                let name = match &f.member {
                    syn::Member::Named(id) => ident(id),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                (span, ExprKind::Field(Box::new(base), name))
            }
            E::MethodCall(m) => {
                let recv = self.expr(&m.receiver);
                let func_span = join(recv.span, self.sp(m.method.span()));
                let func = Expr::new(func_span, ExprKind::Field(Box::new(recv), ident(&m.method)));
                let args = self.exprs(&m.args);
                self.mark_passed(&func, &args);
                let span = join(func_span, self.close(&m.paren_token.span));
                (
                    span,
                    ExprKind::Call(Box::new(Call {
                        func,
                        args,
                        keywords: Vec::new(),
                    })),
                )
            }
            E::Call(c) => {
                let func = self.expr(&c.func);
                let args = self.exprs(&c.args);
                self.mark_passed(&func, &args);
                let span = join(func.span, self.close(&c.paren_token.span));
                (
                    span,
                    ExprKind::Call(Box::new(Call {
                        func,
                        args,
                        keywords: Vec::new(),
                    })),
                )
            }
            E::Macro(m) => return self.macro_expr(&m.mac),
            E::Index(i) => {
                let base = self.expr(&i.expr);
                let key = self.expr(&i.index);
                let span = join(base.span, self.close(&i.bracket_token.span));
                (span, ExprKind::Index(Box::new(base), Box::new(key)))
            }
            E::Reference(r) => {
                let inner = self.expr(&r.expr);
                let span = join(self.sp(r.and_token.spans[0]), inner.span);
                (span, ExprKind::Unary(Box::new(inner)))
            }
            E::RawAddr(r) => {
                let inner = self.expr(&r.expr);
                let span = join(self.sp(r.and_token.spans[0]), inner.span);
                (span, ExprKind::Unary(Box::new(inner)))
            }
            E::Unary(u) => {
                let inner = self.expr(&u.expr);
                let span = join(self.spanned(&u.op), inner.span);
                match (&u.op, &inner.kind) {
                    (syn::UnOp::Deref(_), _) => (span, ExprKind::Unary(Box::new(inner))),
                    (syn::UnOp::Not(_), _) => (span, ExprKind::Not(Box::new(inner))),
                    (syn::UnOp::Neg(_), ExprKind::Lit(Lit::Num(Some(v)))) => {
                        (span, ExprKind::Lit(Lit::Num(Some(-v))))
                    }
                    // `-x` computes a new value.
                    _ => (span, ExprKind::Other(vec![inner])),
                }
            }
            E::Paren(p) => {
                let inner = self.expr(&p.expr);
                let span = self.delim(&p.paren_token.span);
                (span, ExprKind::Unary(Box::new(inner)))
            }
            E::Group(g) => {
                let inner = self.expr(&g.expr);
                (inner.span, ExprKind::Unary(Box::new(inner)))
            }
            E::Cast(c) => {
                let inner = self.expr(&c.expr);
                let span = join(inner.span, self.spanned(&*c.ty));
                (span, ExprKind::Unary(Box::new(inner)))
            }
            E::Await(a) => {
                let inner = self.expr(&a.base);
                let span = join(inner.span, self.sp(a.await_token.span));
                (span, ExprKind::Unary(Box::new(inner)))
            }
            E::Try(t) => {
                // `x?` also returns early with the error. That exit is left to the CFG
                // module: here `?` is a pass-through operator, and nothing else is emitted.
                let inner = self.expr(&t.expr);
                let span = join(inner.span, self.sp(t.question_token.spans[0]));
                (span, ExprKind::Unary(Box::new(inner)))
            }
            E::Struct(s) => {
                let mut start = self.path_span(&s.path);
                if let Some(q) = &s.qself {
                    start = join(self.sp(q.lt_token.spans[0]), start);
                }
                let span = join(start, self.close(&s.brace_token.span));
                let ty = Some(TypeRef::new(&self.path_name(&s.path)));
                let mut fields = Vec::new();
                for fv in &s.fields {
                    let name = match &fv.member {
                        syn::Member::Named(id) => ident(id),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    let value = self.expr(&fv.expr);
                    fields.push((Some(name), value));
                }
                if let Some(rest) = &s.rest {
                    fields.push((None, self.expr(rest)));
                }
                (span, ExprKind::Construct { ty, fields })
            }
            E::Closure(c) => {
                let id = self.closure(c);
                (self.unit.functions[id].span, ExprKind::Closure(id))
            }
            E::Async(a) => {
                let id = self.async_block(a);
                (self.unit.functions[id].span, ExprKind::Closure(id))
            }
            E::Binary(b) => {
                let l = self.expr(&b.left);
                let r = self.expr(&b.right);
                let op = match b.op {
                    syn::BinOp::Eq(_) => BinOp::Eq,
                    syn::BinOp::Ne(_) => BinOp::Ne,
                    syn::BinOp::Lt(_) => BinOp::Lt,
                    syn::BinOp::Le(_) => BinOp::Le,
                    syn::BinOp::Gt(_) => BinOp::Gt,
                    syn::BinOp::Ge(_) => BinOp::Ge,
                    syn::BinOp::And(_) => BinOp::And,
                    syn::BinOp::Or(_) => BinOp::Or,
                    _ => BinOp::Other,
                };
                (
                    join(l.span, r.span),
                    ExprKind::Binary(op, Box::new(l), Box::new(r)),
                )
            }
            E::Assign(a) => {
                let l = self.expr(&a.left);
                let r = self.expr(&a.right);
                (join(l.span, r.span), ExprKind::Other(vec![l, r]))
            }
            // In a condition: the scrutinee stands for the `let`.
            E::Let(l) => return self.expr(&l.expr),
            E::Tuple(t) => (
                self.delim(&t.paren_token.span),
                ExprKind::Other(self.exprs(&t.elems)),
            ),
            E::Array(a) => (
                self.delim(&a.bracket_token.span),
                ExprKind::Other(self.exprs(&a.elems)),
            ),
            E::Repeat(r) => {
                let kids = vec![self.expr(&r.expr), self.expr(&r.len)];
                (self.delim(&r.bracket_token.span), ExprKind::Other(kids))
            }
            E::Range(r) => {
                let mut span = self.spanned(&r.limits);
                let mut kids = Vec::new();
                for x in r.start.iter().chain(&r.end) {
                    let x = self.expr(x);
                    span = join(span, x.span);
                    kids.push(x);
                }
                (span, ExprKind::Other(kids))
            }
            E::Return(r) => {
                let kids = self.exprs(r.expr.as_deref());
                let span = kids
                    .iter()
                    .fold(self.sp(r.return_token.span), |s, k| join(s, k.span));
                (span, ExprKind::Other(kids))
            }
            E::Break(b) => {
                let kids = self.exprs(b.expr.as_deref());
                let span = kids
                    .iter()
                    .fold(self.sp(b.break_token.span), |s, k| join(s, k.span));
                (span, ExprKind::Other(kids))
            }
            E::Yield(y) => {
                let kids = self.exprs(y.expr.as_deref());
                let span = kids
                    .iter()
                    .fold(self.sp(y.yield_token.span), |s, k| join(s, k.span));
                (span, ExprKind::Other(kids))
            }
            // Control flow inside an expression (`f(match x { … })`): flattened, so that
            // nothing inside hides, at the cost of its structure.
            E::If(_)
            | E::Match(_)
            | E::Block(_)
            | E::Unsafe(_)
            | E::Const(_)
            | E::TryBlock(_)
            | E::Loop(_)
            | E::While(_)
            | E::ForLoop(_)
            | E::Continue(_) => {
                let mut stmts = Vec::new();
                self.tail_inner(e, &Sink::Discard, &mut stmts);
                let mut kids = Vec::new();
                crate::model::into_exprs(stmts, &mut kids);
                (self.own_span(e), ExprKind::Other(kids))
            }
            _ => (self.own_span(e), ExprKind::Other(Vec::new())),
        };
        Expr::new(span, kind)
    }
}

fn loop_label(label: &Option<syn::Label>) -> Option<String> {
    label.as_ref().map(|l| l.name.ident.to_string())
}

/// Whether a statement is compiled only under a `#[cfg(…)]`.
fn has_cfg(s: &syn::Stmt) -> bool {
    use syn::Expr as E;
    let attrs: &[syn::Attribute] = match s {
        syn::Stmt::Local(l) => &l.attrs,
        syn::Stmt::Macro(m) => &m.attrs,
        syn::Stmt::Item(_) => &[],
        syn::Stmt::Expr(e, _) => match e {
            E::Unsafe(x) => &x.attrs,
            E::Block(x) => &x.attrs,
            E::If(x) => &x.attrs,
            E::Call(x) => &x.attrs,
            E::MethodCall(x) => &x.attrs,
            E::Macro(x) => &x.attrs,
            E::Assign(x) => &x.attrs,
            E::Return(x) => &x.attrs,
            E::Match(x) => &x.attrs,
            E::ForLoop(x) => &x.attrs,
            E::While(x) => &x.attrs,
            E::Loop(x) => &x.attrs,
            _ => &[],
        },
    };
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

fn join(a: Span, b: Span) -> Span {
    Span {
        start: a.start.min(b.start),
        end: a.end.max(b.end),
    }
}

/// An identifier's name, without the `r#` of a raw identifier.
fn ident(id: &syn::Ident) -> String {
    let s = id.to_string();
    match s.strip_prefix("r#") {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| ident(&s.ident))
        .unwrap_or_default()
}

/// For formatting macros, the position of the template argument.
/// The traits a declaration derives (`#[derive(Debug, Clone)]` → `Debug`, `Clone`), by their
/// last path segment, for [`crate::model::TypeDecl::annotations`].
fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let paths = a.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated);
        for p in paths.iter().flatten() {
            if let Some(last) = p.segments.last() {
                out.push(ident(&last.ident));
            }
        }
    }
    out
}

fn template_index(name: &str) -> Option<usize> {
    Some(match name {
        "format" | "format_args" | "print" | "println" | "eprint" | "eprintln" | "panic"
        | "unreachable" | "todo" | "unimplemented" | "anyhow" | "bail" | "eyre" | "format_err"
        | "trace" | "debug" | "info" | "warn" | "error" => 0,
        "write" | "writeln" | "assert" | "debug_assert" | "ensure" | "log" => 1,
        "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => 2,
        _ => return None,
    })
}

/// Expressions that become structured statements when their value is bound.
fn is_control_flow(e: &E) -> bool {
    matches!(
        e,
        E::If(_) | E::Match(_) | E::Block(_) | E::Unsafe(_) | E::Loop(_)
    )
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

/// Replaces the word `Self` in a type by `own`.
fn replace_self(text: &str, own: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("Self") {
        let before = rest[..i].bytes().last();
        let after = rest.as_bytes().get(i + 4).copied();
        out.push_str(&rest[..i]);
        if before.is_some_and(is_ident_byte) || after.is_some_and(is_ident_byte) {
            out.push_str("Self");
        } else {
            out.push_str(own);
        }
        rest = &rest[i + 4..];
    }
    out.push_str(rest);
    out
}

/// Removes `//` and `/* */` comments from a type's text.
fn strip_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut kept = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            out.push_str(&text[kept..i]);
            i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            kept = i;
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            out.push_str(&text[kept..i]);
            i = block_comment_end(b, i).unwrap_or(b.len());
            kept = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[kept..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(src: &str) -> Unit {
        lower(src).expect("lowers")
    }

    /// The only expression statement or bound value of `fn f`'s body.
    fn first_value(u: &Unit) -> &Expr {
        let f = u.functions.iter().find(|f| f.name == "f").expect("fn f");
        match &f.body[0].kind {
            StmtKind::Expr(e) => e,
            StmtKind::Bind { values, .. } => &values[0],
            StmtKind::Return(es) => &es[0],
            other => panic!("unexpected statement {other:?}"),
        }
    }

    fn format_of(e: &Expr) -> &Format {
        match &e.kind {
            ExprKind::Format(f) => f,
            other => panic!("not a format: {other:?}"),
        }
    }

    /// Statement kinds, nested ones included, in source order.
    fn kinds(block: &[Stmt]) -> Vec<&'static str> {
        let mut out = Vec::new();
        for s in block {
            out.push(match &s.kind {
                StmtKind::Expr(_) => "expr",
                StmtKind::Bind { .. } => "bind",
                StmtKind::Return(_) => "return",
                StmtKind::Throw(_) => "throw",
                StmtKind::If { .. } => "if",
                StmtKind::Switch { .. } => "switch",
                StmtKind::Loop { .. } => "loop",
                StmtKind::Break => "break",
                StmtKind::Continue => "continue",
                StmtKind::Block(_) => "block",
                _ => "other",
            });
            for b in s.blocks() {
                out.extend(kinds(b));
            }
        }
        out
    }

    #[test]
    fn methods_have_typed_params_and_results() {
        let u = unit(
            "struct Pool { conns: HashMap<String, Conn>, ttl: Duration }\n\
             impl Pool {\n    pub fn get(&mut self, key: &str, ttl: Duration) -> Option<&Conn> {\n        self.conns.get(key)\n    }\n    fn merge(self: Box<Self>, other: &Self) {}\n}\n",
        );
        let f = &u.functions[1];
        assert_eq!((f.name.as_str(), f.kind), ("get", FnKind::Method));
        assert_eq!(f.parent, Some(0));
        let params: Vec<_> = f
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.ty.clone().unwrap().0))
            .collect();
        assert_eq!(
            params,
            [
                ("self", "&mutPool".to_string()),
                ("key", "&str".into()),
                ("ttl", "Duration".into())
            ]
        );
        assert_eq!(f.results[0].0, "Option<&Conn>");
        // The tail expression is the return value.
        let StmtKind::Return(values) = &f.body[0].kind else {
            panic!("{:?}", f.body)
        };
        assert_eq!(values[0].hint_name(), Some("get"));
        assert_eq!(u.field_type("conns").unwrap().0, "HashMap<String,Conn>");
        let merge = &u.functions[2];
        let tys: Vec<_> = merge
            .params
            .iter()
            .map(|p| p.ty.clone().unwrap().0)
            .collect();
        assert_eq!(tys, ["Box<Pool>", "&Pool"]);
        // Spans are byte offsets into the file.
        assert_eq!(f.params[1].span.end - f.params[1].span.start, 3);
    }

    #[test]
    fn closures_know_their_call() {
        let src = "fn f() { pool.execute(ctx, |conn: &mut Conn| conn.query(\"x\")); }";
        let u = unit(src);
        let closure = u
            .functions
            .iter()
            .find(|f| f.kind == FnKind::Closure)
            .unwrap();
        let to = closure.passed_to.as_ref().unwrap();
        assert_eq!((to.callee.as_str(), to.arg), ("pool.execute", 1));
        assert_eq!(&src[to.span.range()], "pool.execute");
        assert_eq!(closure.parent, Some(1));
        assert_eq!(closure.params[0].name, "conn");
        assert_eq!(closure.params[0].ty.as_ref().unwrap().0, "&mutConn");
        assert!(matches!(closure.body[0].kind, StmtKind::Return(_)));
        assert_eq!(
            &src[closure.span.range()],
            "|conn: &mut Conn| conn.query(\"x\")"
        );
    }

    #[test]
    fn async_blocks_are_closures() {
        let u = unit("fn f() { tokio::spawn(async move { conn.close().await; }); }");
        let task = &u.functions[2];
        assert_eq!(task.kind, FnKind::Closure);
        assert_eq!(task.passed_to.as_ref().unwrap().callee, "tokio::spawn");
    }

    #[test]
    fn debug_format_becomes_format() {
        let u = unit("fn f(x: Req) { let k = format!(\"{:?}\", x); }");
        let f = format_of(first_value(&u));
        assert_eq!(f.template.as_deref(), Some("{:?}"));
        assert_eq!(f.args.len(), 1);
        assert_eq!(f.args[0].verb, "?");
        assert!(matches!(&f.args[0].expr.kind, ExprKind::Name(n) if n == "x"));
    }

    #[test]
    fn inline_captures_are_format_args() {
        let src = "fn f() { let k = format!(\"{x:?}-{}-{n:p}-{1}\", a, b, n = conn); }";
        let u = unit(src);
        let f = format_of(first_value(&u));
        let args: Vec<_> = f
            .args
            .iter()
            .map(|a| (a.verb.as_str(), a.expr.path().unwrap()))
            .collect();
        assert_eq!(
            args,
            [
                ("?", "x".to_string()),
                ("", "a".into()),
                ("p", "conn".into()),
                ("", "b".into())
            ]
        );
        // A captured variable points at the template.
        assert_eq!(&src[f.args[0].expr.span.range()], "\"{x:?}-{}-{n:p}-{1}\"");
    }

    #[test]
    fn other_macros_keep_their_arguments() {
        let u = unit(
            "fn f() { println!(\"{req:?}\"); write!(out, \"{}\", open(p)); let v = vec![load(); 3]; html! { <div> }; info!(target: \"net\", \"{}\", y); }",
        );
        let body = &u.functions[1].body;
        let StmtKind::Expr(e) = &body[0].kind else {
            panic!()
        };
        let ExprKind::Other(kids) = &e.kind else {
            panic!("{e:?}")
        };
        let f = format_of(&kids[0]);
        assert!(matches!(&f.args[0].expr.kind, ExprKind::Name(n) if n == "req"));
        let StmtKind::Expr(e) = &body[1].kind else {
            panic!()
        };
        let ExprKind::Other(kids) = &e.kind else {
            panic!()
        };
        assert_eq!(kids[0].path().as_deref(), Some("out"));
        assert!(matches!(
            &format_of(&kids[1]).args[0].expr.kind,
            ExprKind::Call(_)
        ));
        let StmtKind::Bind { values, .. } = &body[2].kind else {
            panic!()
        };
        let mut seen = false;
        values[0].walk(&mut |e| seen |= e.hint_name() == Some("load"));
        assert!(seen, "vec![x; n] keeps x");
        let StmtKind::Expr(e) = &body[3].kind else {
            panic!()
        };
        assert!(matches!(&e.kind, ExprKind::Other(k) if k.is_empty()));
        let StmtKind::Expr(e) = &body[4].kind else {
            panic!()
        };
        let ExprKind::Other(kids) = &e.kind else {
            panic!()
        };
        assert_eq!(
            format_of(&kids[1]).args[0].expr.path().as_deref(),
            Some("y")
        );
    }

    #[test]
    fn method_calls_are_calls_on_fields() {
        let u = unit("fn f(m: &mut HashMap<String, u32>) { m.insert(k, v); }");
        let ExprKind::Call(call) = &first_value(&u).kind else {
            panic!()
        };
        assert!(matches!(&call.func.kind, ExprKind::Field(_, n) if n == "insert"));
        assert_eq!(call.receiver().unwrap().path().as_deref(), Some("m"));
        assert_eq!(call.args.len(), 2);
        assert_eq!(
            u.functions[1].params[0].ty.as_ref().unwrap().0,
            "&mutHashMap<String,u32>"
        );
    }

    #[test]
    fn expressions_lower_to_the_model() {
        let u = unit(
            "fn f() -> Result<()> { let f = std::fs::File::open(&p)?; let s = S { key: k.to_string(), ..Default::default() }; let t = m[&k]; let u = *r as u64; Ok(()) }",
        );
        let body = &u.functions[1].body;
        let values: Vec<&Expr> = body
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Bind { values, .. } => values.first(),
                _ => None,
            })
            .collect();
        let ExprKind::Unary(call) = &values[0].kind else {
            panic!()
        };
        let ExprKind::Call(call) = &call.kind else {
            panic!()
        };
        assert_eq!(call.func.path().as_deref(), Some("std::fs::File::open"));
        assert!(matches!(call.args[0].kind, ExprKind::Unary(_)));
        let ExprKind::Construct { ty, fields } = &values[1].kind else {
            panic!()
        };
        assert_eq!(ty.as_ref().unwrap().0, "S");
        assert_eq!(fields[0].0.as_deref(), Some("key"));
        assert_eq!(fields.len(), 2);
        assert!(matches!(values[2].kind, ExprKind::Index(..)));
        assert_eq!(values[3].peel().path().as_deref(), Some("r"));
        assert!(matches!(body.last().unwrap().kind, StmtKind::Return(_)));
    }

    #[test]
    fn statements_lower_to_structure() {
        let u = unit(
            "fn f(m: &mut M) -> Option<u32> {\n\
               let Some(c) = pool.get() else { return None };\n\
               if let Some(x) = m.get(&k) { m.remove(&k); } else if ready { todo!() }\n\
               match op { Op::Get(k) => { m.get(&k); } _ => unreachable!(\"{}\", op) }\n\
               for (k, v) in m.iter() { if v.dead() { continue; } }\n\
               while let Some(x) = q.pop() { break; }\n\
               loop { unsafe { ffi(); } }\n\
               n += 1;\n\
               panic!(\"boom {}\", n);\n\
             }",
        );
        assert_eq!(
            kinds(&u.functions[1].body),
            [
                "bind", "if", "return", // let-else
                "if", "bind", "expr", "if", "throw", // if let / else if
                "switch", "bind", "expr", "throw", // match
                "loop", "bind", "if", "continue", // for
                "loop", "bind", "break", // while let
                "loop", "block", "expr", // loop / unsafe
                "expr", // n += 1
                "throw"
            ]
        );
        let StmtKind::Switch { exhaustive, .. } = &u.functions[1].body[3].kind else {
            panic!()
        };
        assert!(exhaustive);
    }

    #[test]
    fn bound_control_flow_binds_in_each_branch() {
        let u = unit(
            "fn f() { let key: String = if debug { format!(\"{:?}\", req) } else { id.to_string() }; \
             let v = match m.get(&key) { Some(v) => v, None => return };\n\
             x = loop { break 3; };\n\
             let y = 'b: { if c { break 'b 1; } 2 }; }",
        );
        let body = &u.functions[1].body;
        let StmtKind::If {
            then, otherwise, ..
        } = &body[0].kind
        else {
            panic!("{body:?}")
        };
        for branch in [then, otherwise] {
            let StmtKind::Bind {
                targets, declared, ..
            } = &branch[0].kind
            else {
                panic!("{branch:?}")
            };
            assert_eq!(targets[0].path().as_deref(), Some("key"));
            assert_eq!(declared.as_ref().unwrap().0, "String");
        }
        assert_eq!(
            kinds(&body[1..]),
            [
                "switch", "bind", "bind", "return", // match
                "loop", "bind", "break", // loop
                "block", "if", "bind", "break", "bind" // labeled block
            ]
        );
    }

    #[test]
    fn items_fields_and_globals() {
        let u = unit(
            "static CACHE: Mutex<Vec<u8>> = Mutex::new(Vec::new());\n\
             thread_local! { static LOCAL: RefCell<u32> = RefCell::new(0); }\n\
             mod inner { pub struct Conn { pub(crate) sock: TcpStream /* raw */ } \
             pub fn open() -> Conn { fn helper() {} Conn { sock: connect() } } }\n\
             trait T { fn d(&self) -> u8 { 0 } }",
        );
        assert_eq!(u.field_type("CACHE").unwrap().0, "Mutex<Vec<u8>>");
        assert_eq!(u.field_type("LOCAL").unwrap().0, "RefCell<u32>");
        assert_eq!(u.field_type("sock").unwrap().0, "TcpStream");
        let names: Vec<_> = u
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.parent))
            .collect();
        assert_eq!(
            names,
            [
                ("", FnKind::TopLevel, None),
                ("open", FnKind::Function, Some(0)),
                ("helper", FnKind::Nested, Some(1)),
                ("d", FnKind::Method, Some(0)),
            ]
        );
        assert_eq!(kinds(&u.functions[0].body), ["bind", "bind"]);
    }

    #[test]
    fn syntax_errors_have_syn_spans() {
        let src = "fn ok() {}\nfn f() { let x = ; }\n";
        let err = lower(src).unwrap_err();
        let at = src.find("= ;").unwrap() + 2;
        assert_eq!(err.span.range(), at..at + 1, "{err:?}");
        assert!(!err.message.is_empty());
        assert!(!parse_only(src));
        assert!(parse_only("fn f() {}"));
        let eof = lower("fn f() {").unwrap_err();
        assert!(eof.span.start <= 8, "{eof:?}");
    }

    #[test]
    fn preamble_offsets_spans() {
        let src = "\u{feff}#!/usr/bin/env run-cargo-script\nfn f() { go(); }";
        let u = unit(src);
        assert_eq!(&src[u.functions[1].body[0].span.range()], "go()");
        let src = "#![allow(unused)]\nfn f() { go(); }";
        let u = unit(src);
        assert_eq!(&src[u.functions[1].body[0].span.range()], "go()");
    }

    #[test]
    fn spans_stay_right_across_files() {
        for _ in 0..3 {
            let src = "fn f() { a.b(c); }";
            let u = unit(src);
            assert_eq!(&src[first_value(&u).span.range()], "a.b(c)");
        }
    }

    /// Runs `f` on a thread with the stack the driver's workers have.
    fn on_big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn pathological_nesting_is_blanked_and_the_rest_analyzed() {
        on_big_stack(|| {
            let depth = 5000;
            let after = "\nfn g() { go(); }\n";
            let src = format!(
                "fn f() {{ let x = {}1{}; }}{after}",
                "(".repeat(depth),
                ")".repeat(depth)
            );
            let u = lower(&src).expect("analyzed up to the limit");
            assert!(u.truncated_at.is_some());
            // The innermost bracket opened at most KEEP_NESTING deep (the body's `{` is the
            // first) has its contents blanked.
            let (text, at) = limit_nesting(&src);
            let first = src.find("((").unwrap();
            let at = at.expect("blanked").range();
            assert_eq!(at.start, first + KEEP_NESTING - 1);
            assert_eq!(&src[at.end..at.end + 2], "))");
            assert_eq!(text[..at.start], src[..at.start]);
            assert_eq!(text[at.end..], src[at.end..]);
            assert!(text[at].bytes().all(|c| c == b' '));
            assert!(u
                .functions
                .iter()
                .any(|f| f.name == "g" && !f.body.is_empty()));
            assert!(parse_only(&src));
            for src in [
                format!("fn f() {{ let x = {}y; }}{after}", "!".repeat(depth)),
                format!("fn f() {{ let x = {}y; }}{after}", "&mut ".repeat(depth)),
                format!(
                    "type T = {}u8{};{after}",
                    "Vec<".repeat(depth),
                    ">".repeat(depth)
                ),
                format!(
                    "fn f() {{ if a {{}} {} }}{after}",
                    "else if a {} ".repeat(depth)
                ),
                // Kinds of nesting add up.
                format!(
                    "fn f() {{ {}{}x{} }}{after}",
                    "(".repeat(600),
                    "&".repeat(600),
                    ")".repeat(600)
                ),
                // Deep in several places.
                format!(
                    "fn f() {{ {}{} }}\nfn h() {{ {}{} }}{after}",
                    "[".repeat(depth),
                    "]".repeat(depth),
                    "{".repeat(depth),
                    "}".repeat(depth)
                ),
            ] {
                let u = lower(&src).unwrap_or_else(|e| panic!("{e:?}: {}", &src[..40]));
                assert!(u.truncated_at.is_some(), "{}", &src[..40]);
                let g = u
                    .functions
                    .iter()
                    .any(|f| f.name == "g" && !f.body.is_empty());
                assert!(g, "{}", &src[..40]);
            }
        });
    }

    #[test]
    fn nesting_scan_skips_strings_and_comments() {
        let brackets = "(".repeat(2000);
        let src = format!(
            "// {brackets}\n/* {brackets} */\nfn f() {{ let s = \"{brackets}\"; let r = r#\"{brackets}\"#; let c = '('; }}\nfn g<'a>(x: &'a str) {{}}"
        );
        assert!(lower(&src).is_ok());
        assert!(
            limit_nesting("fn f() { a < b; c<d; if a {} else if b {} else {} }")
                .1
                .is_none()
        );
    }

    #[test]
    fn deep_legal_nesting_is_truncated_not_overflowed() {
        // syn recurses on nesting; give this test's parse the large stack callers use.
        let handle = std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(|| {
                let depth = MAX_DEPTH + 200;
                let src = format!(
                    "fn f() {{ let x = {}g(){}; }}",
                    "(".repeat(depth),
                    ")".repeat(depth)
                );
                let u = unit(&src);
                let at = u.truncated_at.expect("truncated");
                assert!(src[at.range()].starts_with('('));
                let chain = format!("fn f() {{ a{}; }}", ".b()".repeat(MAX_DEPTH * 2));
                assert!(unit(&chain).truncated_at.is_some());
            })
            .unwrap();
        handle.join().unwrap();
    }
}

//! What counts as an error exit, per language.

use super::*;

// ----- error exits -----

/// Whether returning `values` from `func` reports failure, and how to say so.
/// `nested`: the return is inside a branch, not a top-level statement of the function.
pub(super) fn error_return(
    api: &Api,
    func: &crate::model::Function,
    values: &[Expr],
    nested: bool,
) -> Option<String> {
    match api.lang {
        Lang::Go => {
            let last_is_error = func.results.last().is_some_and(|t| t.0 == "error");
            if !last_is_error || values.is_empty() || values.len() < func.results.len() {
                return None;
            }
            let last = values.last()?.peel();
            match &last.kind {
                // `return err` inside a branch; `return ErrClosed` anywhere.
                ExprKind::Name(n) if n != "nil" && (nested || n.starts_with("Err")) => {
                    Some("returns an error here".into())
                }
                ExprKind::Field(_, n) if n.starts_with("Err") => {
                    Some("returns an error here".into())
                }
                // `fmt.Errorf(…)`, `errors.New(…)`, `status.Error(…)`, `ctx.Err()`,
                // `errors.Wrap(err, …)`; not `return f.Sync()`, which may well be nil.
                ExprKind::Call(c) => {
                    let name = c.name().unwrap_or("");
                    let path = callee(c).unwrap_or_default();
                    let makes_error = name.contains("Err")
                        || name.contains("err")
                        || path.starts_with("errors.")
                        || matches!(
                            name,
                            "Wrap" | "Wrapf" | "WithStack" | "WithMessage" | "WithMessagef"
                        );
                    makes_error.then(|| "returns an error here".into())
                }
                _ => None,
            }
        }
        Lang::Rust => {
            let v = values.first()?.peel();
            match &v.kind {
                ExprKind::Call(c) if c.func.path().as_deref() == Some("Err") => {
                    Some("returns `Err` here".into())
                }
                _ => None,
            }
        }
        Lang::C => {
            let v = values.first()?;
            // `0` is success; a negative number an error (`c_error_value`); another number, or
            // one whose value is unknown (a character), an error code when returned from
            // inside a branch, success when returned by a top-level statement.
            match &v.peel().kind {
                ExprKind::Lit(Lit::Num(Some(0))) => None,
                ExprKind::Lit(Lit::Num(n)) if nested && n.is_none_or(|n| n > 0) => {
                    Some("returns an error code here".into())
                }
                ExprKind::Lit(Lit::Bool) if false_is_normal(func) => None,
                _ => c_error_value(api, v),
            }
        }
        Lang::Java | Lang::Python => None,
    }
}

/// C: a function that ends with `return false` and returns `true` only from inside branches
/// (`if (create_pidfile(&pf)) return true; … return false;`) answers "did it fail?": `false`
/// is what it returns when all went well, `true` its early exits.
fn false_is_normal(func: &crate::model::Function) -> bool {
    let bool_lit = |s: &crate::model::Stmt, len: u32| match &s.kind {
        StmtKind::Return(vs) => vs.first().is_some_and(|v| {
            let v = v.peel();
            matches!(v.kind, ExprKind::Lit(Lit::Bool)) && v.span.end - v.span.start == len
        }),
        _ => false,
    };
    let (Some(last), true) = (func.body.last(), func.body.len() > 1) else {
        return false;
    };
    if !bool_lit(last, 5) || func.body.iter().any(|s| bool_lit(s, 4)) {
        return false;
    }
    let mut nested_true = false;
    crate::model::walk_stmts(&func.body, &mut |s| nested_true |= bool_lit(s, 4));
    nested_true
}

/// Go: the named error result of `func`, the last result when it is an `error`.
pub(super) fn named_error_result(func: &crate::model::Function) -> Option<&str> {
    let last = func.result_names.last()?;
    (func.results.len() == func.result_names.len()
        && func.results.last().is_some_and(|t| t.0 == "error")
        && last != "_")
        .then_some(last.as_str())
}

/// Whether `err` is certainly non-nil where `cond` holds, and where it does not:
/// `err != nil`, `err != nil && …`, `!(err == nil)`, `err == nil || …` (on the false side).
pub(super) fn non_nil_on(cond: &Expr, err: &str) -> (bool, bool) {
    let is_err = |e: &Expr| matches!(&e.peel().kind, ExprKind::Name(n) if n == err);
    let is_nil = |e: &Expr| matches!(e.peel().kind, ExprKind::Lit(Lit::Nil));
    match &cond.peel().kind {
        ExprKind::Not(x) => {
            let (t, f) = non_nil_on(x, err);
            (f, t)
        }
        ExprKind::Binary(BinOp::And, a, b) => {
            let ((ta, fa), (tb, fb)) = (non_nil_on(a, err), non_nil_on(b, err));
            (ta || tb, fa && fb)
        }
        ExprKind::Binary(BinOp::Or, a, b) => {
            let ((ta, fa), (tb, fb)) = (non_nil_on(a, err), non_nil_on(b, err));
            (ta && tb, fa || fb)
        }
        ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b)
            if is_err(a) && is_nil(b) || is_nil(a) && is_err(b) =>
        {
            (*op == BinOp::Ne, *op == BinOp::Eq)
        }
        _ => (false, false),
    }
}

pub(super) fn c_error_value(api: &Api, v: &Expr) -> Option<String> {
    let v = v.peel();
    match &v.kind {
        ExprKind::Lit(Lit::Num(Some(n))) if *n < 0 => Some("returns a negative value here".into()),
        // A unary minus on a number the frontend could not fold.
        ExprKind::Other(xs)
            if xs.len() == 1 && matches!(xs[0].peel().kind, ExprKind::Lit(Lit::Num(None))) =>
        {
            Some("returns a negative value here".into())
        }
        ExprKind::Other(xs) if xs.len() == 1 => match &xs[0].peel().kind {
            // `-ENOMEM`
            ExprKind::Name(n) if is_errno(n) => Some(format!("returns `-{n}` here")),
            _ => None,
        },
        ExprKind::Lit(Lit::Nil) => Some("returns `NULL` here".into()),
        // `false` is the only five-byte boolean literal.
        ExprKind::Lit(Lit::Bool) if v.span.end - v.span.start == 5 => {
            Some("returns `false` here".into())
        }
        ExprKind::Name(n) if api.m.error_values.iter().any(|e| e == n) || is_error_name(n) => {
            Some(format!("returns `{n}` here"))
        }
        _ => None,
    }
}

/// `C_ERR`, `ST_ERROR`, `IO_FAILED`: a constant named for failure.
pub(super) fn is_error_name(n: &str) -> bool {
    let upper = n
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    upper
        && ["ERR", "ERROR", "FAIL", "FAILED", "FAILURE"]
            .iter()
            .any(|w| n == *w || n.ends_with(&format!("_{w}")))
}

pub(super) fn macro_name(e: &Expr) -> bool {
    matches!(&e.peel().kind, ExprKind::Name(n) if n.len() > 1
        && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
}

pub(super) fn is_errno(n: &str) -> bool {
    n.len() > 2
        && n.starts_with('E')
        && n.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

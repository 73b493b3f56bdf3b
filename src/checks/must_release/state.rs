//! The abstract state: what each resource may be at a point of a function.

use super::*;

// ----- the interpretation -----

/// Acquisitions tracked in one function at most: the work per statement grows with them, so a
/// generated function of thousands cannot stall a run. Those past the limit are not judged.
pub(super) const MAX_RESOURCES: usize = 128;

pub(super) const NOT_HELD: u8 = 1;
pub(super) const OPEN: u8 = 2;
/// Released, or in a scope that releases it.
pub(super) const RELEASED: u8 = 4;
/// Handed off: returned, stored, captured, or passed to a call that may keep it.
pub(super) const HANDED: u8 = 16;
/// Open only on paths through a `catch` that a call's exception took: an error exit there is
/// a leak, a normal one is the exception's (reported as such, if at all).
pub(super) const OPEN_CAUGHT: u8 = 32;
/// Reached a `catch` open from some statements that may throw and not yet acquired at others:
/// which statement threw is unknown, so an error exit there is not reported.
pub(super) const CAUGHT_UNSURE: u8 = 64;
/// The analysis could not tell: a test it could not read, an iteration, an exception from an
/// unknown statement. Never reported.
pub(super) const UNSURE: u8 = 8;

/// Open on some path here, and released or handed off on none of them: an error exit's test.
pub(super) fn leaks(bits: u8) -> bool {
    is_open(bits) && bits & (RELEASED | HANDED | UNSURE | CAUGHT_UNSURE) == 0
}

/// Open here, on a path of normal flow or one that passed through a `catch`.
pub(super) fn is_open(bits: u8) -> bool {
    bits & (OPEN | OPEN_CAUGHT) != 0
}

/// Open on some path here and handed off on none: a normal exit's test. A release that only
/// some branches make (`if cond { cancel() }`) leaves the others leaking; but where it was
/// also not acquired on some path, the acquisition and the release may well be under the same
/// condition (`if doLock { mu.Lock() }` … `if doLock { mu.Unlock() }`), so that stays quiet.
pub(super) fn leaks_normally(bits: u8) -> bool {
    bits & OPEN != 0
        && bits & (HANDED | UNSURE) == 0
        && bits & (NOT_HELD | RELEASED) != NOT_HELD | RELEASED
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Slot {
    pub(super) bits: u8,
    /// The first `goto` that carried the resource open toward an exit.
    pub(super) via: Option<Span>,
}

pub(super) const ABSENT: Slot = Slot {
    bits: NOT_HELD,
    via: None,
};

#[derive(Clone, Debug, Default)]
pub(super) struct State {
    pub(super) slots: Vec<Slot>,
}

impl State {
    pub(super) fn get(&self, r: usize) -> Slot {
        self.slots.get(r).copied().unwrap_or(ABSENT)
    }

    pub(super) fn set(&mut self, r: usize, bits: u8) {
        if self.slots.len() <= r {
            self.slots.resize(r + 1, ABSENT);
        }
        self.slots[r].bits = bits;
        if !is_open(bits) {
            self.slots[r].via = None;
        }
    }

    pub(super) fn add(&mut self, r: usize, bits: u8) {
        let b = self.get(r).bits | bits;
        self.set(r, b);
    }
}

/// `None` is unreachable.
pub(super) type Flow = Option<State>;

pub(super) fn join(a: Flow, b: Flow) -> Flow {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(mut a), Some(b)) => {
            let n = a.slots.len().max(b.slots.len());
            a.slots.resize(n, ABSENT);
            for (i, s) in a.slots.iter_mut().enumerate() {
                let o = b.get(i);
                s.bits |= o.bits;
                s.via = s.via.or(o.via);
            }
            Some(a)
        }
    }
}

/// Whether a resource is held on one side of a condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Held {
    Yes,
    No,
    Maybe,
}

/// `a < b` is `b > a`.
pub(super) fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

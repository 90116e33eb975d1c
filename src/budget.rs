//! A memory budget for the documents read in parallel. Before reading a file, a worker
//! takes what the document may cost in memory (its size times what decoding and
//! extracting it multiply that by) and gives it back when the document is dropped. So
//! however many workers run, the documents in memory at once stay within the budget,
//! or one document alone when it costs more than the whole budget: peak memory is the
//! largest document plus a constant, not the largest times the number of jobs.
//!
//! Workers are served in the order they asked, so a large document is never starved
//! by a stream of small ones. It must not be taken while holding another permit.

use std::sync::{Condvar, Mutex, MutexGuard};

/// The budget of one run, in bytes of estimated memory.
pub const RUN_BUDGET: u64 = 128 * 1024 * 1024;

/// What a text document costs per byte of file: the bytes read, the decoded text
/// (GBK and UTF-16 grow when decoded to UTF-8), its line map and a copy per pass.
pub const TEXT_COST: u64 = 4;
/// What a zip container (office document, OFD) costs per byte of file: its parts
/// inflate (typically tenfold) before their text is taken out.
pub const CONTAINER_COST: u64 = 16;

pub struct Budget {
    total: u64,
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    available: u64,
    /// The next ticket to hand out, and the ticket now served.
    next: u64,
    serving: u64,
    /// Workers waiting: without any, nobody is woken (a wake is a system call per
    /// file, thousands on a large tree).
    waiting: usize,
}

/// A share of the budget, given back when dropped.
pub struct Permit<'a> {
    budget: &'a Budget,
    amount: u64,
}

impl Budget {
    pub fn new(total: u64) -> Budget {
        Budget {
            total,
            state: Mutex::new(State {
                available: total,
                next: 0,
                serving: 0,
                waiting: 0,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters updated in one step: a panic elsewhere cannot
        // leave them inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait for `cost` bytes (all of the budget when it costs more), in turn.
    pub fn take(&self, cost: u64) -> Permit<'_> {
        let amount = cost.min(self.total);
        let mut s = self.lock();
        let ticket = s.next;
        s.next += 1;
        while s.serving != ticket || s.available < amount {
            s.waiting += 1;
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
            s.waiting -= 1;
        }
        s.available -= amount;
        s.serving += 1;
        let wake = s.waiting > 0;
        drop(s);
        // The next in line may fit in what is left.
        if wake {
            self.changed.notify_all();
        }
        Permit {
            budget: self,
            amount,
        }
    }

    /// What is not taken now.
    #[cfg(test)]
    fn available(&self) -> u64 {
        self.lock().available
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut s = self.budget.lock();
        s.available += self.amount;
        let wake = s.waiting > 0;
        drop(s);
        if wake {
            self.budget.changed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn never_more_than_the_budget_at_once() {
        let budget = Budget::new(100);
        let held = AtomicU64::new(0);
        let peak = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for t in 0..8u64 {
                let (budget, held, peak) = (&budget, &held, &peak);
                scope.spawn(move || {
                    for i in 0..200u64 {
                        // Sizes from 1 to 250: some cost more than the whole budget.
                        let cost = (t * 37 + i * 13) % 250 + 1;
                        let p = budget.take(cost);
                        let now = held.fetch_add(p.amount, Ordering::SeqCst) + p.amount;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        held.fetch_sub(p.amount, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 100);
        assert_eq!(budget.available(), 100);
    }

    #[test]
    fn a_large_document_is_served_in_turn() {
        let budget = Budget::new(100);
        let small = budget.take(60);
        std::thread::scope(|scope| {
            let big = scope.spawn(|| {
                let p = budget.take(1_000);
                assert_eq!(p.amount, 100);
            });
            // Wait until the large one is in line; then a small one asking later must
            // wait behind it although 40 are free.
            while budget.lock().next < 2 {
                std::thread::yield_now();
            }
            let later = scope.spawn(|| drop(budget.take(10)));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!later.is_finished() && !big.is_finished());
            drop(small);
            big.join().unwrap();
            later.join().unwrap();
        });
        assert_eq!(budget.available(), 100);
    }
}

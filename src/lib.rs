//! mark-lint: a linter for Chinese state-secret markings (国家秘密标志).

pub mod marking;
pub mod regime;
pub mod extract;
pub mod scan;
pub mod term;

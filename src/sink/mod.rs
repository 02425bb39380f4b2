//! Where rendered pages go. A sink stages every page first and makes them visible only in
//! `commit`, so a failed run replaces nothing; dropping a sink without committing removes
//! what it staged.

pub mod dir;

use anyhow::Result;

/// What a committed sink did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Pages whose bytes changed (or were new).
    pub written: usize,
    /// Pages left alone because their bytes were already there.
    pub unchanged: usize,
    /// Bytes of all pages.
    pub bytes: u64,
}

/// A destination for rendered pages.
pub trait Sink {
    /// Stages one page; nothing is visible yet.
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()>;
    /// Makes every staged page visible.
    fn commit(self: Box<Self>) -> Result<Summary>;
}

/// Counts pages and writes nothing: `downpage check`.
#[derive(Debug, Default)]
pub struct Discard {
    summary: Summary,
}

impl Sink for Discard {
    fn stage(&mut self, _dest: &str, bytes: &[u8]) -> Result<()> {
        self.summary.written += 1;
        self.summary.bytes += bytes.len() as u64;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<Summary> {
        Ok(self.summary)
    }
}

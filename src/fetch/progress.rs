//! Progress bars on standard error while the registry is asked: packages
//! fetched, and tarballs with the bytes downloaded so far.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What a bar counts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// Package records.
    Packages,
    /// Tarballs; the message shows the megabytes downloaded.
    Tarballs,
}

/// A bar for `total` items of `kind`.
pub(super) fn bar(total: usize, kind: Kind) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    let template = match kind {
        Kind::Packages => "{spinner} registry {pos}/{len} packages [{bar:30}] {per_sec} {elapsed}",
        Kind::Tarballs => "{spinner} tarballs {pos}/{len} [{bar:30}] {msg} {per_sec} {elapsed}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Shows `total` bytes downloaded on a tarball bar.
pub(super) fn show_bytes(bar: &ProgressBar, total: u64) {
    bar.set_message(format!("{:.1} MB", total as f64 / 1e6));
}

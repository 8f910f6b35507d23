//! Word wrapping of the table format's text lines (verdict, evidence,
//! notes) to the table's width, by display width.

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

/// `line` broken at spaces into lines of at most `width` columns, each
/// ending in a newline; its leading spaces are kept, and continuation
/// lines are indented `indent` more. A word longer than a line is split.
/// Work is linear in the line's length.
pub(super) fn wrap(line: &str, width: usize, indent: usize) -> String {
    let words = line.trim_start_matches(' ');
    let lead = line.len() - words.len();
    // A width too small for the indent wraps without one.
    let indent = if (lead + indent) * 2 < width {
        lead + indent
    } else {
        0
    };
    let mut out = String::with_capacity(line.len() + 16);
    out.push_str(&" ".repeat(lead));
    let mut line = Line {
        used: lead,
        empty: true,
        width: width.max(1),
        indent,
    };
    for word in words.split(' ').filter(|w| !w.is_empty()) {
        let w = word.width();
        if !line.empty {
            if line.used + 1 + w <= line.width {
                out.push(' ');
                line.used += 1;
            } else {
                line.next(&mut out);
            }
        }
        if line.used + w <= line.width {
            out.push_str(word);
            line.used += w;
            line.empty = false;
            continue;
        }
        // Too long for any line: split it wherever the line is full.
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if line.used + cw > line.width && !line.empty {
                line.next(&mut out);
            }
            out.push(c);
            line.used += cw;
            line.empty = false;
        }
    }
    out.push('\n');
    out
}

/// The line being filled.
struct Line {
    /// Columns used, indentation included.
    used: usize,
    /// Nothing but indentation on it yet.
    empty: bool,
    width: usize,
    indent: usize,
}

impl Line {
    fn next(&mut self, out: &mut String) {
        out.push('\n');
        out.push_str(&" ".repeat(self.indent));
        self.used = self.indent;
        self.empty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent() {
        assert_eq!(wrap("a bb ccc dddd", 6, 2), "a bb\n  ccc\n  dddd\n");
        assert_eq!(wrap("short", 80, 2), "short\n");
        assert_eq!(wrap("", 80, 2), "\n");
        assert_eq!(wrap("  a bb ccc", 9, 2), "  a bb\n    ccc\n");
    }

    #[test]
    fn splits_words_longer_than_a_line() {
        assert_eq!(wrap("x 0123456789", 6, 2), "x\n  0123\n  4567\n  89\n");
        for line in wrap(&"y".repeat(1000), 40, 4).lines() {
            assert!(line.width() <= 40, "{line}");
        }
    }

    #[test]
    fn counts_display_width_not_bytes() {
        // Two columns per character: three fit in six columns.
        assert_eq!(wrap("漢字漢 字", 6, 0), "漢字漢\n字\n");
    }
}

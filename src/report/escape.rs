//! Escaping of untrusted text (package names, URLs, messages quoting them)
//! for each output. Lockfiles are attacker-controlled input: a name can
//! carry terminal escape sequences, bidirectional overrides, newlines that
//! forge extra report lines, or Markdown that turns into links.

use std::fmt::Write;

/// Characters that reorder or hide text on screen (Trojan Source).
fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
    )
}

/// For terminals and plain text: control, bidirectional and zero-width
/// characters are written as `\u{..}` so they are seen, never obeyed.
pub fn text(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || is_invisible_control(c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() || is_invisible_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// One line for standard error: [`text`], cut to at most `max` characters
/// with a count of what was left out, so no value in an error (a path, a
/// key, a 100,000-digit number) can forge further lines, reach the
/// terminal as escape codes, or flood the log.
pub fn line(s: &str, max: usize) -> String {
    let escaped = text(s);
    let total = escaped.chars().count();
    if total <= max {
        return escaped;
    }
    let kept: String = escaped.chars().take(max).collect();
    format!("{kept}… ({} more characters)", total - max)
}

/// For Markdown (GitHub-flavoured, including table cells): [`text`], then
/// every punctuation character that Markdown or HTML could interpret is
/// backslash-escaped or written as an entity.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in text(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | '"' | '\'' | ':' | '@' | '/' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// For Markdown, as an inline code span when that is safe (no backtick,
/// nothing invisible), else [`markdown`]. Code spans show names and paths
/// verbatim and keep them from turning into links or @-mentions.
pub fn markdown_code(s: &str) -> String {
    let t = text(s);
    if t.contains('`') || t.contains('|') || t != s || s.is_empty() {
        markdown(s)
    } else {
        format!("`{t}`")
    }
}

/// For the message of a GitHub workflow command (`::error ...::MESSAGE`).
pub fn workflow_message(s: &str) -> String {
    text(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// For a property of a GitHub workflow command (`file=…,title=…`).
pub fn workflow_property(s: &str) -> String {
    workflow_message(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_one_escaped_line_of_bounded_length() {
        let hostile = "dir\n::add-mask::secret\x1b[31m";
        let shown = line(hostile, 100);
        assert!(!shown.contains(['\n', '\x1b']), "{shown}");
        assert!(shown.contains("\\u{a}::add-mask::"), "{shown}");
        let long = "9".repeat(100_000);
        let shown = line(&long, 200);
        assert_eq!(
            shown.chars().count(),
            200 + "… (99800 more characters)".chars().count()
        );
        assert!(shown.ends_with("(99800 more characters)"));
    }

    #[test]
    fn text_makes_controls_visible() {
        assert_eq!(text("ok"), "ok");
        assert_eq!(text("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(text("x\ny"), "x\\u{a}y");
        assert_eq!(text("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(text("\u{9b}"), "\\u{9b}");
        assert_eq!(text("a\u{2028}b\u{2063}"), "a\\u{2028}b\\u{2063}");
    }

    #[test]
    fn markdown_neutralises_links_html_and_tables() {
        assert_eq!(
            markdown("<img src=x>|[a](http://x)"),
            "&lt;img src=x&gt;\\|\\[a\\]\\(http\\:\\/\\/x\\)"
        );
        assert_eq!(markdown("`#_*"), "\\`\\#\\_\\*");
        assert_eq!(markdown_code("@org/team"), "`@org/team`");
        assert_eq!(markdown_code("a`b"), "a\\`b");
        assert_eq!(markdown_code("a|b"), "a\\|b");
    }

    #[test]
    fn workflow_commands_cannot_be_forged() {
        assert_eq!(workflow_message("a%\n::error::x"), "a%25\\u{a}::error::x");
        assert_eq!(workflow_property("a:b,c"), "a%3Ab%2Cc");
    }
}

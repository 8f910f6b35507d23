//! The `.npmrc` file format as npm's ini parser reads it, `${VAR}`
//! expansion, and `npm_config_*` environment variables.

use super::*;

/// The `npm_config_*` variables, mapped to config keys as
/// `@npmcli/config`'s `loadEnv` does.
pub(super) fn env_layer(vars: &[(String, String)], env: &EnvMap) -> Result<Vec<Entry>, NpmrcError> {
    const PREFIX: &str = "npm_config_";
    let mut out = Vec::new();
    for (seq, (name, value)) in vars.iter().enumerate() {
        let Some(rest) = name
            .get(..PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(PREFIX))
            .map(|_| &name[PREFIX.len()..])
        else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let key = if rest.starts_with("//") {
            rest.to_string()
        } else {
            rest.char_indices()
                .map(|(i, c)| if i > 0 && c == '_' { '-' } else { c })
                .collect::<String>()
                .to_lowercase()
        };
        let origin = Origin::Env { name: name.clone() };
        let written = Written {
            key: key.clone(),
            value: js_trim(value).to_string(),
        };
        let (key, mut expanded) = expand(&key, env);
        let (value, from_value) = expand(js_trim(value), env);
        expanded.extend(from_value);
        out.push(Entry {
            key,
            value,
            written,
            origin: origin.clone(),
            rank: (Layer::Env, seq),
            expanded,
        });
    }
    Ok(out)
}

/// Parses an `.npmrc` as npm's `ini` package and `@npmcli/config` do.
pub(super) fn parse_npmrc(
    text: &str,
    path: &Path,
    layer: Layer,
    env: &EnvMap,
) -> Result<Vec<Entry>, NpmrcError> {
    let mut out = Vec::new();
    let mut in_section = false;
    for (index, physical) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        // ini splits on any run of \r and \n.
        for line in physical.split('\r') {
            if js_trim(line).is_empty() || js_trim_start(line).starts_with([';', '#']) {
                continue;
            }
            if is_section_header(line) {
                in_section = true;
                continue;
            }
            let (key_raw, value_raw) = match line.find('=') {
                Some(0) => continue,
                Some(i) => (&line[..i], Some(&line[i + 1..])),
                None => (line, None),
            };
            // ini's `(.*)` does not match across JS line terminators.
            if value_raw.is_some_and(|v| v.contains(['\u{2028}', '\u{2029}'])) {
                continue;
            }
            if in_section {
                continue;
            }
            let key = ini_unsafe(key_raw);
            // `key[]=value` lines make a list in npm; they are kept under
            // their own key (`noproxy[]`, `min-release-age-exclude[]`),
            // which only the settings that are lists read.
            if key == "__proto__" || key == "__proto__[]" {
                continue;
            }
            let value = value_raw.map_or_else(|| "true".to_string(), ini_unsafe);
            let origin = Origin::File {
                path: path.to_path_buf(),
                line: line_no,
            };
            let written = Written {
                key: key.clone(),
                value: js_trim(&value).to_string(),
            };
            let (key, mut expanded) = expand(&key, env);
            let (value, from_value) = expand(js_trim(&value), env);
            expanded.extend(from_value);
            let rank = (layer, out.len());
            out.push(Entry {
                key,
                value,
                written,
                origin,
                rank,
                expanded,
            });
        }
    }
    Ok(out)
}

/// `^\[([^\]]*)\]\s*$`
pub(super) fn is_section_header(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    match rest.find(']') {
        Some(i) => js_trim(&rest[i + 1..]).is_empty(),
        None => false,
    }
}

/// The `ini` package's `unsafe()`: unquote, or strip an inline comment and
/// unescape `\;`, `\#` and `\\`.
pub(super) fn ini_unsafe(raw: &str) -> String {
    let v = js_trim(raw);
    let quoted =
        (v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''));
    if quoted {
        let inner = if v.starts_with('\'') {
            v.get(1..v.len().saturating_sub(1)).unwrap_or("")
        } else {
            v
        };
        return match serde_json::from_str::<serde_json::Value>(inner) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => inner.to_string(),
        };
    }
    let mut out = String::with_capacity(v.len());
    let mut escaped = false;
    for c in v.chars() {
        if escaped {
            if !matches!(c, '\\' | ';' | '#') {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == ';' || c == '#' {
            break;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    js_trim(&out).to_string()
}

/// `@npmcli/config`'s `envReplace`: an unset `${VAR}` stays as written
/// (npm 7+ does not fail on it; a `.npmrc` with a CI-only token must not
/// stop a local audit), `${VAR?}` becomes empty. Returns the text and the
/// names of the variables whose values went into it.
pub(super) fn expand(s: &str, env: &EnvMap) -> (String, Vec<String>) {
    let mut used = Vec::new();
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if !(bytes[i] == b'$' && bytes[i + 1] == b'{') {
            i += 1;
            continue;
        }
        let name_start = i + 2;
        let name_len = s[name_start..]
            .find(['$', '{', '}', '?'])
            .unwrap_or(s.len() - name_start);
        let name_end = name_start + name_len;
        let optional = bytes.get(name_end) == Some(&b'?');
        let close = name_end + usize::from(optional);
        if name_len == 0 || bytes.get(close) != Some(&b'}') {
            i += 1;
            continue;
        }
        let end = close + 1;
        let name = &s[name_start..name_end];
        let mut run_start = i;
        while run_start > copied && bytes[run_start - 1] == b'\\' {
            run_start -= 1;
        }
        let escapes = i - run_start;
        out.push_str(&s[copied..run_start]);
        if escapes % 2 == 1 {
            // An escaped `${`: drop half the backslashes (and the escaping
            // one), keep the text.
            out.push_str(&s[run_start + escapes.div_ceil(2)..end]);
        } else {
            out.push_str(&"\\".repeat(escapes / 2));
            match env.get(name) {
                Some(value) => {
                    out.push_str(value);
                    used.push(name.to_string());
                }
                None if optional => {}
                None => out.push_str(&s[i..end]),
            }
        }
        copied = end;
        i = end;
    }
    out.push_str(&s[copied..]);
    (out, used)
}

/// JavaScript's whitespace (for `trim()` and `\s`): Unicode `White_Space`
/// except U+0085, plus U+FEFF (so a byte-order mark is blank, as in npm).
pub(super) fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

pub(super) fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

pub(super) fn js_trim_start(s: &str) -> &str {
    s.trim_start_matches(is_js_space)
}

//! Whether this machine is one an entry's `os` / `cpu` / `libc` lists
//! allow, judged as npm judges it (npm-install-checks): npm leaves out
//! optional entries that do not match, so lockproof does not download them
//! unless asked to verify every platform.

use crate::lockfile::Platform;

/// The machine, in npm's names (`process.platform`, `process.arch`, libc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// `linux`, `darwin`, `win32`, …
    pub os: String,
    /// `x64`, `arm64`, …
    pub cpu: String,
    /// `glibc` or `musl` on Linux; `None` elsewhere.
    pub libc: Option<String>,
}

impl Machine {
    /// The machine lockproof runs on.
    pub fn current() -> Self {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            other => other,
        };
        let cpu = match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            "x86" => "ia32",
            "powerpc64" => "ppc64",
            "loongarch64" => "loong64",
            other => other,
        };
        // npm asks the running Node which libc it was built against; a
        // lockproof binary built for musl runs where musl is the libc.
        let libc = (os == "linux").then(|| {
            if cfg!(target_env = "musl") {
                "musl"
            } else {
                "glibc"
            }
            .to_string()
        });
        Self {
            os: os.to_string(),
            cpu: cpu.to_string(),
            libc,
        }
    }

    /// Whether npm would install an entry with these restrictions here.
    pub fn allows(&self, platform: &Platform) -> bool {
        let libc_ok = platform.libc.is_empty()
            || self
                .libc
                .as_deref()
                .is_some_and(|libc| allowed(libc, &platform.libc));
        allowed(&self.os, &platform.os) && allowed(&self.cpu, &platform.cpu) && libc_ok
    }
}

/// npm's list rule: no negated value (`!x`) may match, and when the list
/// names values without `!`, one of them must. `["any"]` allows all.
fn allowed(value: &str, list: &[String]) -> bool {
    if list.len() == 1 && list.first().is_some_and(|v| v == "any") {
        return true;
    }
    let mut negated = 0;
    let mut matched = false;
    for item in list {
        match item.strip_prefix('!') {
            Some(not) => {
                negated += 1;
                if not == value {
                    return false;
                }
            }
            None => matched |= item == value,
        }
    }
    matched || negated == list.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(os: &[&str], cpu: &[&str], libc: &[&str]) -> Platform {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Platform {
            os: v(os),
            cpu: v(cpu),
            libc: v(libc),
        }
    }

    #[test]
    fn lists_follow_npm_rules() {
        let linux = Machine {
            os: "linux".into(),
            cpu: "x64".into(),
            libc: Some("glibc".into()),
        };
        assert!(linux.allows(&platform(&[], &[], &[])));
        assert!(linux.allows(&platform(&["linux"], &["x64"], &["glibc"])));
        assert!(!linux.allows(&platform(&["linux"], &["x64"], &["musl"])));
        assert!(!linux.allows(&platform(&["darwin"], &[], &[])));
        assert!(linux.allows(&platform(&["!win32"], &[], &[])));
        assert!(!linux.allows(&platform(&["!linux"], &[], &[])));
        assert!(!linux.allows(&platform(&[], &["arm64"], &[])));
        assert!(linux.allows(&platform(&["any"], &[], &[])));
        let mac = Machine {
            os: "darwin".into(),
            cpu: "arm64".into(),
            libc: None,
        };
        assert!(
            !mac.allows(&platform(&[], &[], &["glibc"])),
            "libc named, none here"
        );
    }
}

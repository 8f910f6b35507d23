//! Generates npm lockfileVersion 1 files nested deep: a chain of entries,
//! each holding the next in its `dependencies`, with leaf siblings at
//! every level. Each entry's install path spells out every ancestor, so the
//! paths add up to far more than the file. Shared by the tests
//! (`path_bound.rs`) and `examples/deep_lockfile.rs`, which includes this
//! file with `#[path]`.

use std::fmt::Write as _;

const NODE_MODULES: &str = "node_modules/";

/// The shape of a generated tree.
pub struct Shape {
    /// Levels of nesting: the deepest leaves are this many `node_modules`
    /// down.
    pub depth: usize,
    /// Leaf entries (`p0`, `p1`, …) at every level.
    pub siblings: usize,
    /// Length of the name of the chain's entries (`nnn…`), repeated in every
    /// path below them.
    pub chain_name_len: usize,
}

/// The case of issue 13: a 682 KB file nested 250 deep, whose install
/// paths add up to about 360 MB.
pub const ISSUE_13: Shape = Shape {
    depth: 250,
    siblings: 100,
    chain_name_len: 100,
};

impl Shape {
    /// The lockfile, as compact JSON.
    pub fn npm_v1(&self) -> String {
        let chain = "n".repeat(self.chain_name_len);
        let mut out = String::from(
            r#"{"name":"deep","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":"#,
        );
        for level in 0..self.depth {
            out.push('{');
            for i in 0..self.siblings {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, r#""p{i}":{{"version":"1.0.0"}}"#);
            }
            if level + 1 < self.depth {
                if self.siblings > 0 {
                    out.push(',');
                }
                let _ = write!(out, r#""{chain}":{{"version":"1.0.0","dependencies":"#);
            }
        }
        for level in (0..self.depth).rev() {
            // The level's `dependencies`, then the chain entry holding it.
            out.push('}');
            if level > 0 {
                out.push('}');
            }
        }
        out.push('}');
        out
    }

    /// What the install paths of its entries add up to, in bytes.
    pub fn install_path_bytes(&self) -> usize {
        let mut total = 0;
        // The path of the chain entry whose `dependencies` hold this level.
        let mut parent = 0;
        for level in 0..self.depth {
            let prefix = if level == 0 { 0 } else { parent + 1 } + NODE_MODULES.len();
            total += (0..self.siblings)
                .map(|i| prefix + format!("p{i}").len())
                .sum::<usize>();
            if level + 1 < self.depth {
                parent = prefix + self.chain_name_len;
                total += parent;
            }
        }
        total
    }
}

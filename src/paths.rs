//! Where reported paths start. Machine-read reports (JSON, SARIF, GitHub, GitLab), baselines,
//! `--diff-base` and the result cache name files relative to one root, so that they do not
//! depend on the directory leaklint runs from or on how the paths were spelled:
//!
//! 1. the root of the git work tree that holds the first path (a folder with `.git`);
//! 2. else the folder of the configuration file that governs the first path, when every path
//!    lies under it;
//! 3. else the working directory.
//!
//! Human output keeps the paths as they were given, so that a terminal can open them.

use std::path::{Component, Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Root {
    /// Absolute and free of symbolic links.
    pub dir: PathBuf,
    /// The working directory, absolute and free of symbolic links.
    cwd: PathBuf,
}

impl Root {
    /// The root for a run over `paths` (or the working directory when there are none).
    /// `config_dir` is the folder of the configuration that governs the first path, if any; it
    /// is the root only when every path lies under it.
    pub fn find(paths: &[PathBuf], config_dir: Option<&Path>) -> Root {
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_else(|_| PathBuf::from("."));
        let abs: Vec<PathBuf> = paths.iter().map(|p| absolute(&cwd.join(p))).collect();
        let start = abs.first().unwrap_or(&cwd);
        let dir = git_root(start)
            .or_else(|| {
                let d = absolute(&cwd.join(config_dir?));
                abs.iter().all(|p| p.starts_with(&d)).then_some(d)
            })
            .unwrap_or_else(|| cwd.clone());
        Root { dir, cwd }
    }

    /// A root at `dir` (absolute), for tests and the library.
    pub fn at(dir: &Path) -> Root {
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_else(|_| PathBuf::from("."));
        Root {
            dir: absolute(&cwd.join(dir)),
            cwd,
        }
    }

    /// The absolute, link-free path of `shown` (a path as the driver shows it: relative to the
    /// working directory, or absolute).
    pub fn absolute(&self, shown: &str) -> PathBuf {
        absolute(&self.cwd.join(shown))
    }

    /// `shown` relative to the root with `/` separators; a path outside the root stays
    /// absolute.
    pub fn relative(&self, shown: &str) -> String {
        // A file reached through a link below the root is reported where it was found.
        let found = lexical(&self.cwd.join(shown));
        if let Ok(rel) = found.strip_prefix(&self.dir) {
            if !rel.as_os_str().is_empty() {
                return slashes(rel);
            }
        }
        let abs = self.absolute(shown);
        match abs.strip_prefix(&self.dir) {
            Ok(rel) if !rel.as_os_str().is_empty() => slashes(rel),
            _ => slashes(&abs),
        }
    }
}

fn slashes(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The git work tree holding `path`: the nearest folder with a `.git` entry (a folder, or a
/// file in worktrees and submodules).
pub fn git_root(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// `p` made absolute, its folder's symbolic links resolved (the file's own name is kept, so a
/// linked file is reported where it was found), and `.` and `..` removed. Works for paths that
/// do not exist (a `--stdin-filename`).
pub fn absolute(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let p = lexical(&p);
    if let Ok(c) = std::fs::canonicalize(&p) {
        if !std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return c;
        }
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => match std::fs::canonicalize(parent) {
            Ok(parent) => parent.join(name),
            Err(_) => absolute_parent(parent).join(name),
        },
        _ => p,
    }
}

/// The nearest existing ancestor canonicalized, the rest appended.
fn absolute_parent(p: &Path) -> PathBuf {
    for a in p.ancestors().skip(1) {
        if let Ok(c) = std::fs::canonicalize(a) {
            if let Ok(rest) = p.strip_prefix(a) {
                return c.join(rest);
            }
        }
    }
    p.to_path_buf()
}

/// Removes `.` and resolves `..` by the text alone.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_to_the_git_root_from_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(top.join("repo/.git")).unwrap();
        std::fs::create_dir_all(top.join("repo/src/sub")).unwrap();
        std::fs::write(top.join("repo/src/a.go"), "").unwrap();
        let root = Root::find(&[top.join("repo/src/sub")], None);
        assert_eq!(root.dir, top.join("repo"));
        let abs = top.join("repo/src/a.go");
        assert_eq!(root.relative(abs.to_str().unwrap()), "src/a.go");
        let dotted = top.join("repo/src/sub/../a.go");
        assert_eq!(root.relative(dotted.to_str().unwrap()), "src/a.go");
        assert_eq!(root.relative("/elsewhere/x.go"), "/elsewhere/x.go");
    }
}

//! `unclosed-on-error-path` on a miniature of its model case, written for this test: a helper
//! fills fields of a global with fresh pipes and reports success, another closes them all, and
//! the caller returns an error when `fork()` fails. The finding points at the acquisition and
//! labels the leaking return; adding the release before that return silences it.

use leaklint::driver::{self, Options};
use leaklint::model::Lang;
use leaklint::rules::RuleSet;

const HELPERS: &str = r#"
struct srv { int to_child; int from_child; int busy; };
static struct srv S;

int srvCreatePipes(void) {
    int fds[4] = {-1, -1, -1, -1};
    int j;
    if (pipe(fds) == -1) goto error;
    if (pipe(fds + 2) == -1) goto error;
    S.to_child = fds[1];
    S.from_child = fds[2];
    close(fds[0]);
    close(fds[3]);
    return C_OK;
error:
    for (j = 0; j < 4; j++) if (fds[j] != -1) close(fds[j]);
    return C_ERR;
}

void srvClosePipes(void) {
    close(S.to_child);
    close(S.from_child);
}
"#;

fn caller(release_before_return: bool) -> String {
    let release = if release_before_return {
        "srvClosePipes();\n            "
    } else {
        ""
    };
    format!(
        r#"
int srvStartChild(void) {{
    pid_t pid;
    if (S.busy) return C_ERR;
    if (srvCreatePipes() != C_OK) return C_ERR;
    if ((pid = fork()) == 0) {{
        _exit(0);
    }} else {{
        if (pid == -1) {{
            {release}return C_ERR;
        }}
        S.busy = 1;
    }}
    return C_OK;
}}
"#
    )
}

fn run(text: &str) -> Vec<leaklint::diagnostic::Diagnostic> {
    run_as(Lang::C, text)
}

fn run_as(lang: Lang, text: &str) -> Vec<leaklint::diagnostic::Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("mini.{}", lang.extension()));
    std::fs::write(&path, text).unwrap();
    let opts = Options {
        threads: 1,
        max_file_size: u64::MAX,
        ..Options::default()
    };
    let report = driver::analyze(&[(path, lang)], &RuleSet::builtin(), &opts);
    report
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == "unclosed-on-error-path")
        .collect()
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1
}

#[test]
fn the_fork_failure_return_leaks_the_pipes() {
    let text = format!("{HELPERS}{}", caller(false));
    let found = run(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(
        d.location.start.line,
        line_of(&text, "if (srvCreatePipes() != C_OK)")
    );
    assert!(d.message.contains("srvCreatePipes()"), "{}", d.message);
    assert!(d.message.contains("srvClosePipes()"), "{}", d.message);
    let ret = line_of(&text, "            return C_ERR;");
    assert!(
        d.labels
            .iter()
            .any(|l| l.location.start.line == ret && l.message.contains("C_ERR")),
        "{:#?}",
        d.labels
    );
    let branch = line_of(&text, "if (pid == -1)");
    assert!(
        d.labels.iter().any(|l| l.location.start.line == branch),
        "{:#?}",
        d.labels
    );
}

#[test]
fn closing_the_pipes_before_the_return_is_the_fix() {
    let text = format!("{HELPERS}{}", caller(true));
    assert!(run(&text).is_empty());
}

/// A failure branch that mentions the resource (to log it) is still the failure branch: the
/// operator says so. The finding labels the later return, not the failure branch's.
#[test]
fn operators_pick_the_failure_branch() {
    let cases = [
        (
            Lang::C,
            "int rd(const char *p, char *b) {\n    int fd = open(p, 0);\n    if (fd == -1) {\n        fprintf(stderr, \"%d\", fd);\n        return -1; /* failed */\n    }\n    if (read(fd, b, 1) < 0)\n        return -1; /* leaks */\n    close(fd);\n    return 0;\n}\n",
        ),
        (
            Lang::Go,
            "package p\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc rd(p string) error {\n\tf, err := os.Open(p)\n\tif err != nil {\n\t\tfmt.Println(f)\n\t\treturn err /* failed */\n\t}\n\tif len(p) > 9 {\n\t\treturn errors.New(\"long\") /* leaks */\n\t}\n\treturn f.Close()\n}\n",
        ),
    ];
    for (lang, text) in cases {
        let found = run_as(lang, text);
        assert_eq!(found.len(), 1, "{lang}: {found:#?}");
        let lines: Vec<u32> = found[0]
            .labels
            .iter()
            .map(|l| l.location.start.line)
            .collect();
        assert!(
            lines.contains(&line_of(text, "/* leaks */")),
            "{lang}: {lines:?}"
        );
        assert!(
            !lines.contains(&line_of(text, "/* failed */")),
            "{lang}: {lines:?}"
        );
    }
}

/// A generated function with thousands of acquisitions: the engine tracks a bounded number of
/// them (its work per statement grows with them), so the run stays linear in the file's size.
#[test]
fn acquisitions_tracked_per_function_are_bounded() {
    let mut text = String::from("package x\n\nimport \"os\"\n\nfunc many() error {\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "\tf{i}, err := os.Open(\"x\")\n\tif err != nil {{\n\t\treturn err\n\t}}\n\tuse(f{i})\n"
        ));
    }
    text.push_str("\treturn nil\n}\n\nfunc use(f *os.File) {}\n");
    let found = run_as(Lang::Go, &text);
    // Every file is open at the next error return; only the first 128 are judged.
    assert_eq!(found.len(), 128);
    assert_eq!(found[0].location.start.line, line_of(&text, "f0, err :="));
}

/// Recovery can wrap a whole C file in one syntax error (here a `#ifdef` inside an initializer)
/// and still read the functions in it. A function with an error of its own (a cleanup macro
/// before the type, `__do_fclose FILE *f`) is not judged, as in a file that parses; the others
/// still are.
#[test]
fn a_file_wrapped_in_a_syntax_error_keeps_the_errors_inside_its_functions() {
    let mut text = String::from("static struct opt caps[] = {\n#if HAVE_CAP\n");
    for i in 0..3 {
        text.push_str(&format!("\t{{ \"c{i}\", C{i} }},\n"));
    }
    text.push_str("#endif\n};\n\nstatic struct opt lims[] = {\n");
    for i in 0..3 {
        text.push_str(&format!("#ifdef R{i}\n\t{{ \"r{i}\", R{i} }},\n#endif\n"));
    }
    text.push_str(
        r#"};

int read_limits(const char *path)
{
	__do_fclose FILE *f = NULL;

	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgetc(f) == EOF)
		return -1; /* closed by the cleanup attribute */
	return 0;
}

int read_names(const char *path)
{
	FILE *g = fopen(path, "re");
	if (!g)
		return -1;
	if (fgetc(g) == EOF)
		return -1; /* leaks */
	fclose(g);
	return 0;
}
"#,
    );
    let found = run(&text);
    let lines: Vec<u32> = found.iter().map(|d| d.location.start.line).collect();
    assert_eq!(lines, [line_of(&text, "FILE *g = fopen")], "{found:#?}");
}

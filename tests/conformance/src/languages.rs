//! Each language's server and client program: how to build it and how to start it.
//! Building is part of the run, so `cargo test -p conformance` needs only the
//! installed toolchains (`cargo xtask test`'s install steps).

use std::path::Path;

use crate::process::{CommandLine, output};

/// One language's conformance programs.
pub struct Language {
    pub name: &'static str,
    pub server: CommandLine,
    pub client: CommandLine,
    /// Commands that build the programs, run in order before either starts.
    pub build: Vec<CommandLine>,
}

/// The Rust programs are binaries of this crate, which cargo builds for the tests.
pub struct RustPrograms<'a> {
    pub server: &'a str,
    pub client: &'a str,
}

/// Every language, in a fixed order (the first is the one others are compared with).
pub fn all(rust: RustPrograms<'_>) -> Vec<Language> {
    let node = |script: &str| CommandLine::new("node", &[script]);
    vec![
        Language {
            name: "rust",
            server: CommandLine::new(rust.server, &[]),
            client: CommandLine::new(rust.client, &[]),
            build: Vec::new(),
        },
        Language {
            name: "typescript",
            server: node("tests/conformance/build/servers/typescript/server.js"),
            client: node("tests/conformance/build/clients/typescript/client.js"),
            build: vec![
                CommandLine::new("npm", &["run", "build", "-w", "powersync-write-api"]),
                CommandLine::new(
                    "node",
                    &[
                        "node_modules/typescript/bin/tsc",
                        "-p",
                        "tests/conformance/tsconfig.json",
                    ],
                ),
            ],
        },
        Language {
            name: "python",
            server: CommandLine::new(PYTHON, &["tests/conformance/servers/python/server.py"]),
            client: CommandLine::new(PYTHON, &["tests/conformance/clients/python/client.py"]),
            // Nothing to build: the test command's Python install made the virtualenv.
            build: Vec::new(),
        },
        Language {
            name: "go",
            server: CommandLine::new(GO_SERVER, &[]),
            client: CommandLine::new(GO_CLIENT, &[]),
            build: vec![
                go_build(GO_SERVER, "./servers/go"),
                go_build(GO_CLIENT, "./clients/go"),
            ],
        },
    ]
}

/// The project's virtualenv's interpreter (`cargo xtask test`'s Python install).
const PYTHON: &str = ".venv/bin/python";

/// Where the Go programs are built (the root's ignored `target/` folder).
const GO_SERVER: &str = "target/conformance/go-server";
const GO_CLIENT: &str = "target/conformance/go-client";

/// `go build` of a package of the `tests/conformance` Go module, run from the root.
fn go_build(output: &str, package: &str) -> CommandLine {
    let output = format!("../../{output}");
    CommandLine::new(
        "go",
        &[
            "-C",
            "tests/conformance",
            "build",
            "-buildvcs=false",
            "-o",
            &output,
            package,
        ],
    )
}

/// Builds every language's programs.
pub async fn build(languages: &[Language], root: &Path) -> anyhow::Result<()> {
    for language in languages {
        for command in &language.build {
            output(language.name, command, &[], &[], root).await?;
        }
    }
    Ok(())
}
